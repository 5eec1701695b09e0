"""How long publishing a resolution takes, and whether it slows live tallies while it renders.

1. Publish: the whole ``render_resolution`` job (record, template, WeasyPrint
   PDF/A-3b with the embedded record, hashes, attaching to the cases), for a
   2-page and a 10-page resolution, beside bare WeasyPrint rendering the very
   same HTML (no PDF/A, no attachment).
2. Live: a real server process (``wsgi.py``) and a few python-socketio phones
   voting; vote → ``tally`` latency without rendering, then while a separate
   worker process (``flask worker run --once``) renders 5 resolutions.

Run: .venv/bin/python bench/resolutions_publish.py [--repeat N] [--voters 5]
Prints a table and writes bench/results/resolutions_publish.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "resolutions_publish.json"
WORKDIR = Path(tempfile.mkdtemp(prefix="rt-bench-resolutions-"))
DATABASE_URL = f"sqlite:///{WORKDIR / 'bench.db'}"
SECRET_KEY = "bench-secret-key"
# Set before the app's config module is imported: it reads the environment once.
os.environ.update(
    DATABASE_URL=DATABASE_URL, ROUNDTABLE_INSTANCE=str(WORKDIR), SECRET_KEY=SECRET_KEY,
    OUTBOX_DISPATCHER="0", EMBEDDED_WORKER="0",
)
sys.path.insert(0, str(ROOT))

import weasyprint
from pypdf import PdfReader

from roundtable import create_app
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.jobs.registry import load_handler_modules
from roundtable.jobs.worker import run_one
from roundtable.resolutions import operations
from roundtable.resolutions.jobs import resolution_html
from roundtable.resolutions.pdf import STATIC_BASE_URL, StaticOnlyURLFetcher, harfbuzz_subsetting_available

PARAGRAPH = (
    "经西河沿社区圆桌会议协商,区交通支队加强街面巡查,提醒超时停车车主尽早驶离;"
    "对接老人看病等特殊情况,如停车超时被拍,由社区党委出具证明,与街道交通执法部门协商后免予处罚。"
    "物业公司在院门口张贴提醒,协助登记特殊情况车辆,并每周向社区报告巡查情况。"
)


# ---------------------------------------------------------------- building the data


def new_resolution(world, points: int):
    """A concluded roundtable and its resolution, every commitment confirmed, ready to publish."""
    from tests.factories import make_concluded_meeting
    from tests.resolutions.conftest import confirm_all, draft

    concluded = make_concluded_meeting(world)
    text = "\n".join(f"{n + 1}. {PARAGRAPH}" for n in range(points))
    resolution = draft(world, concluded, points=text)
    confirm_all(world, resolution)
    return resolution


def pages_of(pdf: bytes) -> int:
    import io

    return len(PdfReader(io.BytesIO(pdf)).pages)


def bare(html: str) -> bytes:
    return weasyprint.HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyURLFetcher()).write_pdf()


def points_for(world, pages: int) -> int:
    """How many agreed points make the document ``pages`` long (laid out, not guessed)."""
    resolution = new_resolution(world, 1)
    points = 1
    while True:
        resolution.agreed_points = "\n".join(f"{n + 1}. {PARAGRAPH}" for n in range(points))
        html, _, _ = resolution_html(resolution, utcnow())
        laid_out = len(weasyprint.HTML(string=html, base_url=STATIC_BASE_URL,
                                       url_fetcher=StaticOnlyURLFetcher()).render().pages)
        if laid_out >= pages:
            db.session.rollback()
            return points
        points += max(1, (pages - laid_out) * 8)


def publish_timings(app, world, repeat: int) -> list[dict]:
    rows = []
    load_handler_modules()
    warm = new_resolution(world, 1)
    operations.request_publication(warm, world.a.secretary, "", "http://127.0.0.1/")
    db.session.commit()
    run_one()  # font discovery and template compilation are not per document
    for pages in (2, 10):
        points = points_for(world, pages)
        publish_s, bare_s, sizes, page_counts = [], [], [], []
        for _ in range(repeat):
            resolution = new_resolution(world, points)
            started = time.perf_counter()
            operations.request_publication(resolution, world.a.secretary, "", "http://127.0.0.1/")
            db.session.commit()
            run_one()
            publish_s.append(time.perf_counter() - started)
            db.session.expire_all()
            assert resolution.status == "published", resolution.status
            sizes.append(len(resolution.pdf))
            page_counts.append(pages_of(resolution.pdf))
            html, _, _ = resolution_html(resolution, resolution.published_at, "http://127.0.0.1/")
            started = time.perf_counter()
            bare(html)
            bare_s.append(time.perf_counter() - started)
        rows.append({
            "target_pages": pages, "pages": page_counts[-1], "agreed_points": points,
            "publish_job_median_s": round(statistics.median(publish_s), 3),
            "publish_job_min_s": round(min(publish_s), 3), "publish_job_max_s": round(max(publish_s), 3),
            "bare_weasyprint_median_s": round(statistics.median(bare_s), 3),
            "bare_weasyprint_min_s": round(min(bare_s), 3), "bare_weasyprint_max_s": round(max(bare_s), 3),
            "pdf_bytes": sizes[-1], "runs": repeat,
        })
    return rows


# ---------------------------------------------------------------- the live part


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def live_room(world, voters: int, polls: int):
    """A live meeting with ``voters`` checked-in residents and ``polls`` open yes/no polls."""
    from roundtable.live import operations as live
    from tests.live.conftest import build_room

    room = build_room(world, guests=voters - 1)
    for invitation in room.voters:
        live.check_in(invitation)
    opened = []
    for n in range(polls):
        motion = live.propose_motion(room.meeting, room.voters[0], f"第{n + 1}项动议")
        live.second_motion(room.meeting, room.voters[1], motion.id)
        poll = live.open_poll(room.meeting, world.a.secretary, motion.id, "yes_no")
        opened.append((poll.id, next(o.id for o in poll.options if o.code == "yes")))
    db.session.commit()
    return room, opened


class Phone:
    """One voter's python-socketio client; remembers when each tally arrived."""

    def __init__(self, url: str, token: str, meeting_id: int):
        import socketio

        self.tallies: list[tuple[float, dict]] = []
        self.condition = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("tally", self._tally, namespace="/live")
        self.sio.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=15)
        assert self.sio.call("join", {"meeting_id": meeting_id}, namespace="/live", timeout=30)["ok"]

    def _tally(self, payload):
        with self.condition:
            self.tallies.append((time.perf_counter(), payload))
            self.condition.notify_all()

    def vote(self, poll_id: int, option_id: int, key: str) -> tuple[float, float]:
        """(ack latency, vote → tally-including-it latency) in seconds."""
        with self.condition:
            seen = max((p["seq"] for _, p in self.tallies if p["poll_id"] == poll_id), default=0)
        started = time.perf_counter()
        ack = self.sio.call("vote_cast", {"poll_id": poll_id, "choices": [option_id], "key": key},
                            namespace="/live", timeout=60)
        acked = time.perf_counter()
        assert ack["ok"], ack
        with self.condition:
            arrived = self.condition.wait_for(
                lambda: next((t for t, p in self.tallies if p["poll_id"] == poll_id and p["seq"] > seen and t >= started),
                             None),
                timeout=30,
            )
        assert arrived is not None, "no tally within 30 s"
        return acked - started, arrived - started


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "votes": len(values),
        "median_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[max(0, int(0.95 * len(ordered)) - 1)], 1),
        "max_ms": round(1000 * ordered[-1], 1),
    }


def live_latency(app, world, voters: int, renders: int) -> dict:
    resolutions = [new_resolution(world, 6) for _ in range(renders)]
    room, polls = live_room(world, voters, polls=80)
    tokens = [v.token for v in room.voters]
    meeting_id = room.meeting.id
    window = app.config["LIVE_TALLY_WINDOW"]
    port = free_port()
    env = dict(os.environ, LIVE_TALLY_WINDOW=str(window))
    log = open(WORKDIR / "server.log", "w")
    server = subprocess.Popen([sys.executable, "wsgi.py", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    worker = None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((WORKDIR / "server.log").read_text()) from None
                time.sleep(0.1)
        phones = [Phone(f"http://127.0.0.1:{port}", token, meeting_id) for token in tokens]
        remaining = list(polls)

        def vote_round(stop_when=None) -> tuple[list[float], list[float]]:
            acks, tallies = [], []
            while remaining:
                poll_id, yes = remaining.pop(0)
                for n, phone in enumerate(phones):
                    ack, tally = phone.vote(poll_id, yes, f"{poll_id}-{n}")
                    acks.append(ack)
                    tallies.append(tally)
                if stop_when is not None and stop_when():
                    break
                if stop_when is None and len(tallies) >= 10 * len(phones):
                    break
            return acks, tallies

        idle_acks, idle_tallies = vote_round()
        for resolution in resolutions:
            operations.request_publication(resolution, world.a.secretary, "", f"http://127.0.0.1:{port}/")
        db.session.commit()
        worker_log = open(WORKDIR / "worker.log", "w")
        render_started = time.perf_counter()
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi.py", "worker", "run", "--once"],
            cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
        )
        busy_acks, busy_tallies = vote_round(stop_when=lambda: worker.poll() is not None)
        worker.wait(timeout=300)
        render_seconds = time.perf_counter() - render_started
        db.session.expire_all()
        published = sum(r.status == "published" for r in resolutions)
        ran_out = not remaining
        for phone in phones:
            phone.sio.disconnect()
    finally:
        for process in (worker, server):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        log.close()
    return {
        "voters": voters,
        "tally_window_s": window,
        "renders": renders,
        "published": published,
        "polls_ran_out_before_rendering_ended": ran_out,
        "worker_wall_s_for_all_renders": round(render_seconds, 2),
        "idle": {"vote_to_tally": summary(idle_tallies), "vote_ack": summary(idle_acks)},
        "while_rendering": {"vote_to_tally": summary(busy_tallies), "vote_ack": summary(busy_acks)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--voters", type=int, default=5)
    parser.add_argument("--renders", type=int, default=5)
    args = parser.parse_args()

    from roundtable.config import Config
    from tests.factories import build_world

    app = create_app(Config, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    with app.app_context():
        db.create_all()
        world = build_world()
        rows = publish_timings(app, world, args.repeat)
        live = live_latency(app, world, args.voters, args.renders)
    result = {
        "harfbuzz_subsetting_available": harfbuzz_subsetting_available(),
        "weasyprint": weasyprint.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "database": "sqlite",
        "publish": rows,
        "live": live,
    }
    print(f"{'pages':>5} {'points':>6} {'publish job s':>14} {'bare WeasyPrint s':>18} {'KiB':>6}")
    for row in rows:
        print(f"{row['pages']:>5} {row['agreed_points']:>6} {row['publish_job_median_s']:>14.3f} "
              f"{row['bare_weasyprint_median_s']:>18.3f} {row['pdf_bytes'] / 1024:>6.0f}")
    print(f"live: {live['voters']} phones, tally window {live['tally_window_s']} s; "
          f"{live['published']}/{live['renders']} resolutions rendered by the worker in "
          f"{live['worker_wall_s_for_all_renders']} s")
    for label in ("idle", "while_rendering"):
        t, a = live[label]["vote_to_tally"], live[label]["vote_ack"]
        print(f"  {label:<16} vote→tally median {t['median_ms']} ms, p95 {t['p95_ms']} ms, max {t['max_ms']} ms "
              f"({t['votes']} votes); ack median {a['median_ms']} ms, p95 {a['p95_ms']} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    import shutil

    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
