"""Demo meeting: 张晨茜's roundtable on overtime parking in 西河沿街, as in the article.

Tomorrow 15:00 at the stone table of the community square; the traffic police
and the street enforcement team are summoned, and the traffic police have
already reported in, so the meeting page shows both states.

It links case 12345-2026110001 only: 12345-2026110002 (接老人看病) was settled at
the earlier roundtable whose resolution roundtable/demo/resolution.py publishes,
which moves that case to 「已定方案」, where it no longer goes before a meeting.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from roundtable.core.time import LOCAL_TZ, as_utc, utcnow
from roundtable.demo.builder import MeetingBuilder
from roundtable.meetings.operations import AgendaFields, MeetingFields

AGENDA = (
    ("情况通报:西河沿街单行禁停与超时停车", 10, "12345-2026110001"),
    ("接老人看病等特殊情况停车:上次决议的落实情况", 20, None),
    ("形成共识:巡查提醒与社区证明", 15, None),
)


def seed_demo_meeting(seeded: dict) -> None:
    community, people, cases = seeded["community"], seeded["people"], seeded["cases"]
    secretary = people["zhangcx"]
    tomorrow = datetime.now(LOCAL_TZ).date() + timedelta(days=1)
    starts_at = as_utc(datetime.combine(tomorrow, time(15, 0)))
    parking = [cases["12345-2026110001"]]
    held = MeetingBuilder(community, secretary)
    by_number = {case.external_number: case.id for case in parking}
    held.prepare(
        MeetingFields(
            title="西河沿街超时停车圆桌会议",
            starts_at=starts_at,
            host_id=secretary.id,
            venue="社区小广场石桌旁",
            duration_minutes=60,
            description="居民、区交通支队、街道执法小分队和物业一起商量超时停车与特殊情况停车。",
            topic_id=seeded["topic"].id,
            case_ids=[case.id for case in parking],
        ),
        [AgendaFields(title=title, minutes=minutes, case_id=by_number.get(number)) for title, minutes, number in AGENDA],
    )
    held.schedule()
    for username in ("lixiulan", "wangjianguo", "zhaoshufen"):
        held.invite_resident(people[username])
    held.invite_guest("周大爷(12号院)", "13911112222")
    due = min(starts_at - timedelta(hours=2), utcnow() + timedelta(hours=20))
    traffic = held.summon(seeded["departments"]["区交通支队"], people["jiaotong"], due)
    held.summon(seeded["departments"]["街道执法小分队"], people["zhifa"], due)
    held.invite_organization(seeded["property_manager"], people["wuye"])
    held.report_in(traffic, "刘警官")
