"""Minutes operations: check first (OperationError), then change, notify and flush; the caller commits."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from roundtable.auth.models import User
from roundtable.communities.models import Membership
from roundtable.core.errors import Conflict, NotAllowed, OperationError
from roundtable.core.time import format_local, utcnow
from roundtable.extensions import db
from roundtable.i18n import community_language
from roundtable.meetings.models import Invitation, Meeting
from roundtable.minutes import queries
from roundtable.minutes.models import (
    ACCEPTED,
    ANSWERED,
    APPROVE,
    APPROVED,
    CORRECT,
    DRAFT,
    IN_REVIEW,
    OPEN,
    Minutes,
    MinutesReview,
)
from roundtable.minutes.permissions import can_review_minutes

NARRATIVE_MAX = 20_000
NOTE_MAX = 4_000
CORRECTION_MAX = 500
ANSWER_MAX = 2_000


def _path(endpoint: str, **values: object) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)


def generate_minutes(meeting: Meeting) -> Minutes:
    """At conclusion: the draft, its structured part generated from the record."""
    if meeting.status != "concluded":
        raise OperationError("会议结束后才能生成纪要。", code="not_concluded")
    existing = queries.minutes_of(meeting.id)
    if existing is not None:
        return existing
    minutes = Minutes(
        community_id=meeting.community_id,
        meeting_id=meeting.id,
        state=DRAFT,
        record=queries.build_record(meeting),
        narrative="",
        item_notes={},
        generated_at=utcnow(),
    )
    db.session.add(minutes)
    db.session.flush()
    return minutes


def _require_state(minutes: Minutes, *states: str) -> None:
    if minutes.state not in states:
        raise Conflict("纪要当前状态不能进行此操作。", code="minutes_state")


def update_narrative(minutes: Minutes, narrative: str, item_notes: dict[str, str]) -> None:
    """The secretary's words; the structured part stays as the record made it."""
    _require_state(minutes, DRAFT, IN_REVIEW)
    narrative = (narrative or "").strip()
    if len(narrative) > NARRATIVE_MAX:
        raise OperationError("纪要正文过长。")
    known = {str(item["position"]) for item in minutes.record.get("items", [])}
    notes = {}
    for key, text in (item_notes or {}).items():
        if key not in known:
            raise OperationError("议程项不存在。")
        text = (text or "").strip()
        if len(text) > NOTE_MAX:
            raise OperationError("议程项说明过长。")
        if text:
            notes[key] = text
    minutes.narrative = narrative
    minutes.item_notes = notes
    db.session.flush()


def _tell_attendee(invitation: Invitation, title: str, link: str, /, **params: object) -> None:
    """An attendee hears through their account, their department's staff, or an SMS to a guest's phone."""
    from roundtable.notifications.operations import _absolute, notify, queue_message

    users = []
    if invitation.user is not None:
        users.append(invitation.user)
    for unit in (invitation.department, invitation.organization):
        if unit is not None:
            users.extend(member.user for member in unit.members if member.user.active)
    for user in users:
        notify(user, title, "", link, params=params)
    if not users and invitation.guest_phone:  # a guest has no language of their own: the community's
        with community_language():
            text = _(title, **params)
        queue_message("sms", invitation.guest_phone, text, f"{text} {_absolute(link)}")


def send_for_review(minutes: Minutes, now: datetime | None = None) -> None:
    """draft → in_review: every attendee gets the draft through their invitation link, for a period."""
    if not minutes.can_move_to(IN_REVIEW):
        raise Conflict("纪要已送审。", code="minutes_state")
    attendees = queries.attendees(minutes)
    if not attendees:
        raise OperationError("没有签到的与会者,无法送审;请直接审定。", code="no_attendees")
    now = now or utcnow()
    minutes.state = IN_REVIEW
    minutes.sent_at = now
    minutes.review_due_at = now + timedelta(days=current_app.config.get("MINUTES_REVIEW_DAYS", 3))
    db.session.flush()
    meeting = minutes.meeting
    for invitation in attendees:
        _tell_attendee(invitation, "请审阅会议纪要:%(title)s(%(due)s前)", _path("minutes.review", token=invitation.token),
                       title=meeting.title, due=format_local(minutes.review_due_at))


def _secretaries(community_id: int) -> list[User]:
    from sqlalchemy import select

    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community_id, Membership.role == "secretary", User.active.is_(True))
    ))


def submit_review(minutes: Minutes, invitation: Invitation, verdict: str, text: str,
                  now: datetime | None = None) -> MinutesReview:
    """An attendee approves, or suggests a short correction; a later answer replaces an unanswered earlier one."""
    if not can_review_minutes(invitation, minutes):
        raise NotAllowed("只有签到的与会者可以审阅纪要。", code="not_attendee")
    if not queries.review_window_open(minutes, now):
        raise Conflict("纪要审阅期已结束或尚未开始。", code="review_closed")
    if verdict not in (APPROVE, CORRECT):
        raise OperationError("请选择同意或建议更正。", code="bad_verdict")
    text = (text or "").strip()
    if verdict == CORRECT and not text:
        raise OperationError("请写下建议更正的内容。", code="text_required")
    if len(text) > CORRECTION_MAX:
        raise OperationError("更正建议不能超过500个字符。", code="text_too_long")
    now = now or utcnow()
    review = queries.review_of(minutes, invitation)
    if review is None:
        review = MinutesReview(minutes_id=minutes.id, community_id=minutes.community_id, invitation_id=invitation.id,
                               verdict=verdict, text=text, at=now, answer_state=OPEN if verdict == CORRECT else ANSWERED)
        try:
            with db.session.begin_nested():
                db.session.add(review)
        except IntegrityError:
            raise Conflict("您的审阅意见刚刚已提交,请刷新页面。", code="duplicate") from None
    else:
        review.verdict = verdict
        review.text = text
        review.at = now
        review.revision += 1
        review.answer_state = OPEN if verdict == CORRECT else ANSWERED
        review.answer = ""
        review.answered_by_id = None
        review.answered_at = None
    db.session.flush()
    if verdict == CORRECT:
        for secretary in _secretaries(minutes.community_id):
            from roundtable.notifications.operations import notify

            notify(secretary, "与会者对会议纪要提出更正:%(title)s", "%(text)s",
                   _path("minutes.show", meeting_id=minutes.meeting_id),
                   params={"title": minutes.meeting.title, "text": text})
    return review


def answer_review(review: MinutesReview, actor: User, accept: bool, answer: str) -> None:
    """The secretary accepts a correction (and edits the narrative) or answers why not."""
    _require_state(review.minutes, IN_REVIEW)
    if review.verdict != CORRECT or review.answer_state != OPEN:
        raise Conflict("这条意见已答复。", code="already_answered")
    answer = (answer or "").strip()
    if not accept and not answer:
        raise OperationError("不采纳时请写明理由。", code="text_required")
    if len(answer) > ANSWER_MAX:
        raise OperationError("答复不能超过2000个字符。", code="text_too_long")
    review.answer_state = ACCEPTED if accept else ANSWERED
    review.answer = answer
    review.answered_by_id = actor.id
    review.answered_at = utcnow()
    db.session.flush()


def _approve(minutes: Minutes, actor: User | None, now: datetime) -> None:
    minutes.state = APPROVED
    minutes.approved_at = now
    minutes.approved_by_id = actor.id if actor else None
    db.session.flush()


def approve_minutes(minutes: Minutes, actor: User, now: datetime | None = None) -> None:
    """in_review → approved, once every correction is answered and everyone answered or the period ended."""
    if not minutes.can_move_to(APPROVED):
        raise Conflict("纪要须先送与会者审阅。", code="minutes_state")
    if minutes.open_corrections:
        raise OperationError("还有更正建议未答复。", code="open_corrections")
    now = now or utcnow()
    answered = {review.invitation_id for review in minutes.reviews}
    waiting = [i for i in queries.attendees(minutes) if i.id not in answered]
    if waiting and queries.review_window_open(minutes, now):
        raise OperationError("审阅期未满,仍有与会者未答复。", code="review_running")
    _approve(minutes, actor, now)


def approve_due(now: datetime | None = None) -> int:
    """The periodic pass: minutes whose review period ended with every correction answered are approved."""
    from sqlalchemy import select

    now = now or utcnow()
    count = 0
    for minutes in db.session.scalars(
        select(Minutes).where(Minutes.state == IN_REVIEW, Minutes.review_due_at <= now).order_by(Minutes.id)
    ):
        if not minutes.open_corrections:
            _approve(minutes, None, now)
            count += 1
    return count
