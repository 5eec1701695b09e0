"""Demo: five months of 西河沿社区's cases with their follow-ups (回访), so the 三率 dashboard has real figures.

Without them the dashboard opened on the current month with one case and every
resolution and satisfaction rate "—". The cases follow the article's problems
(overtime parking in the one-way 西河沿街, the night noise of the mechanical
garage, the potholed 30 metres of road at 黄寺大街24号院, the old wiring of
双旗杆东里, stacked corridors and late rubbish collection), each walked through
the case desk's own operations — dispatched, contacted, replied, closed,
followed up — and then dated back to when it happened, timeline included.
A few are followed up in the current month, so the page a newcomer opens first
has resolution and satisfaction rates too.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from roundtable.archive.dashboard import month_span, previous_months
from roundtable.cases.models import Case
from roundtable.cases.operations import assign_department, change_status, create_case, record_follow_up
from roundtable.cases.validation import CaseFields
from roundtable.core.time import format_local, utcnow
from roundtable.extensions import db

# (category, urgency, responsible department, description, address)
PROBLEMS = (
    ("parking", "ordinary", "区交通支队", "西河沿街单行禁停,晚上有车超时停车把胡同堵死,救护车进不来。", "西城区大栅栏街道西河沿街中段"),
    ("noise", "complex", "区生态环境局", "地下机械车库夜里进出车噪声大,老人睡不着觉。", "西城区大栅栏街道西河沿街18号楼"),
    ("roads", "complex", "区城管委", "胡同口路面坑洼,下雨积水,老人推车过不去。", "西城区大栅栏街道西河沿街西口"),
    ("power", "utilities", "区房管局", "老楼线路老化,晚上用电高峰跳闸停电。", "西城区大栅栏街道西河沿街7号院"),
    ("property", "ordinary", "区房管局", "楼道里堆满杂物,消防通道不畅。", "西城区大栅栏街道西河沿街9号楼"),
    ("sanitation", "ordinary", "区城管委", "垃圾桶满了没人清运,夏天有异味。", "西城区大栅栏街道西河沿街垃圾分类驿站"),
    ("parking", "ordinary", "街道执法小分队", "接送孩子临时停车被贴条,希望有临时停车的办法。", "西城区大栅栏街道西河沿街小学门口"),
)
PEOPLE = ("赵淑芬", "钱志强", "孙秀英", "周建华", "吴桂兰", "郑国庆", "王秀珍", "冯德福")
CASES_PER_MONTH = 6
MONTHS = 5


def _verdict(month_index: int, number: int) -> tuple[bool, bool, bool]:
    """(contacted on time, resolved, satisfied): the street gets better month by month, as in the article."""
    on_time = (number + month_index) % 6 != 0
    resolved = (number * (month_index + 1)) % 5 not in (3,) or month_index >= 4
    satisfied = resolved and (number + 2 * month_index) % 4 != 1
    return on_time, resolved, satisfied


def _walk(case: Case, secretary, departments, department: str, steps: list[tuple[str, datetime]],
          verdict: tuple[bool, bool] | None, followed_up_at: datetime | None) -> None:
    """Take the case through the desk's operations, then date each step back to ``when``."""
    assign_department(case, departments[department], secretary)
    case.events[-1].at = steps[0][1]
    notes = {"dispatched": f"派至{department}", "contacted": "已电话联系诉求人", "replied": "已答复诉求人办理结果"}
    for status, when in steps:
        event = change_status(case, status, secretary, notes.get(status, ""))
        event.at = when
        if status == "contacted":
            case.first_contacted_at = when
        if status.startswith("closed_"):
            case.closed_at = when
    if verdict is not None and followed_up_at is not None:
        record_follow_up(case, secretary, *verdict, note="电话回访")
        case.followed_up_at = followed_up_at
        case.events[-1].at = followed_up_at


def seed_demo_case_history(seeded: dict) -> None:
    """Add the past five months of cases and this month's follow-ups to the demo community."""
    community, secretary, departments = seeded["community"], seeded["people"]["zhangcx"], seeded["departments"]
    now = utcnow()
    this_month = format_local(now, "%Y-%m")
    months = previous_months(this_month, MONTHS + 1)[:-1]  # the five months before this one
    serial = 0
    for month_index, month in enumerate(months):
        start, end = month_span(month)
        for number in range(CASES_PER_MONTH):
            serial += 1
            category, urgency, department, description, address = PROBLEMS[(serial * 3 + month_index) % len(PROBLEMS)]
            received = start + (end - start) * (number + 0.5) / (CASES_PER_MONTH + 1)
            on_time, resolved, satisfied = _verdict(month_index, number)
            # The last case of the latest month is followed up this month: the first page has rates.
            last = month_index == len(months) - 1 and number >= CASES_PER_MONTH - 2
            this_start, _ = month_span(this_month)
            follow_up = (this_start + (now - this_start) * (0.3 if number % 2 else 0.6)) if last \
                else received + timedelta(days=9)
            _file(community, secretary, departments, serial, month, category, urgency, department,
                  description, address, received, on_time, (resolved, satisfied), follow_up)
    # Two cases of this month already answered and followed up (unless the month is minutes old).
    this_start, _ = month_span(this_month)
    elapsed = now - this_start
    for number in range(2 if elapsed > timedelta(hours=1) else 0):
        serial += 1
        category, urgency, department, description, address = PROBLEMS[(serial + number) % len(PROBLEMS)]
        received = this_start + elapsed * (0.05 + 0.1 * number)
        _file(community, secretary, departments, serial, this_month, category, "emergency" if number else urgency,
              department, description, address, received, True, (True, number == 0), this_start + elapsed * 0.8)
    db.session.flush()


def _file(community, secretary, departments, serial, month, category, urgency, department, description, address,
          received, on_time, verdict, follow_up_wish) -> None:
    fields = CaseFields(
        external_number=f"12345-{month.replace('-', '')}{serial + 100:04d}", source="hotline",
        category=category, urgency=urgency, description=description, address=address,
        complainant_name=PEOPLE[serial % len(PEOPLE)], complainant_phone=f"1391000{serial:04d}", received_at=received,
    )
    case = create_case(community, fields, secretary)
    case.events[0].at = received
    contacted, replied, closed, follow_up = _timeline(received, case.due_at, on_time, follow_up_wish)
    steps = [("dispatched", received + (contacted - received) * 0.2), ("contacted", contacted),
             ("replied", replied), ("closed_resolved" if verdict[0] else "closed_unresolved", closed)]
    _walk(case, secretary, departments, department, steps, verdict, follow_up)


def _timeline(received: datetime, due: datetime, on_time: bool, follow_up_wish: datetime):
    """Contact (before or after the deadline), reply, close and follow up, all in the past and in order.

    The follow-up is never before ``follow_up_wish`` unless the whole story has to be
    squeezed into the time that has passed since the case came in.
    """
    window = due - received
    contacted = received + (window * 0.3 if on_time else window * 1.2)
    replied = contacted + timedelta(days=2)
    closed = replied + timedelta(hours=12)
    follow_up = max(follow_up_wish, closed + timedelta(hours=1))
    latest = utcnow() - timedelta(minutes=5)
    if follow_up > latest:
        scale = (latest - received) / (follow_up - received)
        contacted, replied, closed, follow_up = (received + (moment - received) * scale
                                                 for moment in (contacted, replied, closed, follow_up))
    return contacted, replied, closed, follow_up
