"""Satisfaction operations: ask once the work is done, record one answer per link, flag what is not solved.

The complainant's answer is the case's follow-up (回访) that the 三率 count:
解决 = 已解决, 满意 = 满意 or 基本满意. Residents' answers go on the case's
timeline; any 未解决 or 不满意 flags the case for the secretary.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from roundtable.auth.models import User
from roundtable.cases.models import Case
from roundtable.cases.operations import add_event, change_status, record_follow_up
from roundtable.communities.models import Membership
from roundtable.core.errors import Conflict, NotAllowed, OperationError
from roundtable.core.privacy import is_valid_phone, normalize_phone
from roundtable.core.sql import rows_changed
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.i18n import community_language
from roundtable.satisfaction.models import (
    COMPLAINANT,
    COUNTS_AS_RESOLVED,
    COUNTS_AS_SATISFIED,
    FLAG_NEW_MEETING,
    FLAG_OPEN,
    FLAG_REOPENED,
    FLAG_TRANSITIONS,
    RESIDENT,
    RESOLVED_ANSWERS,
    SATISFIED_ANSWERS,
    SatisfactionRequest,
)
from roundtable.satisfaction.permissions import can_handle_flag

if TYPE_CHECKING:
    from roundtable.resolutions.models import Resolution

COMMENT_MAX = 300


def _link(request: SatisfactionRequest) -> str:
    from roundtable.notifications.operations import _absolute

    return _absolute(current_app.url_map.bind("localhost").build("satisfaction.answer", {"token": request.token}))


def _new_request(case: Case, resolution_id: int | None, respondent: str, person_key: str, invitation_id: int | None,
                 now: datetime) -> SatisfactionRequest | None:
    request = SatisfactionRequest(
        community_id=case.community_id, case_id=case.id, resolution_id=resolution_id, respondent=respondent,
        person_key=person_key, invitation_id=invitation_id, created_at=now,
        expires_at=now + timedelta(days=current_app.config.get("SATISFACTION_LINK_DAYS", 7)),
    )
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        return None  # already asked (this person, this case, this resolution)
    return request


def ask_case(case: Case, resolution: Resolution, now: datetime | None = None) -> list[SatisfactionRequest]:
    """The complainant (SMS to the case's number) and the meeting's residents (their invitation) are asked."""
    from roundtable.notifications.operations import notify, queue_message

    now = now or utcnow()
    made = []
    phone = normalize_phone(case.complainant_phone)
    if phone and is_valid_phone(phone):
        request = _new_request(case, resolution.id if resolution else None, COMPLAINANT, COMPLAINANT, None, now)
        if request is not None:
            text = _("您反映的问题(工单%(number)s)已办理,请一键评价是否解决、是否满意:%(link)s",
                     number=case.external_number, link=_link(request))
            queue_message("sms", phone, _("办理结果评价"), text)
            made.append(request)
    invitations = resolution.meeting.invitations if resolution is not None else []
    for invitation in invitations:
        if invitation.side != "resident":
            continue
        request = _new_request(case, resolution.id, RESIDENT, f"invitation:{invitation.id}", invitation.id, now)
        if request is None:
            continue
        made.append(request)
        if invitation.user is not None:
            notify(invitation.user, "请评价办理结果:%(title)s", "%(text)s", _link(request),
                   params={"title": resolution.title, "text": case.description[:80]})
        elif invitation.guest_phone:  # a guest has no language of their own: the community's
            with community_language():
                title = _("请评价办理结果:%(title)s", title=resolution.title)
            queue_message("sms", invitation.guest_phone, title, f"{title} {_link(request)}")
    db.session.flush()
    return made


def ask_after_completion(resolution: Resolution, now: datetime | None = None) -> list[SatisfactionRequest]:
    """Every commitment of the resolution is done: ask about each of the meeting's cases."""
    made = []
    for case in resolution.meeting.cases:
        made.extend(ask_case(case, resolution, now))
    return made


def _secretaries(community_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community_id, Membership.role == "secretary", User.active.is_(True))
    ))


def answer(request: SatisfactionRequest, resolved: str, satisfied: str, comment: str,
           now: datetime | None = None) -> SatisfactionRequest:
    """Record the one answer of this link; a second answer, or one after expiry, is refused."""
    if resolved not in RESOLVED_ANSWERS or satisfied not in SATISFIED_ANSWERS:
        raise OperationError("请选择是否解决和是否满意。", code="bad_answer")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise OperationError("意见不能超过300个字符。", code="comment_too_long")
    now = now or utcnow()
    if request.answered_at is not None:
        raise Conflict("这个链接已经用过,谢谢您的评价。", code="answered")
    if request.is_expired(now):
        raise Conflict("这个链接已过期。", code="expired")
    flagged = resolved == "unresolved" or satisfied == "unsatisfied"
    # The guarded UPDATE is the single-use rule: of two submissions at once, one changes the row.
    claimed = rows_changed(
        update(SatisfactionRequest)
        .where(SatisfactionRequest.id == request.id, SatisfactionRequest.answered_at.is_(None),
               SatisfactionRequest.expires_at > now)
        .values(answered_at=now, resolved_answer=resolved, satisfied_answer=satisfied, comment=comment,
                flag=FLAG_OPEN if flagged else None)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise Conflict("这个链接已经用过,谢谢您的评价。", code="answered")
    db.session.refresh(request)
    case = request.case
    with community_language():  # kept on the case: in the community's language, whoever answered
        note = _("%(who)s评价:%(resolved)s,%(satisfied)s", who=_(request.respondent_label),
                 resolved=_(RESOLVED_ANSWERS[resolved]), satisfied=_(SATISFIED_ANSWERS[satisfied]))
    if comment:
        note = f"{note}。{comment}"
    if request.respondent == COMPLAINANT and case.is_answered:
        record_follow_up(case, None, resolved in COUNTS_AS_RESOLVED, satisfied in COUNTS_AS_SATISFIED, note)
    else:
        add_event(case, "satisfaction", None, note, resolved=resolved, satisfied=satisfied,
                  respondent=request.respondent)
    if flagged:
        from roundtable.notifications.operations import notify

        for secretary in _secretaries(case.community_id):
            notify(secretary, "工单%(number)s评价为未解决或不满意,请处理", "%(note)s" if note else "",
                   current_app.url_map.bind("localhost").build("satisfaction.flags", {}),
                   params={"number": case.external_number, "note": note})
    db.session.flush()
    return request


def handle_flag(request: SatisfactionRequest, actor: User, action: str) -> None:
    """The secretary reopens the case, or takes it to a new meeting (the case keeps its history either way)."""
    if not can_handle_flag(actor, request):
        raise NotAllowed("只有本社区书记可以处理。")
    if action not in FLAG_TRANSITIONS.get(request.flag or "", ()):
        raise Conflict("这条评价已处理。", code="already_handled")
    case = request.case
    if action == FLAG_REOPENED:
        if "reopened" not in case.allowed_transitions():
            raise OperationError("工单当前状态不能重新办理。", code="cannot_reopen")
        change_status(case, "reopened", actor, _("依据满意度评价重新办理"))
    elif case.is_terminal and "reopened" in case.allowed_transitions():
        # A closed case cannot go on a meeting's agenda: taking it to a new meeting reopens it.
        change_status(case, "reopened", actor, _("依据满意度评价另开会议商议"))
    else:
        add_event(case, "satisfaction", actor, _("依据满意度评价另开会议商议"))
    request.flag = action
    request.flag_handled_by_id = actor.id
    request.flag_handled_at = utcnow()
    db.session.flush()


FLAG_ACTIONS = (FLAG_REOPENED, FLAG_NEW_MEETING)
