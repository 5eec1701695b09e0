"""Demo data of 居民说了算 and 社区证明, from the article: the fund for the space left after illegal
structures were demolished (石老娘议事厅), and the parking certificate the 接老人看病 resolution promised.

Kept apart from the other demo seeders; both run after the resolution seeder (they need its
published resolution)."""
from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from roundtable.audit.actor import acting_as
from roundtable.certificates import operations as certificates
from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.funds import operations as funds
from roundtable.jobs.operations import enqueue
from roundtable.jobs.registry import load_handler_modules
from roundtable.jobs.worker import run_one
from roundtable.resolutions.models import Resolution

DEMO_PROPOSALS = (
    ("lixiulan", "拆违后空地建休闲座椅和凉亭", "拆违后腾出的空地,给老人们歇脚、下棋。", "18000", "西河沿街拆违后空地"),
    ("wangjianguo", "拆违后空地种花草、设小菜园", "居民认领,一起打理,把空地变成绿地。", "12000", "西河沿街拆违后空地"),
    ("zhaoshufen", "空地加装路灯和监控", "晚上出门的老人多,空地太黑。", "25000", "西河沿街拆违后空地"),
    ("lixiulan", "楼道堆物清理后粉刷", "和空地一起,把楼道也收拾干净。", "8000", "西河沿街8号楼"),
)


def seed_demo_fund(seeded: dict[str, Any]) -> None:
    """党建服务群众经费 of 50,000 yuan with the residents' proposals, three accepted, and a period vote open."""
    people, community = seeded["people"], seeded["community"]
    secretary = people["zhangcx"]
    year = local(utcnow()).year
    with acting_as(secretary):
        fund = funds.create_fund(community.id, funds.FundFields(
            "党建服务群众经费", "50000", date(year, 1, 1), date(year, 12, 31), "街道党建项目服务群众经费"), secretary)
    proposals = []
    for username, title, description, cost, place in DEMO_PROPOSALS:
        with acting_as(people[username]):
            proposals.append(funds.submit_proposal(fund, funds.ProposalFields(title, description, cost, place), people[username]))
    with acting_as(secretary):
        for proposal in proposals[:3]:
            funds.review_proposal(proposal, "accepted", secretary)
        funds.review_proposal(proposals[3], "declined", secretary, "楼道粉刷由物业维修资金负责,不占用本经费。")
        vote = funds.create_vote(fund, funds.VoteFields(
            "period", "approval", "equal_shares", True, 2, 10, utcnow() - timedelta(hours=1), utcnow() + timedelta(days=7)), secretary)
        funds.open_period_vote(vote)
    db.session.flush()


def seed_demo_certificates(seeded: dict[str, Any]) -> None:
    """The parking certificate kind on the published 接老人看病 resolution, checked by 区交通支队, and one request."""
    people, community = seeded["people"], seeded["community"]
    secretary = people["zhangcx"]
    resolution = db.session.scalar(select(Resolution).where(
        Resolution.community_id == community.id, Resolution.status == "published").order_by(Resolution.id))
    if resolution is None:
        return
    traffic = seeded["departments"].get("区交通支队")
    clause = next((point for point in resolution.points if "证明" in point), resolution.points[0] if resolution.points else "")
    with acting_as(secretary):
        kind = certificates.authorise_kind(resolution, certificates.KindFields(
            "接老人看病超时停车证明", clause or "对接老人看病等特殊情况,如果停车超时被拍,社区党委可出具相关证明,免予处罚。",
            "本社区居民,接送老人就医时在西河沿街临时停车超时的", "兹证明该车辆在上述时间段内因接送老人就医在西河沿街临时停放,特此证明。",
            1, True, traffic.id if traffic else None,
        ), secretary)
    start = utcnow() - timedelta(hours=2)
    with acting_as(people["wangjianguo"]):
        issued = certificates.request_certificate(kind, certificates.RequestFields(
            "王建国", "京A52866", start, start + timedelta(hours=2), "送母亲去复兴医院看病"), people["wangjianguo"], None)
    with acting_as(people["zhaoshufen"]):
        certificates.request_certificate(kind, certificates.RequestFields(
            "赵淑芬", "京B37021", utcnow() + timedelta(hours=20), utcnow() + timedelta(hours=23), "明早陪老伴去医院复查"),
            people["zhaoshufen"], None)
    with acting_as(secretary):
        certificates.issue(issued, secretary)
        base_url = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}/"
        job = enqueue("render_certificate", {"certificate_id": issued.id, "base_url": base_url}, community_id=community.id)
        issued.pdf_job_id = job.id
    db.session.flush()
    # The worker's step, run here as the resolution seeder does (run_one commits).
    load_handler_modules()
    run_one()
    db.session.expire_all()
