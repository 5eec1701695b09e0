"""Demo data from the 接诉即办 article, so a newcomer sees a real community and real cases.

大栅栏街道西河沿社区: secretary 张晨茜 blew the whistle on overtime parking in the
one-way 西河沿街; the article's other cases (the noisy mechanical garage under
圣都大厦, the 30-metre road of three property-rights units at 黄寺大街24号院, the
old wiring of 双旗杆东里) are filed here too, grouped under one topic.
"""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from roundtable.archive.demo import seed_demo_case_history
from roundtable.auth.models import User
from roundtable.auth.operations import create_user
from roundtable.cases.operations import change_status, create_case, create_topic
from roundtable.cases.validation import CaseFields
from roundtable.communities.models import Street
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
from roundtable.demo.meeting import seed_demo_meeting
from roundtable.demo.resolution import seed_demo_resolution
from roundtable.extensions import db

DEMO_PASSWORD = "demo12345"

DEPARTMENTS = ("区交通支队", "街道执法小分队", "区房管局", "区生态环境局", "区市场监管局", "区城管委")

# (username, display name, where, role or unit)
DEMO_PEOPLE = (
    ("admin", "系统管理员", "admin", None),
    ("zhangcx", "张晨茜", "community", "secretary"),
    ("lixiulan", "李秀兰", "community", "resident"),
    ("wangjianguo", "王建国", "community", "resident"),
    ("zhaoshufen", "赵淑芬", "community", "resident"),
    ("auditor", "街道审计员", "community", "auditor"),
    ("jiaotong", "区交通支队 刘警官", "department", "区交通支队"),
    ("zhifa", "执法小分队 陈队长", "department", "街道执法小分队"),
    ("fangguan", "区房管局 孙科长", "department", "区房管局"),
    ("wuye", "西河沿物业 周经理", "organization", "西河沿物业服务中心"),
    ("dubao", "街道督办 吴主任", "street", None),
)

DEMO_CASES = (
    {
        "external_number": "12345-2026110001",
        "category": "parking",
        "urgency": "ordinary",
        "description": "西河沿街是单行禁停街巷,经常有车辆超时停车,把路都堵了,出门很不方便,希望加强管理。",
        "address": "西城区大栅栏街道西河沿街东口",
        "complainant_name": "李秀兰",
        "complainant_phone": "13812345678",
        "days_ago": 6,
        "status": "contacted",
    },
    {
        "external_number": "12345-2026110002",
        "category": "parking",
        "urgency": "ordinary",
        "description": "接老人看病临时停车超时被拍,扣3分罚200元,希望对特殊情况有个说法。",
        "address": "西城区大栅栏街道西河沿街12号院",
        "complainant_name": "王建国",
        "complainant_phone": "13987654321",
        "days_ago": 5,
        "status": "contacted",
    },
    {
        "external_number": "12345-2026110003",
        "category": "noise",
        "urgency": "complex",
        "description": "圣都大厦地下垂直升降式机械车库24小时运营,夜间进出车声响很大,家中有心脏支架病人,严重影响休息。",
        "address": "西城区白纸坊街道圣都大厦3层",
        "complainant_name": "杨先生",
        "complainant_phone": "13700001111",
        "days_ago": 4,
        "status": "dispatched",
    },
    {
        "external_number": "12345-2026110004",
        "category": "roads",
        "urgency": "complex",
        "description": "小区大门西侧非机动车道坑洼有坡,晴天坑洼不平、雨天积水难行;道路三十来米,涉及三家产权单位。",
        "address": "西城区德胜街道黄寺大街24号院西侧",
        "complainant_name": "张阿姨",
        "complainant_phone": "13600002222",
        "days_ago": 20,
        "status": "received",
    },
    {
        "external_number": "12345-2026110005",
        "category": "power",
        "urgency": "utilities",
        "description": "双旗杆东里12-15号楼建成于1995年,一直是临时电,电路老化,8月以来多次停电。",
        "address": "西城区德胜街道双旗杆东里13号楼",
        "complainant_name": "刘女士",
        "complainant_phone": "13500003333",
        "days_ago": 2,
        "status": "received",
    },
)


def seed_demo() -> dict:
    """Create the demo street, community, people and cases; return what a later step needs."""
    street = get_or_create_street("大栅栏街道", district="西城区")
    community = create_community(street, "西河沿社区")
    departments = {name: create_department(name) for name in DEPARTMENTS}
    property_manager = create_organization(community, "西河沿物业服务中心", "property_manager")
    for unit in ("黄寺大街24号院产权单位甲", "黄寺大街24号院产权单位乙", "黄寺大街24号院产权单位丙"):
        create_organization(community, unit, "property_rights")

    people: dict[str, User] = {}
    for username, name, where, what in DEMO_PEOPLE:
        user = create_user(username, name, DEMO_PASSWORD, is_admin=(where == "admin"))
        if where == "community":
            set_membership(user, community, what)
        elif where == "department":
            add_department_member(user, departments[what])
        elif where == "organization":
            add_organization_member(user, property_manager)
        elif where == "street":
            from roundtable.escalation.operations import add_supervisor

            add_supervisor(user, street.id)
        people[username] = user

    secretary = people["zhangcx"]
    topic = create_topic(
        community,
        "胡同停车与出行",
        "单行禁停街巷的超时停车、特殊情况停车与道路通行问题。",
        theme_month=utcnow().strftime("%Y-%m"),
    )
    cases = {}
    now = utcnow()
    for spec in DEMO_CASES:
        spec = dict(spec)
        days_ago, status = spec.pop("days_ago"), spec.pop("status")
        fields = CaseFields(source="hotline", received_at=now - timedelta(days=days_ago), **spec)
        case = create_case(community, fields, secretary)
        if status in ("dispatched", "contacted"):
            change_status(case, "dispatched", secretary, "派至西河沿社区")
        if status == "contacted":
            change_status(case, "contacted", secretary, "已电话联系诉求人,约定召开圆桌会议")
        if spec["category"] in ("parking", "roads"):
            case.topic_id = topic.id
        cases[spec["external_number"]] = case
    db.session.flush()
    return {
        "street": street,
        "community": community,
        "departments": departments,
        "property_manager": property_manager,
        "people": people,
        "topic": topic,
        "cases": cases,
    }


from roundtable.funds.demo import seed_demo_certificates, seed_demo_fund  # noqa: E402 - funds.demo imports this module's seeding helpers


def run_demo_seeders(seeded: dict) -> None:
    """Later domains add their demo data here (meetings, resolutions...)."""
    for seeder in DEMO_SEEDERS:
        seeder(seeded)


# The resolution seeder runs last: publishing runs the render job, which commits.
# The fund and certificate seeders need the published resolution, so they come after it.
# The case history comes first: it only adds cases, and the later seeders commit.
DEMO_SEEDERS: list = [seed_demo_case_history, seed_demo_meeting, seed_demo_resolution, seed_demo_fund,
                      seed_demo_certificates]


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
@with_appcontext
def seed_demo_command(if_empty: bool):
    """Load the demo community from the 接诉即办 article."""
    if db.session.scalar(select(Street.id).limit(1)) is not None:
        if if_empty:
            click.echo("database already has data; demo not loaded")
            return
        raise click.ClickException("the database already has data; use an empty database for the demo")
    seeded = seed_demo()
    run_demo_seeders(seeded)
    db.session.commit()
    click.echo("demo data loaded: 大栅栏街道西河沿社区")


@click.command("demo-logins")
@with_appcontext
def demo_logins_command():
    """Print the demo accounts (when the demo data is loaded)."""
    users = {u.username: u for u in db.session.scalars(select(User))}
    if "zhangcx" not in users or not users["zhangcx"].check_password(DEMO_PASSWORD):
        return
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for username, name, _where, _what in DEMO_PEOPLE:
        click.echo(f"  {username:<12} {name}")
    click.echo("")
