"""Operations on meetings: prepare, schedule, cancel, agenda, invitations, RSVP, 报到.

Each one checks everything first and raises OperationError (in Chinese) before
changing anything, then changes, writes the case timeline where cases move, and
flushes. The caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.cases.models import STATUS_LABELS, TRANSITIONS, Case, Topic
from roundtable.cases.operations import add_event, change_status
from roundtable.communities.models import Community, Department, Membership, Organization
from roundtable.core.errors import Conflict, NotAllowed, OperationError
from roundtable.core.privacy import is_valid_phone, mask_phone, normalize_phone
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import (
    HOLDING_STATUSES,
    KINDS,
    MAJORITY_RULES,
    MEETING_STATUS_LABELS,
    MEETING_TRANSITIONS,
    RSVP_LABELS,
    SAT_STATUSES,
    AgendaItem,
    Invitation,
    Meeting,
    MeetingCase,
)

# A meeting in one of these states holds its cases in deliberation.

# Why a case cannot be put before a meeting, by its status (see cases.models.TRANSITIONS).
_NOT_READY_HINTS = {
    "received": "须先联系诉求人(标为「已联系」)再提交会议议事",
    "dispatched": "须先联系诉求人(标为「已联系」)再提交会议议事",
    "redispatched": "须先联系诉求人(标为「已联系」)再提交会议议事",
    "return_requested": "正在申请退单,退单处理完之前不能上会",
    "action_scheduled": "已定方案,不再需要会议议事",
    "in_progress": "正在办理,不再需要会议议事",
    "replied": "已答复诉求人,如需再议请先重新办理",
}
_CLOSED_HINT = "已办结,不能再上会"

RULE_LIMITS = {
    "duration_minutes": (10, 600, "会议时长"),
    "speech_minutes": (1, 30, "每次发言时长"),
    "speeches_per_motion": (1, 10, "每人每项动议发言次数"),
    "quorum": (0, 1000, "法定人数"),
}


@dataclass
class MeetingFields:
    """What a secretary fills in for a meeting, already parsed (times aware UTC)."""

    title: str
    starts_at: datetime
    host_id: int | None
    kind: str = "roundtable"
    description: str = ""
    venue: str = ""
    online_url: str = ""
    duration_minutes: int = 60
    topic_id: int | None = None
    previous_meeting_id: int | None = None
    case_ids: list[int] = field(default_factory=list)
    speech_minutes: int = 2
    speeches_per_motion: int = 2
    quorum: int = 0
    majority_rule: str = "more_yes_than_no"


@dataclass
class AgendaFields:
    title: str
    minutes: int = 15
    case_id: int | None = None
    notes: str = ""


def _path(endpoint: str, **values) -> str:
    """A site-relative link for notifications, which are written outside any request."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _notify(user: User, title: str, body: str, link: str, /, **params: object) -> None:
    """``title`` and ``body`` are message ids with ``params`` (shown in each reader's language)."""
    from roundtable.notifications.operations import notify

    notify(user, title, body, link, params=params)


# --- meetings ---------------------------------------------------------------------------------


def _checked_fields(community: Community, fields: MeetingFields, meeting: Meeting | None) -> tuple:
    """Validate every field against the community; return (host, topic, previous, cases)."""
    if fields.kind not in KINDS:
        raise OperationError("未知的会议类型。")
    if not fields.title.strip():
        raise OperationError("请填写会议名称。")
    if len(fields.title.strip()) > 120:
        raise OperationError("会议名称不能超过120个字符。")
    if not fields.venue.strip() and not fields.online_url.strip():
        raise OperationError("请填写会议地点或线上会议链接。")
    if fields.online_url.strip() and not fields.online_url.strip().startswith(("https://", "http://")):
        raise OperationError("线上会议链接须以 http:// 或 https:// 开头。")
    if fields.starts_at.tzinfo is None:
        raise OperationError("会议时间无效。")
    if fields.starts_at <= utcnow():
        raise OperationError("会议时间不能早于现在,请选择一个将来的时间。")
    for name, (low, high, label) in RULE_LIMITS.items():
        value = getattr(fields, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise OperationError("%(label)s须在%(low)d到%(high)d之间。", label=lazy_gettext(label), low=low, high=high)
    if fields.majority_rule not in MAJORITY_RULES:
        raise OperationError("未知的表决规则。")

    host = db.session.get(User, fields.host_id) if fields.host_id else None
    if host is None or host.role_in(community.id) != "secretary":
        raise OperationError("主持人须是本社区的社区书记。")
    topic = None
    if fields.topic_id:
        topic = db.session.get(Topic, fields.topic_id)
        if topic is None or topic.community_id != community.id:
            raise OperationError("所选议题不存在。")
    previous = None
    if fields.previous_meeting_id:
        previous = db.session.get(Meeting, fields.previous_meeting_id)
        if previous is None or previous.community_id != community.id:
            raise OperationError("所选的上一次会议不存在。")
        if meeting is not None and _follows(previous, meeting):
            raise OperationError("上一次会议不能是本会议或本会议之后的会议。")
    already = {link.case_id for link in meeting.case_links} if meeting else set()
    cases = []
    for case_id in dict.fromkeys(fields.case_ids):
        case = db.session.get(Case, case_id)
        if case is None or case.community_id != community.id:
            raise OperationError("所选工单不存在。")
        if case.is_terminal and case_id not in already:
            raise OperationError("工单%(number)s已办结,不能再上会。", number=case.external_number)
        cases.append(case)
    return host, topic, previous, cases


def _follows(candidate: Meeting, meeting: Meeting) -> bool:
    """True when ``candidate`` is ``meeting`` itself or comes after it in its series."""
    seen = set()
    current: Meeting | None = candidate
    while current is not None and current.id not in seen:
        if current.id == meeting.id:
            return True
        seen.add(current.id)
        current = current.previous_meeting
    return False


def _apply_fields(meeting: Meeting, fields: MeetingFields, host, topic, previous) -> None:
    meeting.kind = fields.kind
    meeting.title = fields.title.strip()
    meeting.description = fields.description.strip()
    meeting.venue = fields.venue.strip()
    meeting.online_url = fields.online_url.strip()
    meeting.starts_at = fields.starts_at
    meeting.duration_minutes = fields.duration_minutes
    meeting.host_id = host.id
    meeting.topic_id = topic.id if topic else None
    meeting.previous_meeting_id = previous.id if previous else None
    meeting.speech_minutes = fields.speech_minutes
    meeting.speeches_per_motion = fields.speeches_per_motion
    meeting.quorum = fields.quorum
    meeting.majority_rule = fields.majority_rule


def create_meeting(community: Community, fields: MeetingFields, actor: User) -> Meeting:
    """A new meeting starts as a draft: nothing moves on the cases until it is scheduled."""
    host, topic, previous, cases = _checked_fields(community, fields, None)
    meeting = Meeting(community_id=community.id, created_by_id=actor.id, status="draft")
    _apply_fields(meeting, fields, host, topic, previous)
    db.session.add(meeting)
    for case in cases:
        meeting.case_links.append(MeetingCase(case=case))
    db.session.flush()
    return meeting


def update_meeting(meeting: Meeting, fields: MeetingFields, actor: User) -> None:
    """Edit until the meeting goes live; on a scheduled meeting, added or removed cases move at once."""
    _require_editable(meeting)
    host, topic, previous, cases = _checked_fields(meeting.community, fields, meeting)
    wanted = {case.id for case in cases}
    current = {link.case_id: link for link in meeting.case_links}
    added = [case for case in cases if case.id not in current]
    removed = [link for case_id, link in current.items() if case_id not in wanted]
    holding = meeting.status in HOLDING_STATUSES
    if holding:
        _refuse_unready_cases(added)
    _apply_fields(meeting, fields, host, topic, previous)
    for link in removed:
        if holding:
            _release_case(meeting, link, actor, "工单已从会议中移除")
        for item in meeting.agenda_items:
            if item.case_id == link.case_id:
                item.case_id = None
        meeting.case_links.remove(link)
    for case in added:
        link = MeetingCase(case=case)
        meeting.case_links.append(link)
        if holding:
            _hold_case(meeting, link, actor)
    db.session.flush()


def _require_editable(meeting: Meeting) -> None:
    if not meeting.is_editable:
        raise OperationError("会议%(status)s,不能再修改。", status=lazy_gettext(meeting.status_label))


def _case_blocker(case: Case) -> str | None:
    if case.status == "in_deliberation" or "in_deliberation" in TRANSITIONS.get(case.status, ()):
        return None
    hint = _CLOSED_HINT if case.is_terminal else _NOT_READY_HINTS.get(case.status, "不能进入议事")
    return gettext(
        "工单%(number)s当前为「%(status)s」,%(hint)s。",
        number=case.external_number,
        status=gettext(STATUS_LABELS.get(case.status, case.status)),
        hint=gettext(hint),
    )


def _refuse_unready_cases(cases) -> None:
    problems = [message for message in map(_case_blocker, cases) if message]
    if problems:
        raise OperationError(" ".join(problems), code="cases_not_ready")


def _other_holding_link(meeting: Meeting, case: Case) -> MeetingCase | None:
    return db.session.scalar(
        select(MeetingCase)
        .join(Meeting, MeetingCase.meeting_id == Meeting.id)
        .where(
            MeetingCase.case_id == case.id,
            Meeting.id != meeting.id,
            Meeting.status.in_(HOLDING_STATUSES),
        )
        .order_by(MeetingCase.id)
        .limit(1)
    )


def _hold_case(meeting: Meeting, link: MeetingCase, actor: User | None) -> None:
    """Put a case into deliberation for this meeting and remember where it came from.

    A case already held by another meeting inherits that meeting's remembered
    status, so that whichever meeting lets go last puts it back where it was.
    """
    case = link.case
    note = f"列入{meeting.kind_label}「{meeting.title}」"
    if case.status == "in_deliberation":
        other = _other_holding_link(meeting, case)
        link.status_before = other.status_before if other else None
        add_event(case, "meeting", actor, note, meeting_id=meeting.id, meeting_title=meeting.title)
        return
    link.status_before = case.status
    change_status(case, "in_deliberation", actor, note, meeting_id=meeting.id, meeting_title=meeting.title)


def _release_case(meeting: Meeting, link: MeetingCase, actor: User | None, reason: str) -> None:
    """Give the case back its earlier status, unless another meeting still deliberates it."""
    case = link.case
    note = f"{meeting.kind_label}「{meeting.title}」:{reason}"
    if _other_holding_link(meeting, case) is not None or case.status != "in_deliberation" or not link.status_before:
        add_event(case, "meeting", actor, note, meeting_id=meeting.id, meeting_title=meeting.title)
        return
    target = link.status_before if link.status_before in TRANSITIONS["in_deliberation"] else "contacted"
    change_status(case, target, actor, note, meeting_id=meeting.id, meeting_title=meeting.title)


def transition_meeting(meeting: Meeting, new_status: str, actor: User | None, note: str = "") -> None:
    """Move a meeting along its lifecycle (MEETING_TRANSITIONS); anything else is refused.

    Scheduling needs a future time, a host, and at least one agenda item or
    linked case; every linked case must be able to enter deliberation, and all
    of them then do. Going back to draft or cancelling (which needs a reason)
    lets the cases go. live/adjourned/concluded keep started_at and ended_at.
    """
    if new_status not in MEETING_TRANSITIONS:
        raise OperationError("未知的会议状态「%(status)s」。", status=new_status)
    old_status = meeting.status
    if not meeting.can_move_to(new_status):
        raise OperationError(
            "会议不能从「%(before)s」变为「%(after)s」。",
            code="forbidden_transition",
            before=lazy_gettext(MEETING_STATUS_LABELS.get(old_status, old_status)),
            after=lazy_gettext(MEETING_STATUS_LABELS[new_status]),
        )
    note = (note or "").strip()
    now = utcnow()
    if new_status == "scheduled":
        if meeting.starts_at <= now:
            raise OperationError("会议时间已过,请先把时间改到将来再安排。")
        if meeting.host_id is None:
            raise OperationError("请先指定主持人。")
        if not meeting.agenda_items and not meeting.case_links:
            raise OperationError("请至少添加一项议程或关联一件工单,再安排会议。")
        _refuse_unready_cases([link.case for link in meeting.case_links])
    if new_status == "cancelled" and not note:
        raise OperationError("取消会议须填写原因。")
    if len(note) > 1000:
        raise OperationError("说明不能超过1000个字符。")

    meeting.status = new_status
    if note:
        meeting.status_note = note
    if new_status == "scheduled":
        for link in meeting.case_links:
            _hold_case(meeting, link, actor)
    elif old_status in HOLDING_STATUSES and new_status in ("draft", "cancelled"):
        reason = f"会议已取消({note})" if new_status == "cancelled" else "会议退回草稿"
        for link in meeting.case_links:
            _release_case(meeting, link, actor, reason)
    if new_status == "live":
        meeting.started_at = meeting.started_at or now
        meeting.ended_at = None
    elif new_status in SAT_STATUSES:
        meeting.ended_at = now
    if new_status == "cancelled":
        for user in _people_to_tell(meeting):
            _notify(user, "会议已取消:%(title)s", "%(note)s" if note else "", "", title=meeting.title, note=note)
    db.session.flush()
    if new_status == "concluded":
        from roundtable.minutes.operations import generate_minutes

        generate_minutes(meeting)


def _people_to_tell(meeting: Meeting) -> list[User]:
    people: dict[int, User] = {}
    for invitation in meeting.invitations:
        if invitation.user is not None:
            people[invitation.user.id] = invitation.user
        if invitation.department is not None:
            for member in invitation.department.members:
                people[member.user.id] = member.user
    return list(people.values())


def cancel_meeting(meeting: Meeting, actor: User, reason: str) -> None:
    transition_meeting(meeting, "cancelled", actor, reason)


# --- agenda -----------------------------------------------------------------------------------


def _checked_agenda(meeting: Meeting, fields: AgendaFields) -> None:
    _require_editable(meeting)
    title = fields.title.strip()
    if not title:
        raise OperationError("请填写议程名称。")
    if len(title) > 200:
        raise OperationError("议程名称不能超过200个字符。")
    if not isinstance(fields.minutes, int) or not 1 <= fields.minutes <= 240:
        raise OperationError("议程时长须在1到240分钟之间。")
    if len(fields.notes) > 2000:
        raise OperationError("议程说明不能超过2000个字符。")
    if fields.case_id and fields.case_id not in {link.case_id for link in meeting.case_links}:
        raise OperationError("议程只能关联本会议的工单。")


def add_agenda_item(meeting: Meeting, fields: AgendaFields) -> AgendaItem:
    _checked_agenda(meeting, fields)
    last = max((item.position for item in meeting.agenda_items), default=0)
    item = AgendaItem(
        position=last + 1,
        title=fields.title.strip(),
        minutes=fields.minutes,
        case_id=fields.case_id or None,
        notes=fields.notes.strip(),
    )
    meeting.agenda_items.append(item)
    db.session.flush()
    return item


def update_agenda_item(item: AgendaItem, fields: AgendaFields) -> None:
    _checked_agenda(item.meeting, fields)
    item.title = fields.title.strip()
    item.minutes = fields.minutes
    item.case_id = fields.case_id or None
    item.notes = fields.notes.strip()
    db.session.flush()


def remove_agenda_item(item: AgendaItem) -> None:
    meeting = item.meeting
    _require_editable(meeting)
    meeting.agenda_items.remove(item)
    for number, other in enumerate(sorted(meeting.agenda_items, key=lambda i: i.position), start=1):
        other.position = number
    db.session.flush()


def move_agenda_item(item: AgendaItem, direction: str) -> None:
    """Swap with the neighbour above ("up") or below ("down")."""
    meeting = item.meeting
    _require_editable(meeting)
    if direction not in ("up", "down"):
        raise OperationError("未知的移动方向。")
    ordered = sorted(meeting.agenda_items, key=lambda i: i.position)
    index = ordered.index(item)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(ordered):
        raise OperationError("已经是第一项。" if direction == "up" else "已经是最后一项。")
    other = ordered[other_index]
    item.position, other.position = other.position, item.position
    db.session.flush()


# --- invitations ------------------------------------------------------------------------------


def _require_inviting(meeting: Meeting) -> None:
    if not meeting.is_editable:
        raise OperationError("会议%(status)s,不能再发出邀请。", status=lazy_gettext(meeting.status_label))


def _new_invitation(meeting: Meeting, kind: str, side: str, **who) -> Invitation:
    invitation = Invitation(community_id=meeting.community_id, kind=kind, side=side, **who)
    meeting.invitations.append(invitation)
    return invitation


def invite_resident(meeting: Meeting, user_id: int | None) -> Invitation:
    """Invite a resident who is a member of the community; they hear of it in their inbox."""
    _require_inviting(meeting)
    user = db.session.get(User, user_id) if user_id else None
    is_member = user is not None and db.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.community_id == meeting.community_id)
    )
    if user is None or not is_member:
        raise OperationError("只能邀请本社区登记的居民;其他人请作为列席居民按姓名和电话邀请。")
    if any(i.user_id == user.id for i in meeting.invitations):
        raise Conflict("%(name)s已在邀请名单中。", name=user.display_name)
    invitation = _new_invitation(meeting, "resident", "resident", user_id=user.id)
    db.session.flush()
    _notify(
        user,
        "会议邀请:%(title)s",
        "%(kind_label)s,地点:%(venue)s。请打开链接回复是否参加。" if meeting.venue
        else "%(kind_label)s,线上举行。请打开链接回复是否参加。",
        _path("invite.join", token=invitation.token),
        title=meeting.title, kind_label=meeting.kind_label, venue=meeting.venue,
    )
    return invitation


def invite_guest(meeting: Meeting, name: str, phone: str) -> Invitation:
    """A named guest without an account: the token link (or the printed sheet) is their key."""
    _require_inviting(meeting)
    name = (name or "").strip()
    phone = normalize_phone(phone)
    if not name:
        raise OperationError("请填写列席居民的姓名。")
    if len(name) > 64:
        raise OperationError("姓名不能超过64个字符。")
    if not is_valid_phone(phone):
        raise OperationError("电话号码无效,请填写7到15位数字。")
    if any(i.guest_phone == phone for i in meeting.invitations):
        raise Conflict("电话%(phone)s已在邀请名单中。", phone=mask_phone(phone))
    invitation = _new_invitation(meeting, "guest", "resident", guest_name=name, guest_phone=phone)
    db.session.flush()
    return invitation


def summon_department(meeting: Meeting, department_id: int | None, reply_due_at: datetime) -> Invitation:
    """吹哨: the department must report in (报到) by ``reply_due_at``; all its staff are told."""
    _require_inviting(meeting)
    department = db.session.get(Department, department_id) if department_id else None
    if department is None:
        raise OperationError("所选部门不存在。")
    now = utcnow()
    if reply_due_at is None or reply_due_at.tzinfo is None or reply_due_at <= now:
        raise OperationError("报到期限须是将来的时间。")
    if reply_due_at > meeting.starts_at:
        raise OperationError("报到期限不能晚于会议开始时间。")
    if any(i.department_id == department.id for i in meeting.invitations):
        raise Conflict("已向%(department)s吹哨,不能重复。", department=department.name)
    invitation = _new_invitation(
        meeting, "department", "department", department_id=department.id, summoned_at=now, reply_due_at=reply_due_at
    )
    db.session.flush()
    for member in department.members:
        _notify(
            member.user,
            "吹哨:%(community)s请%(department)s报到",
            "%(kind_label)s「%(title)s」,请在期限前报到。",
            _path("meetings.summons"),
            community=meeting.community.name, department=department.name, kind_label=meeting.kind_label,
            title=meeting.title,
        )
    return invitation


def invite_organization(meeting: Meeting, organization_id: int | None) -> Invitation:
    """A property manager (物业) or property-rights unit of this community."""
    _require_inviting(meeting)
    organization = db.session.get(Organization, organization_id) if organization_id else None
    if organization is None or organization.community_id != meeting.community_id:
        raise OperationError("所选单位不存在。")
    if any(i.organization_id == organization.id for i in meeting.invitations):
        raise Conflict("%(name)s已在邀请名单中。", name=organization.name)
    invitation = _new_invitation(meeting, "organization", "organization", organization_id=organization.id)
    db.session.flush()
    return invitation


def remove_invitation(invitation: Invitation) -> None:
    meeting = invitation.meeting
    _require_inviting(meeting)
    meeting.invitations.remove(invitation)
    db.session.flush()


def record_rsvp(invitation: Invitation, answer: str) -> None:
    """The invitee's answer from their link, changeable until the meeting starts."""
    if answer not in RSVP_LABELS:
        raise OperationError("请选择参加或不参加。")
    if not invitation.meeting.is_editable:
        raise OperationError("会议%(status)s,不能再回复。", status=lazy_gettext(invitation.meeting.status_label))
    invitation.rsvp = answer
    invitation.rsvp_at = utcnow()
    db.session.flush()


def report_in(invitation: Invitation, user: User, attendee_names: str = "") -> None:
    """报到: staff acknowledge their department's summons; the first report-in time counts."""
    if invitation.summoned_at is None or invitation.department_id is None:
        raise OperationError("这不是部门吹哨,无需报到。")
    if invitation.department_id not in user.department_ids:
        raise NotAllowed("只能为本部门报到。")
    if invitation.meeting.is_finished:
        raise OperationError("会议%(status)s,无需报到。", status=lazy_gettext(invitation.meeting.status_label))
    attendee_names = (attendee_names or "").strip()
    if len(attendee_names) > 200:
        raise OperationError("参会人员不能超过200个字符。")
    if invitation.reported_at is None:
        invitation.reported_at = utcnow()
        invitation.reported_by_id = user.id
    invitation.attendee_names = attendee_names
    invitation.rsvp = "yes"
    invitation.rsvp_at = invitation.rsvp_at or invitation.reported_at
    db.session.flush()
