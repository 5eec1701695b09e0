"""One-tap satisfaction: asked when the work is done, one answer per link, expiring, feeding 三率, flagging."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from roundtable.archive.dashboard import build_dashboard
from roundtable.core.errors import OperationError
from roundtable.core.time import format_local, utcnow
from roundtable.extensions import db
from roundtable.notifications.models import Notification, OutboxMessage
from roundtable.resolutions import operations as resolutions
from roundtable.satisfaction import operations, queries
from roundtable.satisfaction.models import SatisfactionRequest


def complete_all(world, resolution):
    traffic, property_ = resolution.commitments
    resolutions.report_progress(traffic, world.department_staff, "已巡查", True, [])
    resolutions.report_progress(property_, world.organization_staff, "已张贴", True, [])
    db.session.commit()


def requests_of(case, respondent=None):
    query = db.select(SatisfactionRequest).where(SatisfactionRequest.case_id == case.id)
    if respondent:
        query = query.where(SatisfactionRequest.respondent == respondent)
    return list(db.session.scalars(query.order_by(SatisfactionRequest.id)))


def test_done_commitments_ask_the_complainant_by_sms_and_residents_through_their_invitation(world, published, concluded):
    assert requests_of(concluded.cases[0]) == []
    complete_all(world, published)
    case = concluded.cases[0]
    (complainant,) = requests_of(case, "complainant")
    residents = requests_of(case, "resident")
    assert len(residents) == 3  # a_resident and the two guests
    sms = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.recipient == "13812345678")).all()
    assert any(f"/s/{complainant.token}" in m.body for m in sms)
    assert any("/s/" in n.link for n in db.session.scalars(
        db.select(Notification).where(Notification.user_id == world.a.resident.id)))
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == "13900000001", OutboxMessage.body.contains("/s/"))) == 2  # one per case
    # asking again asks nobody twice
    assert operations.ask_after_completion(published) == []


def test_answer_feeds_the_three_rates_and_the_link_works_once(world, published, concluded):
    complete_all(world, published)
    case = concluded.cases[0]
    (request,) = requests_of(case, "complainant")
    month = format_local(utcnow(), "%Y-%m")
    before = build_dashboard([world.a.community.id], month).tables["communities"].rows[0]
    operations.answer(request, "resolved", "basically", "巡查后好多了")
    db.session.commit()
    assert case.resolved is True and case.satisfied is True and case.followed_up_at is not None
    after = build_dashboard([world.a.community.id], month).tables["communities"].rows[0]
    assert int(after[5]) == int(before[5]) + 1 and int(after[6]) == int(before[6]) + 1
    assert request.flag is None
    with pytest.raises(OperationError):
        operations.answer(request, "unresolved", "unsatisfied", "")
    db.session.rollback()
    assert case.resolved is True


def test_links_expire(world, published, concluded):
    complete_all(world, published)
    (request,) = requests_of(concluded.cases[0], "complainant")
    with pytest.raises(OperationError):
        operations.answer(request, "resolved", "satisfied", "", now=request.expires_at + timedelta(seconds=1))


def test_unresolved_or_unsatisfied_flags_the_case_for_the_secretary(world, published, concluded):
    complete_all(world, published)
    case = concluded.cases[0]
    resident = requests_of(case, "resident")[0]
    operations.answer(resident, "partly", "unsatisfied", "还是堵")
    db.session.commit()
    assert resident.flag == "open" and resident in queries.open_flags(world.a.community.id)
    assert case.followed_up_at is None  # a resident's answer is on the timeline, the follow-up is the complainant's
    assert any("不满意" in n.shown_title for n in db.session.scalars(
        db.select(Notification).where(Notification.user_id == world.a.secretary.id)))
    operations.handle_flag(resident, world.a.secretary, "reopened")
    db.session.commit()
    assert case.status == "reopened" and resident.flag == "reopened"
    with pytest.raises(OperationError):
        operations.handle_flag(resident, world.a.secretary, "new_meeting")
    with pytest.raises(OperationError):
        operations.handle_flag(resident, world.b.secretary, "new_meeting")


def test_bad_answers_are_refused(world, published, concluded):
    complete_all(world, published)
    (request,) = requests_of(concluded.cases[0], "complainant")
    for resolved, satisfied, comment in (("yes", "satisfied", ""), ("resolved", "", ""), ("resolved", "satisfied", "长" * 301)):
        with pytest.raises(OperationError):
            operations.answer(request, resolved, satisfied, comment)
    assert request.answered_at is None


def test_one_screen_page(world, published, concluded, client):
    complete_all(world, published)
    (request,) = requests_of(concluded.cases[1], "complainant")
    page = client.get(f"/s/{request.token}")
    assert page.status_code == 200 and "是否解决" in page.get_data(as_text=True)
    assert client.get("/s/nope").status_code == 404
    client.post(f"/s/{request.token}", data={"resolved": "unresolved", "satisfied": "unsatisfied", "comment": "<script>x</script>"})
    db.session.refresh(request)
    assert request.resolved_answer == "unresolved" and request.flag == "open"
    done = client.get(f"/s/{request.token}").get_data(as_text=True)
    assert "谢谢您的评价" in done and 'id="satisfaction-form"' not in done
    client.post(f"/s/{request.token}", data={"resolved": "resolved", "satisfied": "satisfied"})
    db.session.refresh(request)
    assert request.resolved_answer == "unresolved"
    # the resident's invitation page lists their open questions
    invitation_page = client.get(f"/j/{concluded.residents[1].token}").get_data(as_text=True)
    assert "/s/" in invitation_page


def test_two_answers_at_once_one_counts(app, world, published, concluded):
    """The same link submitted twice at the same moment (two taps, two phones): one answer is recorded."""
    complete_all(world, published)
    (request,) = requests_of(concluded.cases[0], "complainant")
    request_id = request.id
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def submit(index, resolved):
        with app.app_context():
            mine = db.session.get(SatisfactionRequest, request_id)
            barrier.wait()
            try:
                operations.answer(mine, resolved, "satisfied", "")
                db.session.commit()
                results[index] = "ok"
            except OperationError as error:
                db.session.rollback()
                results[index] = error.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(0, "resolved")), threading.Thread(target=submit, args=(1, "partly"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["answered", "ok"]
    db.session.expire_all()
    answered = db.session.get(SatisfactionRequest, request_id)
    events = [e for e in concluded.cases[0].events if e.kind == "follow_up"]
    assert len(events) == 1 and answered.resolved_answer == ("resolved" if results[0] == "ok" else "partly")


@pytest.mark.parametrize("closed", [False, True])
def test_a_new_meeting_from_a_flagged_answer_comes_with_the_case(world, published, concluded, client, login, closed):
    complete_all(world, published)
    case = concluded.cases[0]
    (complainant,) = requests_of(case, "complainant")
    operations.answer(complainant, "unresolved", "unsatisfied", "车还是乱停,电话13800001111")
    if closed:  # a case closed before the answer came cannot go on an agenda until it is reopened
        case.status = "closed_resolved"
    db.session.commit()
    login("a_secretary")
    answer = client.post(f"/satisfaction/{complainant.id}/new_meeting", data={})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/meetings/new?case={case.id}&satisfaction={complainant.id}")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="case_ids"[^>]*value="{case.id}"[^>]*checked|'
                     rf'<input[^>]*checked[^>]*name="case_ids"[^>]*value="{case.id}"', page)
    assert "未解决" in page and "不满意" in page and case.external_number in page
    assert "13800001111" not in page  # the respondent's own words stay on the satisfaction page
    db.session.expire_all()
    assert complainant.flag == "new_meeting"
    assert case.status == ("reopened" if closed else case.status) and not case.is_terminal
    # another community's secretary cannot use the answer to fill a form
    login("b_secretary")
    assert client.get(f"/meetings/new?satisfaction={complainant.id}").status_code == 404
