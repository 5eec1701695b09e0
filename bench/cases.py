"""Benchmark: import 100,000 cases into one community, then time the case desk's filtered list.

    .venv/bin/python bench/cases.py                    # PostgreSQL on PG_BENCH_URL, 100,000 cases
    .venv/bin/python bench/cases.py --cases 20000 --db sqlite

The import runs every row through ``clean_case_fields`` (the validation of
the form, CSV and Open311 imports) and ``deadline_for``, refuses numbers that
already exist, and writes cases and their "created" timeline events in
batches of ``--batch`` rows (executemany), not one flush per case. The list
is timed through ``case_page``: the same ``filter_cases`` statement and
pagination (page + count) the desk runs, over a mix of the filters people
use, text search included (2-, 3- and 4-character Chinese queries and case
numbers, through the search index of ``roundtable.cases.search_index``);
p50/p95 per filter and overall are printed and written to
bench/results/cases-<db>.json. Targets: import ≤ 60 s, list p95 ≤ 100 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live_vote import _database, percentile  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PLACES = ["西河沿街", "前门东大街", "草厂三条", "大江胡同", "长巷头条", "鲜鱼口街"]
PROBLEMS = ["夜间超时停车堵塞胡同", "广场舞噪声扰民", "路面塌陷积水", "楼道堆物占道", "暖气不热", "垃圾清运不及时"]


def raw_rows(count: int, now) -> list[dict]:
    """Rows as a CSV or Open311 import hands them over: text, Chinese labels and codes mixed."""
    from roundtable.cases.models import CATEGORIES, URGENCIES

    rng = random.Random(12345)
    categories, urgencies = list(CATEGORIES), list(URGENCIES)
    rows = []
    for n in range(count):
        received = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
        rows.append({
            "external_number": f"12345-{n:07d}",
            "source": "csv",
            "category": rng.choice(categories),
            "urgency": rng.choice(urgencies),
            "description": f"{rng.choice(PLACES)}{rng.randrange(1, 200)}号:{rng.choice(PROBLEMS)}",
            "address": f"{rng.choice(PLACES)}{rng.randrange(1, 200)}号",
            "complainant_name": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["秀兰", "建国", "淑芬", "志强"]),
            "complainant_phone": f"13{rng.randrange(0, 10**9):09d}",
            "received_at": received.strftime("%Y-%m-%d %H:%M"),
        })
    return rows


def import_cases(app, community_id: int, rows: list[dict], batch: int) -> dict:
    from sqlalchemy import insert, select

    from roundtable.cases.models import STATUSES, Case, CaseEvent
    from roundtable.cases.operations import deadline_for
    from roundtable.cases.validation import CaseFieldErrors, clean_case_fields
    from roundtable.core.time import utcnow
    from roundtable.extensions import db

    rng = random.Random(7)
    started = time.perf_counter()
    with app.app_context():
        known = {tuple(row) for row in db.session.execute(
            select(Case.source, Case.external_number).where(Case.community_id == community_id)
        )}
        refused = 0
        for start in range(0, len(rows), batch):
            now = utcnow()
            cases = []
            for raw in rows[start:start + batch]:
                try:
                    fields = clean_case_fields(raw, default_source="csv", now=now)
                except CaseFieldErrors:
                    refused += 1
                    continue
                if (fields.source, fields.external_number) in known:
                    refused += 1
                    continue
                known.add((fields.source, fields.external_number))
                # A year of history: most cases moved on from "received" (the desk filters by status).
                status = rng.choice(STATUSES)
                cases.append({
                    "community_id": community_id, **fields.as_dict(), "received_at": fields.received_at,
                    "due_at": deadline_for(fields.urgency, fields.received_at), "status": status,
                })
            ids = db.session.scalars(insert(Case).returning(Case.id), cases).all()
            db.session.execute(insert(CaseEvent), [
                {"case_id": case_id, "kind": "created", "to_status": "received", "note": "", "data": {}, "at": now}
                for case_id in ids
            ])
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(__import__("sqlalchemy").text("ANALYZE cases"))
            db.session.commit()
        db.session.remove()
    return {"imported": len(rows) - refused, "refused": refused, "seconds": round(time.perf_counter() - started, 1)}


FILTERS = {
    "all, newest first": {},
    "status received": {"status": "received"},
    "category parking": {"category": "parking"},
    "urgency emergency, due soonest": {"urgency": "emergency", "sort": "due_asc"},
    "overdue": {"overdue": True},
    "search 停车 (2 characters)": {"q": "停车"},
    "search 噪声 (2 characters, rarer)": {"q": "噪声"},
    "search 超时停 (3 characters)": {"q": "超时停"},
    "search 路面塌陷 (4 characters)": {"q": "路面塌陷"},
    "search a whole number": {"q": "12345-0099999"},
    "search part of a number": {"q": "12345-0099"},
    "search 停车 + status received": {"q": "停车", "status": "received"},
    "parking + in deliberation, page 50": {"category": "parking", "status": "in_deliberation", "page": 50},
}


def time_list(app, community_id: int, repeats: int) -> dict:
    from roundtable.cases.queries import CaseFilters, case_page
    from roundtable.communities.models import Community
    from roundtable.extensions import db

    out, every = {}, []
    with app.test_request_context():
        community = db.session.get(Community, community_id)
        for label, spec in FILTERS.items():
            spec = dict(spec)
            page = spec.pop("page", 1)
            filters = CaseFilters(**spec)
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                result = case_page(community, filters, page, app.config["PAGE_SIZE"])
                [case.topic for case in result.items]  # what the template touches
                samples.append((time.perf_counter() - started) * 1000)
                db.session.expire_all()
            every.extend(samples)
            out[label] = {"p50_ms": round(percentile(samples, 50), 1), "p95_ms": round(percentile(samples, 95), 1),
                          "total": result.total}
        db.session.remove()
    out["overall"] = {"p50_ms": round(percentile(every, 50), 1), "p95_ms": round(percentile(every, 95), 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    from bench.live_vote import bench_app
    from roundtable.communities.operations import create_community, get_or_create_street
    from roundtable.core.time import utcnow
    from roundtable.extensions import db

    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="rt-cases-"))
    url, drop = _database(args.db, workdir)
    try:
        app = bench_app(url)
        with app.app_context():
            community = create_community(get_or_create_street("前门街道"), "草厂社区")
            db.session.commit()
            community_id = community.id
            db.session.remove()
        rows = raw_rows(args.cases, utcnow())
        imported = import_cases(app, community_id, rows, args.batch)
        listing = time_list(app, community_id, args.repeats)
    finally:
        drop()
    result = {
        "db": args.db, "cases": args.cases, "import": imported, "list": listing,
        "machine": f"{os.cpu_count()} cores, {os.uname().machine}", "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        # A shared machine's figures mean little without how busy it was.
        "load_average_1_5_15": {"before": load_before, "after": os.getloadavg()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"cases-{args.db}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"import {imported['imported']} cases in {imported['seconds']} s ({imported['refused']} refused); "
          f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after on {os.cpu_count()} cores")
    for label, figures in listing.items():
        print(f"  {label:40s} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
              + (f"  ({figures['total']} cases)" if "total" in figures else ""))


if __name__ == "__main__":
    main()
