"""Minutes drafted from the record at conclusion, reviewed by attendees, published with the resolution."""
from datetime import timedelta

import pytest

from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.live.models import Motion, Poll, SpeakingRequest
from roundtable.minutes import operations, queries
from roundtable.notifications.models import Notification, OutboxMessage
from roundtable.resolutions import operations as resolutions
from tests.factories import make_concluded_meeting


@pytest.fixture
def concluded(world):
    """The 西河沿 roundtable with two speeches and a hidden position, concluded."""
    return make_concluded_meeting(world, speeches=True, hide_one=True)


def test_minutes_are_generated_at_conclusion_and_equal_the_record(concluded):
    minutes = queries.minutes_of(concluded.meeting.id)
    assert minutes is not None and minutes.state == "draft"
    record = minutes.record
    item = record["items"][0]
    # every speaker, in order, with stance and duration
    speeches = list(db.session.scalars(
        db.select(SpeakingRequest).where(SpeakingRequest.meeting_id == concluded.meeting.id).order_by(SpeakingRequest.started_at)
    ))
    assert [s["order"] for s in item["speakers"]] == [1, 2]
    assert [s["by"] for s in item["speakers"]] == ["居民2", "区交通支队"]
    assert [s["stance"] for s in item["speakers"]] == ["oppose", "neutral"]
    assert all(s["seconds"] is not None and s["seconds"] >= 0 for s in item["speakers"])
    assert len(speeches) == 2
    # every motion with proposer and seconder
    motions = list(db.session.scalars(db.select(Motion).where(Motion.meeting_id == concluded.meeting.id)))
    assert [m["id"] for m in record["motions"]] == [m.id for m in motions]
    assert record["motions"][0]["proposer"] == "居民2" and record["motions"][0]["seconder"] == "a_resident"
    # every poll with rule, quorum, counts and result
    polls = list(db.session.scalars(db.select(Poll).where(Poll.meeting_id == concluded.meeting.id)))
    assert [p["id"] for p in record["polls"]] == [p.id for p in polls]
    poll = record["polls"][0]
    assert {o["code"]: o["count"] for o in poll["options"]} == {"yes": 2, "no": 1, "abstain": 0}
    assert poll["result"] == "passed" and poll["rule"] == "more_yes_than_no"
    # the hidden position is noted as hidden, its text left out
    hidden = [p for p in item["positions"] if p["hidden"]]
    assert len(hidden) == 1 and hidden[0]["text"] == "" and record["hidden_positions"] == 1
    assert "不文明的话" not in str(record)
    assert record["attendance"]["resident"]["present"] == 3
    assert record["departments"][0]["name"] == "区交通支队"


def _resolution_with_commitment(world, concluded):
    resolution = resolutions.start_resolution(concluded.meeting, world.a.secretary)
    resolutions.update_resolution(resolution, "西河沿决议", "一、加强巡查提醒。")
    resolutions.add_commitment(
        resolution,
        resolutions.CommitmentFields(f"department:{world.department.id}", "每周巡查两次", utcnow() + timedelta(days=10)),
    )
    db.session.commit()
    return resolution


def test_commitments_appear_in_the_minutes_in_order(world, concluded):
    resolution = _resolution_with_commitment(world, concluded)
    minutes = queries.minutes_of(concluded.meeting.id)
    section = queries.section_of(minutes)
    assert [c["action"] for c in section["commitments"]] == [c.action for c in resolution.commitments]


def test_correction_flows_to_the_secretary_and_approved_minutes_are_in_the_pdf(world, concluded, app):
    from roundtable.resolutions.jobs import render_resolution_document

    resolution = _resolution_with_commitment(world, concluded)
    minutes = queries.minutes_of(concluded.meeting.id)
    operations.update_narrative(minutes, "会议气氛热烈。", {"1": "居民与交通支队充分沟通。"})
    operations.send_for_review(minutes)
    db.session.commit()
    # attendees heard about it: the resident through the inbox, the guests by SMS
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.user_id == world.a.resident.id)) >= 1
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == "13900000001")) == 1

    resident, guest1, guest2 = concluded.residents
    operations.submit_review(minutes, resident, "approve", "")
    review = operations.submit_review(minutes, guest1, "correct", "张阿姨的发言是反对罚款,不是反对停车")
    db.session.commit()
    told = db.session.scalars(db.select(Notification).where(Notification.user_id == world.a.secretary.id)).all()
    assert any("更正" in n.shown_title for n in told)
    with pytest.raises(OperationError):  # an open correction blocks approval
        operations.approve_minutes(minutes, world.a.secretary)
    db.session.rollback()
    operations.answer_review(review, world.a.secretary, True, "已改")
    operations.update_narrative(minutes, "会议气氛热烈。张阿姨反对的是罚款。", {})
    db.session.commit()
    with pytest.raises(OperationError):  # the period runs and guest 2 and the units have not answered
        operations.approve_minutes(minutes, world.a.secretary)
    db.session.rollback()
    operations.approve_minutes(minutes, world.a.secretary, now=minutes.review_due_at + timedelta(seconds=1))
    db.session.commit()
    assert minutes.state == "approved"

    resolutions.send_for_confirmation(resolution)
    resolutions.confirm_commitment(resolution.commitments[0], world.department_staff)
    db.session.commit()
    pdf, record = render_resolution_document(resolution, utcnow())
    assert record["minutes"]["state"] == "approved"
    assert record["minutes"]["narrative"] == "会议气氛热烈。张阿姨反对的是罚款。"
    assert record["minutes"]["reviews"][1]["answer_state"] == "accepted"
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "会议纪要" in text and "张阿姨反对的是罚款" in text.replace("\n", "")


def test_only_attendees_review_within_the_period(world, concluded):
    minutes = queries.minutes_of(concluded.meeting.id)
    resident = concluded.residents[0]
    with pytest.raises(OperationError):  # not yet sent
        operations.submit_review(minutes, resident, "approve", "")
    operations.send_for_review(minutes)
    with pytest.raises(OperationError):
        operations.submit_review(minutes, resident, "correct", "")  # a correction needs words
    with pytest.raises(OperationError):
        operations.submit_review(minutes, resident, "approve", "", now=minutes.review_due_at + timedelta(minutes=1))
    concluded.residents[2].checked_in_at = None
    with pytest.raises(OperationError):
        operations.submit_review(minutes, concluded.residents[2], "approve", "")


def test_the_periodic_pass_approves_minutes_once_the_period_is_over(world, concluded):
    minutes = queries.minutes_of(concluded.meeting.id)
    operations.send_for_review(minutes)
    operations.submit_review(minutes, concluded.residents[0], "correct", "改一处")
    db.session.commit()
    later = minutes.review_due_at + timedelta(hours=1)
    assert operations.approve_due(later) == 0  # an open correction waits for the secretary
    operations.answer_review(minutes.reviews[0], world.a.secretary, False, "记录无误")
    assert operations.approve_due(later) == 1
    assert minutes.state == "approved" and minutes.approved_by_id is None


def test_attendee_page_through_the_invitation_link(client, world, concluded):
    minutes = queries.minutes_of(concluded.meeting.id)
    token = concluded.residents[1].token
    assert client.get(f"/j/{token}/minutes").status_code == 404  # a draft is not shown
    operations.send_for_review(minutes)
    db.session.commit()
    page = client.get(f"/j/{token}/minutes")
    assert page.status_code == 200 and "同意纪要" in page.get_data(as_text=True)
    client.post(f"/j/{token}/minutes", data={"verdict": "correct", "text": "<b>改</b>"})
    assert minutes.reviews[0].text == "<b>改</b>"
    assert "&lt;b&gt;" in client.get(f"/j/{token}/minutes").get_data(as_text=True)
    assert client.post(f"/j/{token}/minutes", data={"verdict": "bogus"}).status_code == 302
    assert client.get("/j/not-a-token-at-all/minutes").status_code == 404


def test_approved_minutes_are_in_the_archive(world, concluded, client, auth):
    from tests.resolutions.conftest import publish

    resolution = _resolution_with_commitment(world, concluded)
    resolutions.send_for_confirmation(resolution)
    resolutions.confirm_commitment(resolution.commitments[0], world.department_staff)
    db.session.commit()
    publish(world, resolution)
    auth.login("a_auditor")
    assert "minutes-speakers" not in client.get(f"/archive/resolutions/{resolution.id}").get_data(as_text=True)
    minutes = queries.minutes_of(concluded.meeting.id)
    operations.send_for_review(minutes)
    operations.approve_minutes(minutes, world.a.secretary, now=minutes.review_due_at + timedelta(seconds=1))
    db.session.commit()
    page = client.get(f"/archive/resolutions/{resolution.id}").get_data(as_text=True)
    assert 'id="minutes"' in page and "minutes-speakers" in page
