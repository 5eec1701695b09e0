"""Case search through the index: 2-, 3- and 4-character Chinese queries and case numbers, on both databases.

The same cases are searched through the desk list and the archive; the index
follows inserts (form and bulk), edits and deletions, and the results mark
what matched, escaped.
"""
from __future__ import annotations

from sqlalchemy import insert, select, text

from roundtable.cases.models import Case
from roundtable.cases.queries import CaseFilters, case_page
from roundtable.cases.search_index import highlight, text_match
from roundtable.core.time import utcnow
from roundtable.extensions import db
from tests.factories import make_case

TEXTS = [
    ("BJ12345-20260305-0043", "西河沿街夜间超时停车,堵塞胡同", "西河沿街12号"),
    ("BJ12345-20260305-0044", "广场舞噪声扰民到晚上十点", "前门东大街3号"),
    ("BJ12345-20260306-0001", "停车场入口路面塌陷积水", "草厂三条7号"),
    ("BJ12345-20260306-0002", "楼道堆物占道,消防通道堵塞", "长巷头条2号"),
    ("12345-100%_x", "暖气不热", "鲜鱼口街1号"),
]


def _cases(world):
    made = {number: make_case(world.a.community, world.a.secretary, external_number=number,
                              description=description, address=address)
            for number, description, address in TEXTS}
    db.session.commit()
    return made


def _numbers(community, q):
    page = case_page(community, CaseFilters(q=q), 1, 50)
    return sorted(case.external_number for case in page.items)


def test_two_three_and_four_character_queries_and_numbers_find_the_right_cases(app, world):
    _cases(world)
    community = world.a.community
    numbers = [number for number, _, _ in TEXTS]
    world_case = world.a.case.external_number  # "西河沿社区的超时停车问题"
    assert _numbers(community, "停车") == sorted([numbers[0], numbers[2], world_case])  # 2 characters
    assert _numbers(community, "停车场") == [numbers[2]]                                # 3
    assert _numbers(community, "超时停车") == sorted([numbers[0], world_case])          # 4
    assert _numbers(community, "夜间超时") == [numbers[0]]
    assert _numbers(community, "堵塞") == sorted([numbers[0], numbers[3]])
    assert _numbers(community, "噪声扰民") == [numbers[1]]
    assert _numbers(community, "前门东") == [numbers[1]]                            # in the address
    assert _numbers(community, "BJ12345-20260305-0043") == [numbers[0]]             # a whole number
    assert _numbers(community, "bj12345-20260306") == sorted(numbers[2:4])          # part of one, any case
    # Factory numbers count up across the suite ("12345-000441"): the world's case matches too when it holds the digits.
    assert _numbers(community, "0044") == sorted([numbers[1], *([world_case] if "0044" in world_case else [])])
    assert _numbers(community, "100%_") == [numbers[4]]                             # LIKE's wildcards are text
    assert _numbers(community, "停车停车") == [] and _numbers(community, "车停") == []
    assert _numbers(community, "秀兰") == sorted([*numbers, world.a.case.external_number])  # the complainant
    # Each word of the query must be in one place in the text, in order: "停 车" is not "停车".
    assert _numbers(community, "停 车") == []


def test_the_search_goes_through_the_index_on_this_database(app, world):
    _cases(world)
    dialect = db.engine.dialect.name
    statement = select(Case.id).where(text_match("停车场"))
    sql = str(statement.compile(db.engine))
    if dialect == "postgresql":
        assert "roundtable_bigrams" in sql
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text("EXPLAIN " + str(statement.compile(
            db.engine, compile_kwargs={"literal_binds": True})))))
        assert "ix_cases_search_bigrams" in plan
    else:
        assert "cases_search MATCH" in sql


def test_the_index_follows_bulk_inserts_edits_and_deletions(app, world):
    made = _cases(world)
    community = world.a.community
    now = utcnow()
    db.session.execute(insert(Case), [{
        "community_id": community.id, "external_number": "BULK-1", "source": "csv", "category": "noise",
        "urgency": "ordinary", "description": "施工夜间噪声", "address": "大江胡同5号", "complainant_name": "",
        "complainant_phone": "", "received_at": now, "due_at": now, "status": "received", "version": 1,
    }])
    db.session.commit()
    assert _numbers(community, "大江胡同") == ["BULK-1"]

    case = made["BJ12345-20260305-0044"]
    case.description = "商户外放音响扰民"
    db.session.commit()
    assert _numbers(community, "广场舞") == []
    assert _numbers(community, "外放音响") == ["BJ12345-20260305-0044"]

    db.session.delete(made["BJ12345-20260306-0001"])
    db.session.commit()
    assert _numbers(community, "停车场") == []


def test_search_stays_inside_the_community(app, world):
    _cases(world)
    make_case(world.b.community, world.b.secretary, external_number="B-1", description="西河沿街夜间超时停车")
    db.session.commit()
    assert "B-1" not in _numbers(world.a.community, "夜间超时停车")
    assert _numbers(world.b.community, "夜间超时停车") == ["B-1"]


def test_the_desk_and_the_archive_mark_what_matched_escaped(app, client, auth, world):
    _cases(world)
    make_case(world.a.community, world.a.secretary, external_number="X-1",
              description="<script>alert(1)</script>门口超时停车")
    db.session.commit()
    auth.login("a_secretary")
    page = client.get("/cases/?q=超时停车").get_data(as_text=True)
    assert "西河沿街夜间<mark>超时停车</mark>,堵塞胡同" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;门口<mark>超时停车</mark>" in page
    assert "<script>alert(1)" not in page
    page = client.get("/cases/?q=bj12345-20260305-0043").get_data(as_text=True)
    assert "<mark>BJ12345-20260305-0043</mark>" in page

    auth.logout()
    auth.login("a_auditor")
    page = client.get("/archive/?q=停车&kind=cases").get_data(as_text=True)
    assert "<mark>停车</mark>场入口路面塌陷积水" in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    # The archive does not search by the complainant's name.
    assert "没有找到工单" in client.get("/archive/?q=李秀兰&kind=cases").get_data(as_text=True)


def test_highlight_escapes_and_keeps_the_match_in_a_long_text():
    assert highlight("a<b>停车", "停车") == "a&lt;b&gt;<mark>停车</mark>"
    assert highlight("Abc abc", "ABC") == "<mark>Abc</mark> <mark>abc</mark>"
    assert highlight("x" * 200 + "停车" + "y" * 200, "停车", 60).count("<mark>停车</mark>") == 1
    assert highlight("<i>", "") == "&lt;i&gt;"
    assert highlight("a.b", ".") == "a<mark>.</mark>b"


def test_a_search_page_is_sorted_counted_and_empty_past_the_end(app, world):
    made = _cases(world)
    community = world.a.community
    first = case_page(community, CaseFilters(q="BJ12345", sort="received_asc"), 1, 2)
    second = case_page(community, CaseFilters(q="BJ12345", sort="received_asc"), 2, 2)
    assert first.total == second.total == 4 and first.pages == 2
    listed = [c.external_number for c in first.items + second.items]
    expected = sorted((c for n, c in made.items() if n.startswith("BJ")), key=lambda c: (c.received_at, c.id))
    assert listed == [c.external_number for c in expected]
    beyond = case_page(community, CaseFilters(q="BJ12345"), 9, 2)
    assert beyond.items == [] and beyond.total == 4
    assert case_page(community, CaseFilters(q="没有这个词"), 1, 2).total == 0
