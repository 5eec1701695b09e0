"""A secretary narrows the case list: filters, Chinese text search, overdue, sorting, pages."""
from __future__ import annotations

from datetime import timedelta

from roundtable.cases.models import Case
from roundtable.cases.operations import change_status, set_topic
from roundtable.cases.queries import filter_cases
from roundtable.core.time import utcnow
from roundtable.extensions import db
from tests.cases.helpers import html
from tests.factories import make_case


def numbers_on(response) -> set[str]:
    page = html(response)
    assert response.status_code == 200
    return {n for n in db.session.scalars(db.select(Case.external_number)) if f'data-case="{n}"' in page}


def listed(world, **filters) -> set[str]:
    return {c.external_number for c in db.session.scalars(filter_cases(world.a.community, **filters))}


def test_the_list_shows_only_the_callers_community(client, as_secretary):
    w = as_secretary
    assert numbers_on(client.get("/cases/")) == {w.a.case.external_number}


def test_chinese_substrings_are_found_in_description_address_and_name(client, as_secretary):
    w = as_secretary
    noise = make_case(w.a.community, external_number="N-1", category="noise", description="机械车库夜间噪声",
                      address="圣都大厦3层", complainant_name="杨先生")
    db.session.commit()
    parking = w.a.case.external_number  # 西河沿社区的超时停车问题
    assert numbers_on(client.get("/cases/?q=停车")) == {parking}
    assert numbers_on(client.get("/cases/?q=噪声")) == {"N-1"}
    assert numbers_on(client.get("/cases/?q=圣都")) == {"N-1"}
    assert numbers_on(client.get("/cases/?q=杨先")) == {"N-1"}
    assert numbers_on(client.get(f"/cases/?q={noise.external_number}")) == {"N-1"}
    assert numbers_on(client.get("/cases/?q=东河沿")) == set()  # community B's text stays out


def test_search_characters_are_taken_literally(client, as_secretary):
    make_case(as_secretary.a.community, external_number="P-1", description="满意度100%")
    db.session.commit()
    assert numbers_on(client.get("/cases/?q=%25")) == {"P-1"}
    assert numbers_on(client.get("/cases/?q=_")) == set()


def test_the_phone_number_is_not_searchable(client, as_secretary):
    assert numbers_on(client.get("/cases/?q=13812345678")) == set()


def test_filters_by_status_category_urgency_and_topic(client, as_secretary):
    w = as_secretary
    noise = make_case(w.a.community, external_number="N-1", category="noise", urgency="complex", description="夜间噪声")
    change_status(noise, "dispatched", w.a.secretary)
    db.session.commit()
    parking = w.a.case.external_number
    assert numbers_on(client.get("/cases/?status=dispatched")) == {"N-1"}
    assert numbers_on(client.get("/cases/?category=parking")) == {parking}
    assert numbers_on(client.get("/cases/?urgency=complex")) == {"N-1"}
    assert numbers_on(client.get(f"/cases/?topic={w.a.topic.id}")) == {parking}
    assert numbers_on(client.get("/cases/?category=noise&q=停车")) == set()
    assert numbers_on(client.get("/cases/?category=parking&q=停车")) == {parking}
    # Unknown filter values are ignored rather than failing.
    assert numbers_on(client.get("/cases/?status=bogus&category=&sort=evil&page=x")) == {parking, "N-1"}


def test_another_communitys_topic_cannot_be_used_as_a_filter(client, as_secretary):
    assert client.get(f"/cases/?topic={as_secretary.b.topic.id}").status_code == 404


def test_overdue_cases_stand_out_and_can_be_filtered(client, as_secretary):
    w = as_secretary
    late = make_case(w.a.community, external_number="LATE", received_at=utcnow() - timedelta(days=8))
    urgent = make_case(w.a.community, external_number="URGENT", urgency="emergency",
                       received_at=utcnow() - timedelta(hours=3))
    answered = make_case(w.a.community, external_number="ANSWERED", received_at=utcnow() - timedelta(days=9))
    change_status(answered, "contacted", w.a.secretary)
    db.session.commit()
    assert late.is_overdue() and urgent.is_overdue()
    assert not answered.is_overdue() and not w.a.case.is_overdue()
    assert listed(w, overdue=True) == {"LATE", "URGENT"}
    response = client.get("/cases/?overdue=1")
    assert numbers_on(response) == {"LATE", "URGENT"}
    page = html(client.get("/cases/"))
    row = page[page.index('data-case="LATE"') - 40: page.index('data-case="LATE"')]
    assert 'class="overdue"' in row
    assert "已超期" in html(client.get(f"/cases/{late.id}"))
    assert "已超期" not in html(client.get(f"/cases/{w.a.case.id}"))


def test_a_finished_case_is_never_overdue(world):
    case = make_case(world.a.community, received_at=utcnow() - timedelta(days=30))
    change_status(case, "out_of_scope", world.a.secretary, "非本辖区")
    assert not case.is_overdue()
    assert case.external_number not in listed(world, overdue=True)


def test_sorting_by_received_and_due(world):
    community = world.a.community
    old = make_case(community, external_number="OLD", urgency="complex", received_at=utcnow() - timedelta(days=3))
    new = make_case(community, external_number="NEW", urgency="emergency", received_at=utcnow() - timedelta(hours=2))

    def order(sort):
        return [c.external_number for c in db.session.scalars(filter_cases(community, sort=sort)) if c in (old, new)]

    assert order("received_desc") == ["NEW", "OLD"]
    assert order("received_asc") == ["OLD", "NEW"]
    assert order("due_asc") == ["NEW", "OLD"]  # two hours beat fifteen days
    assert order("due_desc") == ["OLD", "NEW"]


def test_the_list_is_paginated(app, client, as_secretary):
    app.config["PAGE_SIZE"] = 3
    for n in range(6):
        make_case(as_secretary.a.community, external_number=f"P-{n}", received_at=utcnow() - timedelta(minutes=n))
    db.session.commit()
    first, third = client.get("/cases/"), client.get("/cases/?page=3")
    assert numbers_on(first) == {"P-0", "P-1", "P-2"}
    assert numbers_on(third) == {as_secretary.a.case.external_number}
    assert "第 1 / 3 页" in html(first) and "page=2" in html(first)
    assert numbers_on(client.get("/cases/?page=99")) == set()


def test_pagination_keeps_the_filters(app, client, as_secretary):
    app.config["PAGE_SIZE"] = 1
    for n in range(2):
        make_case(as_secretary.a.community, external_number=f"Q-{n}", description="噪声")
    db.session.commit()
    page = html(client.get("/cases/?q=噪声"))
    assert "q=%E5%99%AA%E5%A3%B0&amp;page=2" in page


def test_a_topic_change_shows_in_the_topic_filter(client, as_secretary):
    w = as_secretary
    set_topic(w.a.case, None, w.a.secretary)
    db.session.commit()
    assert numbers_on(client.get(f"/cases/?topic={w.a.topic.id}")) == set()
