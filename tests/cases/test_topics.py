"""A secretary groups cases under topics (议题) and picks one theme per month (每月一题)."""
from __future__ import annotations

import pytest

from roundtable.cases.models import Topic
from roundtable.cases.operations import change_status, create_topic, set_theme_month, update_topic
from roundtable.core.errors import Conflict, OperationError
from roundtable.core.time import format_local, utcnow
from roundtable.extensions import db
from tests.cases.helpers import html
from tests.factories import make_case


def topic_named(title):
    return db.session.scalar(db.select(Topic).filter_by(title=title))


def test_a_secretary_creates_and_edits_a_topic(client, as_secretary):
    response = client.post("/cases/topics/new", data={"title": "机械车库噪声", "description": "圣都大厦"})
    topic = topic_named("机械车库噪声")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/topics/{topic.id}")
    assert topic.community_id == as_secretary.a.community.id and topic.theme_month is None
    assert "机械车库噪声" in html(client.get("/cases/topics"))

    response = client.post(f"/cases/topics/{topic.id}/edit", data={"title": "车库噪声", "description": "夜间"})
    assert response.status_code == 302
    assert (topic.title, topic.description) == ("车库噪声", "夜间")


def test_a_topic_needs_a_new_title(client, as_secretary):
    taken = as_secretary.a.topic.title
    assert "议题名称不能为空" in html(client.post("/cases/topics/new", data={"title": " "}))
    response = client.post("/cases/topics/new", data={"title": taken})
    assert response.status_code == 409 and f"议题「{taken}」已存在" in html(response)
    assert db.session.scalar(db.select(db.func.count(Topic.id))) == 2


def test_only_one_monthly_theme_per_month_in_a_community(world):
    a = world.a.community
    first = create_topic(a, "停车", theme_month="2026-11")
    with pytest.raises(Conflict) as refused:
        create_topic(a, "噪声", theme_month="2026-11")
    assert "一个月只能有一个每月一题" in refused.value.message
    second = create_topic(a, "噪声", theme_month="2026-12")
    with pytest.raises(Conflict):
        set_theme_month(second, "2026-11")
    with pytest.raises(Conflict):
        update_topic(second, "噪声", "", "2026-11")
    assert second.theme_month == "2026-12"
    # Another community has its own theme; re-saving a theme keeps it.
    create_topic(world.b.community, "东河沿停车", theme_month="2026-11")
    update_topic(first, "停车问题", "", "2026-11")
    assert first.theme_month == "2026-11"


def test_the_database_refuses_a_second_theme_for_a_month_too(world):
    from sqlalchemy.exc import IntegrityError

    db.session.add_all([
        Topic(community_id=world.a.community.id, title="甲", theme_month="2026-05"),
        Topic(community_id=world.a.community.id, title="乙", theme_month="2026-05"),
    ])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("month", ["2026-13", "2026/11", "下个月", "26-1"])
def test_a_theme_month_must_be_a_year_and_month(world, month):
    with pytest.raises(OperationError):
        create_topic(world.a.community, "某议题", theme_month=month)


def test_marking_and_unmarking_the_months_theme_from_the_topic_page(client, as_secretary):
    topic = as_secretary.a.topic
    this_month = format_local(utcnow(), "%Y-%m")
    page = html(client.get(f"/cases/topics/{topic.id}"))
    assert f'value="{this_month}"' in page and "设为本月每月一题" in page
    response = client.post(f"/cases/topics/{topic.id}/theme", data={"theme_month": this_month})
    assert response.status_code == 302 and topic.theme_month == this_month
    assert "取消每月一题" in html(client.get(f"/cases/topics/{topic.id}"))

    rival = create_topic(as_secretary.a.community, "噪声")
    db.session.commit()
    response = client.post(f"/cases/topics/{rival.id}/theme", data={"theme_month": this_month})
    assert response.status_code == 409
    assert "一个月只能有一个每月一题" in html(response)
    assert rival.theme_month is None

    client.post(f"/cases/topics/{topic.id}/theme", data={"theme_month": ""})
    assert topic.theme_month is None


def test_the_topic_page_lists_its_cases_with_counts_by_status(client, as_secretary):
    w = as_secretary
    other = make_case(w.a.community, external_number="T-2")
    change_status(other, "dispatched", w.a.secretary)
    make_case(w.a.community, external_number="NOT-IN-TOPIC")
    db.session.commit()
    response = client.post(f"/cases/{other.id}/topic", data={"topic_id": str(w.a.topic.id)})
    assert response.status_code == 302 and other.topic_id == w.a.topic.id
    assert other.events[-1].kind == "topic"

    page = html(client.get(f"/cases/topics/{w.a.topic.id}"))
    assert w.a.case.external_number in page and "T-2" in page and "NOT-IN-TOPIC" not in page
    counts = page[page.index('class="status-counts"'):page.index("</ul>", page.index('class="status-counts"'))]
    assert "已接收</span> 1" in counts and "已派单</span> 1" in counts
    assert f'?topic={w.a.topic.id}">2</a>' in html(client.get("/cases/topics"))

    client.post(f"/cases/{other.id}/topic", data={"topic_id": ""})
    assert other.topic_id is None
    assert "T-2" not in html(client.get(f"/cases/topics/{w.a.topic.id}"))


def test_a_case_cannot_join_a_topic_that_does_not_exist(client, as_secretary):
    case = as_secretary.a.case
    for forged in ("999999", "abc"):
        response = client.post(f"/cases/{case.id}/topic", data={"topic_id": forged})
        assert response.status_code == 404
    assert case.topic_id == as_secretary.a.topic.id
