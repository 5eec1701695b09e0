"""Departments and organizations confirm their own commitments; the host publishes once they have.

交通支队 confirms under its own login, the property manager under its own;
neither can answer for the other. A contested commitment carries a reason
the host reads. Publishing waits for every confirmation unless the host
gives a reason, which is then printed in the resolution.
"""
from __future__ import annotations

import re

import pytest

from roundtable.communities.operations import add_department_member, create_department
from roundtable.core.errors import NotAllowed, OperationError
from roundtable.extensions import db
from roundtable.jobs.models import Job
from roundtable.notifications.models import Notification
from roundtable.resolutions import operations
from roundtable.resolutions.pdf import pdf_text
from tests.factories import make_user
from tests.resolutions.conftest import publish


def inbox(user) -> list[Notification]:
    return db.session.query(Notification).filter_by(user_id=user.id).order_by(Notification.id).all()


def test_sending_for_confirmation_tells_each_units_staff(world, drafted):
    operations.send_for_confirmation(drafted)
    db.session.commit()
    traffic, property_ = drafted.commitments
    assert drafted.status == "awaiting_confirmations"
    (notice,) = [n for n in inbox(world.department_staff) if "请确认决议承诺" in n.shown_title]
    assert notice.link == f"/commitments/{traffic.id}"
    (notice,) = [n for n in inbox(world.organization_staff) if "请确认决议承诺" in n.shown_title]
    assert notice.link == f"/commitments/{property_.id}"


def test_staff_confirm_only_their_own_units_commitments(world, drafted, client, login):
    operations.send_for_confirmation(drafted)
    db.session.commit()
    traffic, property_ = drafted.commitments

    login("traffic_staff")
    assert client.post(f"/commitments/{property_.id}/confirm").status_code == 404
    assert client.post(f"/commitments/{traffic.id}/confirm").status_code == 302
    login("a_property_staff")
    assert client.post(f"/commitments/{traffic.id}/contest", data={"reason": "不是我们"}).status_code == 404
    login("a_secretary")  # the secretary sees the commitment but cannot answer for the unit
    assert client.post(f"/commitments/{property_.id}/confirm").status_code == 403
    db.session.expire_all()
    assert (traffic.state, property_.state) == ("confirmed", "pending")
    assert traffic.answered_by_id == world.department_staff.id
    with pytest.raises(NotAllowed):
        operations.confirm_commitment(property_, world.department_staff)


def test_staff_of_another_department_cannot_answer(world, drafted):
    operations.send_for_confirmation(drafted)
    other = make_user("housing_staff")
    add_department_member(other, create_department("区房管局"))
    db.session.commit()
    with pytest.raises(NotAllowed):
        operations.confirm_commitment(drafted.commitments[0], other)


def test_contesting_needs_a_reason_which_the_host_sees(world, drafted, client, login):
    operations.send_for_confirmation(drafted)
    db.session.commit()
    traffic = drafted.commitments[0]
    with pytest.raises(OperationError, match="须说明理由"):
        operations.contest_commitment(traffic, world.department_staff, "  ")
    db.session.rollback()
    login("traffic_staff")
    client.post(f"/commitments/{traffic.id}/contest", data={"reason": "巡查需街道执法队配合,请改为联合巡查"})
    db.session.expire_all()
    assert traffic.state == "contested"
    assert any("有异议" in n.shown_title and "联合巡查" in n.shown_body for n in inbox(world.a.secretary))
    login("a_secretary")
    page = client.get(f"/resolutions/{drafted.id}").get_data(as_text=True)
    assert "巡查需街道执法队配合,请改为联合巡查" in page


def test_a_revised_commitment_must_be_confirmed_again(world, drafted):
    operations.send_for_confirmation(drafted)
    traffic = drafted.commitments[0]
    operations.confirm_commitment(traffic, world.department_staff)
    operations.update_commitment(
        traffic,
        operations.CommitmentFields(f"department:{world.department.id}", "与街道执法队联合巡查", traffic.deadline),
    )
    db.session.commit()
    assert traffic.state == "pending" and traffic.answered_at is None


def test_publishing_is_refused_while_a_commitment_is_unconfirmed(world, drafted, client, auth):
    operations.send_for_confirmation(drafted)
    operations.confirm_commitment(drafted.commitments[0], world.department_staff)
    db.session.commit()
    auth.login("a_secretary")
    page = client.post(f"/resolutions/{drafted.id}/publish", data={"reason": ""}, follow_redirects=True)
    assert "还有1项承诺未确认(西河沿社区物业)" in page.get_data(as_text=True)
    db.session.expire_all()
    assert drafted.publish_job_id is None and db.session.query(Job).count() == 0
    assert drafted.status == "awaiting_confirmations"


def test_publishing_a_draft_whose_commitments_were_never_sent_is_refused(world, drafted):
    with pytest.raises(OperationError, match="送交各单位确认"):
        operations.request_publication(drafted, world.a.secretary, "急需发布")


def test_the_host_may_publish_with_a_reason_which_is_printed(world, drafted, client, auth):
    operations.send_for_confirmation(drafted)
    operations.confirm_commitment(drafted.commitments[0], world.department_staff)
    db.session.commit()
    auth.login("a_secretary")
    reason = "物业负责人出差,已电话同意,书面确认随后补交"
    client.post(f"/resolutions/{drafted.id}/publish", data={"reason": reason})
    from tests.resolutions.conftest import run_worker_once

    run_worker_once()
    db.session.refresh(drafted)
    assert drafted.status == "published"
    text = re.sub(r"\s+", "", pdf_text(drafted.pdf))
    assert "未经全部确认即发布的理由" in text and reason in text
    assert "待确认" in text  # the property manager's line says it was not confirmed
    assert drafted.record["unconfirmed_reason"] == reason


def test_a_fully_confirmed_resolution_prints_no_reason(world, drafted):
    operations.send_for_confirmation(drafted)
    for commitment, staff in zip(drafted.commitments, (world.department_staff, world.organization_staff)):
        operations.confirm_commitment(commitment, staff)
    db.session.commit()
    publish(world, drafted, reason="这条理由不该出现")
    assert drafted.unconfirmed_reason == ""
    assert "这条理由不该出现" not in pdf_text(drafted.pdf)


def test_drafting_needs_a_concluded_meeting(world):
    from tests.factories import make_meeting

    meeting = make_meeting(world.a.community, world.a.secretary)
    with pytest.raises(OperationError, match="会议结束后"):
        operations.start_resolution(meeting, world.a.secretary)


def test_a_commitment_needs_a_unit_an_action_and_a_future_deadline(world, drafted):
    from datetime import timedelta

    from roundtable.core.time import utcnow

    later = utcnow() + timedelta(days=3)
    bad = [
        (operations.CommitmentFields("department:99999", "巡查", later), "请选择"),
        (operations.CommitmentFields(f"organization:{world.b.organization.id}", "巡查", later), "请选择"),
        (operations.CommitmentFields(f"department:{world.department.id}", "  ", later), "承诺事项"),
        (operations.CommitmentFields(f"department:{world.department.id}", "巡查", utcnow() - timedelta(days=1)), "将来"),
    ]
    for fields, message in bad:
        with pytest.raises(OperationError, match=message):
            operations.add_commitment(drafted, fields)
    db.session.rollback()
    assert len(drafted.commitments) == 2
