"""Demo resolution: the roundtable on parking to take elderly people to hospital, held and published.

As in the article, 张晨茜 "blew the whistle" for 区交通支队, 街道执法小分队 and the
property manager; residents and units agreed that (1) street patrols remind
drivers to leave early, and (2) when a car waiting for an elderly person's
hospital visit is photographed overstaying, the community Party committee
certifies it and no penalty is imposed. The meeting is concluded, its
resolution published by the render job, so the PDF, its SHA-256, /verify and
the case timeline of 12345-2026110002 (now 「已定方案」) all show the whole flow.

The meeting is held with ``roundtable/demo/builder.py``, the builder the tests'
factories use: the same operations as the pages and the live namespace, each
under the person who would do it (``acting_as``), so the audit trail reads like
the real meeting.
"""
from __future__ import annotations

import os
from datetime import datetime, time, timedelta

from roundtable.audit.actor import acting_as
from roundtable.core.time import LOCAL_TZ, as_utc, utcnow
from roundtable.demo.builder import MeetingBuilder
from roundtable.extensions import db
from roundtable.jobs.models import Job
from roundtable.jobs.registry import load_handler_modules
from roundtable.jobs.worker import run_one
from roundtable.meetings.operations import AgendaFields, MeetingFields
from roundtable.resolutions import operations

CASE_NUMBER = "12345-2026110002"
TITLE = "接老人看病临时停车圆桌会议"
VENUE = "社区小广场石桌旁"
HELD_DAYS_AGO = 5
LASTED_MINUTES = 50  # "「圆桌会议」没到一个钟头就结束了"

AGENDA = (
    ("情况通报:接老人看病临时停车超时被拍", 10, CASE_NUMBER),
    ("商量办法:巡查提醒与特殊情况证明", 30, None),
)

# (username, stance, text), posted on the first agenda item
POSITIONS = (
    ("lixiulan", "support", "胡同超时停车,把路都堵了,应该处罚!"),
    ("wangjianguo", "oppose",
     "超时停车被拍一次就扣3分,罚200元,要不是真有事,谁会愿意停那么长时间?我觉得还是以加强提醒和巡查为主。"),
    ("jiaotong", "neutral", "可以加强街面巡查,发现超时停车及时提醒车主尽早驶离。"),
    ("zhifa", "neutral", "接老人看病等特殊情况,有社区党委出具的证明,可以协商免予处罚。"),
)

MOTION = "加强街面巡查,提醒车主尽早驶离;接老人看病等特殊情况超时停车被拍的,由社区党委出具证明,免予处罚。"

# One point per line; the document numbers them.
AGREED_POINTS = (
    "加强街面巡查,提醒车主尽早驶离。\n"
    "与街道交通执法部门协商后,对接老人看病等特殊情况,如果停车超时被拍,社区党委可出具相关证明,免予处罚。"
)

# (department or organization name, action, days to deadline, staff who confirm)
COMMITMENTS = (
    ("区交通支队", "加强街面巡查,提醒车主尽早驶离", 30, "jiaotong"),
    ("西河沿物业服务中心", "在胡同口设置提示牌,协助巡查提醒", 14, "wuye"),
    ("街道执法小分队", "对接老人看病等特殊情况,凭社区证明免予处罚", 30, "zhifa"),
)


def _held_at(received_at: datetime) -> datetime:
    """15:00 local, five days ago; later that day if the case had not come in by then."""
    day = datetime.now(LOCAL_TZ).date() - timedelta(days=HELD_DAYS_AGO)
    held = as_utc(datetime.combine(day, time(15, 0)))
    if held < received_at + timedelta(hours=1):
        held = (received_at + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    return held


def _hold_meeting(seeded: dict):
    """Prepare, schedule, run and conclude the roundtable (with the tests' own builder); return the meeting."""
    community, people, departments = seeded["community"], seeded["people"], seeded["departments"]
    secretary = people["zhangcx"]
    case = seeded["cases"][CASE_NUMBER]

    held = MeetingBuilder(community, secretary)
    # Scheduling refuses a time in the past (and summons need a future reply-by
    # time), so the meeting is prepared for the near future like any other;
    # its times are moved back to when it was held once it has concluded (below).
    meeting = held.prepare(
        MeetingFields(
            title=TITLE,
            starts_at=utcnow() + timedelta(hours=2),
            host_id=secretary.id,
            kind="roundtable",
            venue=VENUE,
            duration_minutes=60,
            description="接老人看病、搬家等临时停车超时被拍怎么办:居民、区交通支队、街道执法小分队和物业一起商量。",
            topic_id=seeded["topic"].id,
            case_ids=[case.id],
        ),
        [AgendaFields(title=title, minutes=minutes, case_id=case.id if number else None)
         for title, minutes, number in AGENDA],
    )
    held.schedule()
    # 赵淑芬 agreed to be named in the published resolution; the others appear as 居民1, 居民2.
    residents = {name: held.invite_resident(people[name], consent_to_name=name == "zhaoshufen")
                 for name in ("lixiulan", "wangjianguo", "zhaoshufen")}
    due = utcnow() + timedelta(hours=1)
    summoned = {
        "jiaotong": held.summon(departments["区交通支队"], people["jiaotong"], due),
        "zhifa": held.summon(departments["街道执法小分队"], people["zhifa"], due),
    }
    property_manager = held.invite_organization(seeded["property_manager"], people["wuye"])
    held.report_in(summoned["jiaotong"], "刘警官")
    held.report_in(summoned["zhifa"], "陈队长")

    seats = {**residents, **summoned, "wuye": property_manager}
    held.open(seats.values())
    for username, stance, text in POSITIONS:
        held.say(seats[username], stance, text)
    held.next_item()
    motion = held.move(seats["wangjianguo"], seats["zhaoshufen"], MOTION)
    # 各方最终达成一致: all three vote yes
    held.vote(motion, [(invitation, "yes") for invitation in residents.values()], key_prefix="demo")
    held.conclude()

    # The demo shows a meeting held five days ago, but the operations stamp "now"
    # and refuse past times for scheduling. Only the meeting's own times are moved
    # back, on the model, before the resolution copies them; the trail records this
    # change under "seed-demo". Check-ins, votes and case events keep the seeding time.
    with acting_as("seed-demo"):
        meeting.starts_at = _held_at(case.received_at)
        meeting.started_at = meeting.starts_at
        meeting.ended_at = meeting.starts_at + timedelta(minutes=LASTED_MINUTES)
        db.session.flush()
    return meeting


def _publish(seeded: dict, meeting) -> None:
    """Draft, have every unit confirm its commitment, queue the rendering and run it here."""
    people, departments = seeded["people"], seeded["departments"]
    secretary = people["zhangcx"]
    units = {name: f"department:{department.id}" for name, department in departments.items()}
    units[seeded["property_manager"].name] = f"organization:{seeded['property_manager'].id}"

    with acting_as(secretary):
        resolution = operations.start_resolution(meeting, secretary)
        operations.update_resolution(resolution, f"{TITLE}决议", AGREED_POINTS)
        for unit, action, days, _staff in COMMITMENTS:
            fields = operations.CommitmentFields(units[unit], action, utcnow() + timedelta(days=days))
            operations.add_commitment(resolution, fields)
        operations.send_for_confirmation(resolution)
    for commitment, (_unit, _action, _days, staff) in zip(resolution.commitments, COMMITMENTS, strict=True):
        with acting_as(people[staff]):
            operations.confirm_commitment(commitment, people[staff])
    with acting_as(secretary):
        # The address `make run` serves, for the QR code, unless PUBLIC_BASE_URL says otherwise.
        base_url = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}/"
        job = operations.request_publication(resolution, secretary, "", base_url)

    # The worker's own step, run synchronously: seed-demo is a process of its own,
    # never the web server. run_one commits (the claim, the result), so this
    # seeder runs last, after everything else of the demo is in the session.
    load_handler_modules()
    ran = run_one()
    db.session.expire_all()
    job = db.session.get_one(Job, job.id)
    if ran != job.id or job.status != "done":
        raise RuntimeError(f"示例决议未能发布:任务{job.id}为「{job.status}」{job.error or ''}")


def seed_demo_resolution(seeded: dict) -> None:
    """The earlier roundtable on case 12345-2026110002, concluded, with its resolution published."""
    _publish(seeded, _hold_meeting(seeded))
