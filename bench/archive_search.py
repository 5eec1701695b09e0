"""How fast is a Chinese substring search over 100k cases? LIKE beside a character-bigram table.

    .venv/bin/python bench/archive_search.py                      # SQLite file in /tmp
    .venv/bin/python bench/archive_search.py postgresql+psycopg://postgres@127.0.0.1:5432/bench

Why measure: Chinese has no spaces, so a word index needs a segmenter, and
pg_trgm cannot use trigrams for a two-character query like 停车. The choice
is between a plain LIKE scan (no upkeep) and a table of character bigrams
(an index lookup, but a row per two characters of every text to maintain).
The street scope (what an auditor searches) is a fifth of the rows here.
"""
from __future__ import annotations

import random
import statistics
import sys
import time

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, func, select, text

ROWS = 100_000
WORDS = ["超时停车", "噪声扰民", "路灯不亮", "垃圾清运", "供暖不热", "电梯故障", "违章建筑", "占道经营",
         "楼道堆物", "下水道堵塞", "养老助餐", "停车位紧张", "共享单车乱停", "树木修剪", "漏水"]
PLACES = ["西河沿街", "东河沿街", "大栅栏", "草厂胡同", "前门东大街", "鲜鱼口", "珠市口", "煤市街"]

metadata = MetaData()
cases = Table("bench_cases", metadata, Column("id", Integer, primary_key=True),
              Column("community_id", Integer, index=True), Column("description", Text))
bigrams = Table("bench_bigrams", metadata, Column("gram", String(2), primary_key=True),
                Column("case_id", Integer, primary_key=True), Column("community_id", Integer))


def grams(value: str) -> set[str]:
    return {value[i:i + 2] for i in range(len(value) - 1)}


def build(engine) -> None:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    rng = random.Random(12345)
    rows, gram_rows = [], []
    for n in range(1, ROWS + 1):
        words = rng.sample(WORDS, 2)
        description = f"{rng.choice(PLACES)}{rng.randint(1, 99)}号居民反映{words[0]},并且{words[1]},希望尽快处理。"
        rows.append({"id": n, "community_id": n % 50 + 1, "description": description})
        gram_rows.extend({"gram": g, "case_id": n, "community_id": n % 50 + 1} for g in grams(description))
    with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(cases.insert(), rows[start:start + 10_000])
        for start in range(0, len(gram_rows), 50_000):
            connection.execute(bigrams.insert(), gram_rows[start:start + 50_000])
    print(f"built {ROWS} cases, {len(gram_rows)} bigram rows")


def like(connection, query: str, communities: list[int]) -> int:
    return connection.execute(select(func.count()).select_from(cases).where(
        cases.c.community_id.in_(communities), cases.c.description.icontains(query, autoescape=True))).scalar()


def by_bigrams(connection, query: str, communities: list[int]) -> int:
    wanted = grams(query)
    candidates = (select(bigrams.c.case_id).where(bigrams.c.gram.in_(wanted), bigrams.c.community_id.in_(communities))
                  .group_by(bigrams.c.case_id).having(func.count() == len(wanted)))
    return connection.execute(select(func.count()).select_from(cases).where(
        cases.c.id.in_(candidates), cases.c.description.contains(query, autoescape=True))).scalar()


def timed(fn, *args, repeat: int = 7) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        found = fn(*args)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), found


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:////tmp/bench_archive.db"
    engine = create_engine(url)
    build(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    street = list(range(1, 11))
    everything = list(range(1, 51))
    with engine.connect() as connection:
        for query in ("停车", "超时停车", "下水道堵塞", "不存在的词"):
            for scope_name, scope in (("street (10 communities)", street), ("all 50 communities", everything)):
                like_ms, like_n = timed(like, connection, query, scope)
                gram_ms, gram_n = timed(by_bigrams, connection, query, scope)
                assert like_n == gram_n, (query, like_n, gram_n)
                print(f"{engine.dialect.name:10} {query:6} {scope_name:24} matches {like_n:6}  "
                      f"LIKE {like_ms:7.1f} ms   bigrams {gram_ms:7.1f} ms")


if __name__ == "__main__":
    main()
