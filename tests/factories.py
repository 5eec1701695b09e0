"""Builders for test data, going through the same operations the app uses."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

from roundtable.auth.models import User
from roundtable.auth.operations import create_user
from roundtable.cases.models import Case, Topic
from roundtable.cases.operations import create_case, create_topic
from roundtable.cases.validation import CaseFields
from roundtable.communities.models import Community, Department, Organization
from roundtable.communities.operations import (
    add_department_member,
    add_organization_member,
    create_community,
    create_department,
    create_organization,
    get_or_create_street,
    set_membership,
)
from roundtable.core.time import utcnow
from roundtable.extensions import db

PASSWORD = "secret-pass-1"
_numbers = count(1)


def make_user(username: str, community: Community | None = None, role: str = "resident", **kwargs) -> User:
    user = create_user(username, kwargs.pop("display_name", username), PASSWORD, **kwargs)
    if community is not None:
        set_membership(user, community, role)
    return user


def make_case(community: Community, actor: User | None = None, **overrides) -> Case:
    values = dict(
        external_number=f"12345-{next(_numbers):06d}",
        source="hotline",
        category="parking",
        urgency="ordinary",
        description="胡同超时停车,堵塞道路",
        address="西河沿街1号",
        complainant_name="李秀兰",
        complainant_phone="13812345678",
        received_at=utcnow() - timedelta(hours=1),
    )
    values.update(overrides)
    return create_case(community, CaseFields(**values), actor)


@dataclass
class Side:
    """One community and its people and objects."""

    community: Community
    secretary: User
    resident: User
    auditor: User
    case: Case
    topic: Topic
    organization: Organization
    extra: dict = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    department: Department
    department_staff: User
    organization_staff: User


def make_side(street, name: str, prefix: str) -> Side:
    community = create_community(street, name)
    secretary = make_user(f"{prefix}_secretary", community, "secretary")
    resident = make_user(f"{prefix}_resident", community, "resident")
    auditor = make_user(f"{prefix}_auditor", community, "auditor")
    topic = create_topic(community, f"{name}停车议题")
    case = make_case(community, secretary, description=f"{name}的超时停车问题")
    case.topic_id = topic.id
    organization = create_organization(community, f"{name}物业", "property_manager")
    return Side(community, secretary, resident, auditor, case, topic, organization)


def build_world() -> World:
    street = get_or_create_street("大栅栏街道", "西城区")
    a = make_side(street, "西河沿社区", "a")
    b = make_side(street, "东河沿社区", "b")
    department = create_department("区交通支队")
    department_staff = make_user("traffic_staff")
    add_department_member(department_staff, department)
    organization_staff = make_user("a_property_staff")
    add_organization_member(organization_staff, a.organization)
    db.session.commit()
    return World(a, b, department, department_staff, organization_staff)


def make_contacted_case(community: Community, actor: User, **overrides) -> Case:
    """A case whose complainant was reached: the state a case must be in to go before a meeting."""
    from roundtable.cases.operations import change_status

    case = make_case(community, actor, **overrides)
    change_status(case, "contacted", actor, "已联系诉求人")
    return case


def make_meeting(community: Community, secretary: User, *, cases=(), agenda=("情况介绍",), status="draft", **overrides):
    """A meeting of ``community`` tomorrow, hosted by ``secretary``; ``status='scheduled'`` schedules it."""
    from roundtable.meetings.operations import AgendaFields, MeetingFields, add_agenda_item, create_meeting, transition_meeting

    values = dict(
        title="西河沿街超时停车圆桌会议",
        starts_at=utcnow() + timedelta(days=1),
        host_id=secretary.id,
        venue="社区小广场石桌旁",
        case_ids=[case.id for case in cases],
    )
    values.update(overrides)
    meeting = create_meeting(community, MeetingFields(**values), secretary)
    for title in agenda:
        add_agenda_item(meeting, AgendaFields(title=title))
    if status == "scheduled":
        transition_meeting(meeting, "scheduled", secretary)
    return meeting


# --- resolutions: a concluded overtime-parking roundtable -------------------------------------


@dataclass
class ConcludedMeeting:
    """The 西河沿 roundtable of the article, concluded: two cases, residents, 交通支队, 物业, one vote."""

    meeting: object
    cases: list
    residents: list  # invitations: a_resident (consented to be named), then two guests
    department: object  # the 区交通支队 invitation
    organization: object  # the property manager's invitation
    poll: object


def make_concluded_meeting(world: World, *, yes: int = 2, no: int = 1, secret: bool = False,
                           speeches: bool = False, hide_one: bool = False, conclude: bool = True) -> ConcludedMeeting:
    """Held with the demo's own builder (roundtable/demo/builder.py), up to 'concluded'."""
    from roundtable.demo.builder import MeetingBuilder
    from roundtable.meetings.operations import AgendaFields, MeetingFields

    a = world.a
    cases = [
        make_contacted_case(a.community, a.secretary, description="西河沿街超时停车,接老人看病被拍"),
        make_contacted_case(a.community, a.secretary, description="胡同超时停车堵路"),
    ]
    held = MeetingBuilder(a.community, a.secretary)
    meeting = held.prepare(
        MeetingFields(title="西河沿街超时停车圆桌会议", starts_at=utcnow() + timedelta(days=1), host_id=a.secretary.id,
                      venue="社区小广场石桌旁", case_ids=[case.id for case in cases]),
        [AgendaFields(title="超时停车现状"), AgendaFields(title="提醒与证明办法")],
    )
    resident = held.invite_resident(a.resident, consent_to_name=True)
    guests = [held.invite_guest(name, phone) for name, phone in (("张阿姨", "13900000001"), ("王师傅", "13900000002"))]
    department = held.summon(world.department, world.department_staff, utcnow() + timedelta(hours=12))
    organization = held.invite_organization(a.organization, world.organization_staff)
    held.schedule()
    held.report_in(department, "交通支队民警")
    voters = [resident, *guests]
    held.open((*voters, department, organization))
    held.say(guests[0], "oppose", "超时停车被拍一次就扣3分,罚200元,接老人看病不该罚")
    held.say(guests[1], "support", "胡同堵了出门不痛快,应该处罚")
    held.say(department, "neutral", "可以加强街面巡查提醒")
    if hide_one:
        held.hide(held.say(guests[1], "concern", "不文明的话"))
    if speeches:  # two speakers in turn: 张阿姨, then the 交通支队
        held.speak(guests[0], "oppose")
        held.speak(department, "other")
    motion = held.move(guests[0], resident, "加强巡查提醒;接老人看病等特殊情况由社区出具证明免予处罚")
    poll = held.vote(motion, zip(voters, ["yes"] * yes + ["no"] * no), secret=secret)
    if conclude:
        held.conclude()
    db.session.commit()
    return ConcludedMeeting(meeting, cases, voters, department, organization, poll)
