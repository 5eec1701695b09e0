"""Verbs of the fund: create, propose, review, run the budget vote, count it, hand it to a resolution.

Each raises OperationError before changing anything and flushes, never commits.
"""
from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update

from roundtable.auth.models import User
from roundtable.communities.models import Membership
from roundtable.core.errors import Conflict, NotFound, OperationError
from roundtable.core.http import TOKEN_MAX_LENGTH
from roundtable.core.ids import random_id
from roundtable.core.sql import rows_changed
from roundtable.core.time import utcnow
from roundtable.core.uploads import looks_like_image
from roundtable.extensions import db
from roundtable.funds import rules
from roundtable.funds.models import (
    ACCEPTED,
    CLOSED,
    DECLINED,
    DRAFT,
    HANDED_OFF,
    LIVE,
    MERGED,
    MODES,
    OPEN,
    ORIGINS,
    PERIOD,
    BudgetBallot,
    BudgetSealedBallot,
    BudgetVote,
    BudgetVoter,
    Fund,
    Proposal,
)
from roundtable.live import secret_ballots

if TYPE_CHECKING:
    from roundtable.live.models import Poll
    from roundtable.meetings.models import Meeting
    from roundtable.resolutions.models import Resolution

MAX_AMOUNT_FEN = 100_000_000_00  # 1 亿元: far above any community fund, far below overflow
MAX_PROJECTS = 20
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MAX = 3 * 1024 * 1024


def yuan_to_fen(text: str | Decimal | int | None) -> int:
    """"1200.50" → 120050 (exact: Decimal, never float); refuses more than two decimals."""
    try:
        amount = Decimal(str(text).strip().replace(",", "").replace("，", "")) if text is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise OperationError("金额格式不正确,请填写数字,如 1200 或 1200.50。")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise OperationError("金额最多精确到分。")
    if fen <= 0:
        raise OperationError("金额须大于零。")
    if fen > MAX_AMOUNT_FEN:
        raise OperationError("金额过大。")
    return int(fen)


def fen_to_yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    yuan, cents = divmod(int(fen), 100)
    return f"{yuan:,}" if cents == 0 else f"{yuan:,}.{cents:02d}"


def _text(value: str | None, limit: int, empty_message: str | None = None) -> str:
    value = (value or "").strip()
    if empty_message and not value:
        raise OperationError(empty_message)
    if len(value) > limit:
        raise OperationError("填写的内容过长。")
    return value


# ------------------------------------------------------------------ fund

@dataclass
class FundFields:
    name: str
    amount: str
    period_start: date | None
    period_end: date | None
    source: str


def create_fund(community_id: int, fields: FundFields, actor: User) -> Fund:
    name = _text(fields.name, 100, "请填写经费名称。")
    amount = yuan_to_fen(fields.amount)
    if fields.period_start is None or fields.period_end is None:
        raise OperationError("请填写经费的使用期间。")
    if fields.period_end < fields.period_start:
        raise OperationError("使用期间的结束日期不能早于开始日期。")
    fund = Fund(
        community_id=community_id, name=name, amount_fen=amount, period_start=fields.period_start,
        period_end=fields.period_end, source=_text(fields.source, 200), created_by_id=actor.id,
    )
    db.session.add(fund)
    db.session.flush()
    return fund


# ------------------------------------------------------------------ proposals

@dataclass
class ProposalFields:
    title: str
    description: str
    cost: str
    place: str
    photo: bytes | None = None
    photo_type: str | None = None


def _checked_proposal(fund: Fund, fields: ProposalFields) -> dict[str, Any]:
    title = _text(fields.title, 100, "请填写项目名称。")
    cost = yuan_to_fen(fields.cost)
    if cost > fund.amount_fen:
        raise OperationError("项目的估算费用超过了这笔经费的总额。")
    if fields.photo is not None:
        if fields.photo_type not in PHOTO_TYPES or not looks_like_image(fields.photo, fields.photo_type):
            raise OperationError("照片只能是 JPEG、PNG 或 WebP 格式。")
        if len(fields.photo) > PHOTO_MAX:
            raise OperationError("照片不能超过3MB。")
    return {
        "title": title, "description": _text(fields.description, 2000), "cost_fen": cost,
        "place": _text(fields.place, 100),
        "photo": fields.photo or None, "photo_type": fields.photo_type if fields.photo else None,
    }


def _require_open_for_proposals(fund: Fund) -> None:
    if any(vote.state != DRAFT for vote in fund.votes):
        raise OperationError("这笔经费的预算表决已经开始,不再接受新的项目。", code="vote_started")


def submit_proposal(fund: Fund, fields: ProposalFields, proposer: User) -> Proposal:
    """A resident's project from the phone."""
    _require_open_for_proposals(fund)
    proposal = Proposal(fund=fund, community_id=fund.community_id, origin="resident", proposer_id=proposer.id,
                        **_checked_proposal(fund, fields))
    db.session.add(proposal)
    db.session.flush()
    return proposal


def propose_from(fund: Fund, fields: ProposalFields, origin: str, actor: User,
                 case_id: int | None = None, topic_id: int | None = None) -> Proposal:
    """The secretary turns a case or a topic (or the community's own idea) into a proposal."""
    if origin not in ORIGINS or origin == "resident":
        raise OperationError("项目来源无效。")
    from roundtable.cases.models import Case, Topic

    chosen: list[Case | Topic | None] = []
    if case_id is not None:
        chosen.append(db.session.get(Case, case_id))
    if topic_id is not None:
        chosen.append(db.session.get(Topic, topic_id))
    if any(row is None or row.community_id != fund.community_id for row in chosen):
        raise NotFound("找不到所选的诉求或议题。")
    _require_open_for_proposals(fund)
    proposal = Proposal(fund=fund, community_id=fund.community_id, origin=origin, proposer_id=actor.id,
                        case_id=case_id, topic_id=topic_id, **_checked_proposal(fund, fields))
    db.session.add(proposal)
    db.session.flush()
    return proposal


def review_proposal(proposal: Proposal, decision: str, actor: User, reason: str = "",
                    merge_into_id: int | None = None) -> Proposal:
    """Accept for the vote, merge with another proposal of the same fund, or decline with a reason."""
    _require_open_for_proposals(proposal.fund)
    if decision not in (ACCEPTED, MERGED, DECLINED) or not proposal.can_move_to(decision):
        raise OperationError("这个项目已审核,不能再改为该状态。", code="bad_transition")
    if decision == DECLINED:
        proposal.decline_reason = _text(reason, 500, "请写明未采纳的原因,提议人会看到。")
    if decision == MERGED:
        target = db.session.get(Proposal, merge_into_id) if merge_into_id else None
        if target is None or target.fund_id != proposal.fund_id or target.id == proposal.id:
            raise NotFound("请选择同一笔经费中要合并进的项目。")
        if target.state in (MERGED, DECLINED):
            raise OperationError("不能合并进已合并或未采纳的项目。")
        proposal.merged_into_id = target.id
        proposal.decline_reason = _text(reason, 500)
    proposal.state = decision
    proposal.reviewed_by_id = actor.id
    proposal.reviewed_at = utcnow()
    db.session.flush()
    return proposal


# ------------------------------------------------------------------ budget vote

@dataclass
class VoteFields:
    mode: str
    form: str
    rule: str
    secret: bool
    quorum: int
    points: int = 10
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def create_vote(fund: Fund, fields: VoteFields, actor: User) -> BudgetVote:
    """The rule, form, secrecy and quorum are chosen and recorded here, before anyone votes."""
    if any(vote.state in (DRAFT, OPEN) for vote in fund.votes):
        raise Conflict("这笔经费已有一项未结束的预算表决。")
    if fields.mode not in MODES:
        raise OperationError("表决方式无效。")
    if fields.form not in (rules.APPROVAL, rules.POINTS):
        raise OperationError("选票形式无效。")
    if fields.rule not in rules.RULES:
        raise OperationError("计票规则无效。")
    if not 0 <= fields.quorum <= 100_000:
        raise OperationError("最低投票人数不合理。")
    if not 1 <= fields.points <= 100:
        raise OperationError("每人积分须在1到100之间。")
    if fields.mode == PERIOD:
        if fields.opens_at is None or fields.closes_at is None or fields.closes_at <= fields.opens_at:
            raise OperationError("请填写投票开始和截止时间,截止须晚于开始。")
        if fields.closes_at <= utcnow():
            raise OperationError("截止时间须在将来。")
    vote = BudgetVote(
        fund=fund, community_id=fund.community_id, mode=fields.mode, form=fields.form, rule=fields.rule,
        secret=bool(fields.secret), quorum=fields.quorum, points=fields.points,
        opens_at=fields.opens_at if fields.mode == PERIOD else None,
        closes_at=fields.closes_at if fields.mode == PERIOD else None,
        created_by_id=actor.id, state=DRAFT,
    )
    db.session.add(vote)
    db.session.flush()
    return vote


def _ballot_items(vote: BudgetVote) -> list[dict[str, Any]]:
    accepted = [p for p in vote.fund.proposals if p.state == ACCEPTED]
    if not accepted:
        raise OperationError("还没有列入表决的项目,请先审核居民的提议。", code="no_projects")
    if len(accepted) > MAX_PROJECTS:
        raise OperationError("列入表决的项目过多(最多20项)。")
    return [{"proposal_id": p.id, "title": p.title, "cost_fen": p.cost_fen, "option_id": None} for p in accepted]


def open_period_vote(vote: BudgetVote) -> int:
    """Freeze the ballot and give every resident of the community a personal link; returns their number."""
    if vote.mode != PERIOD or not vote.can_move_to(OPEN):
        raise OperationError("这项表决不能再开始。", code="bad_transition")
    vote.items = _ballot_items(vote)
    residents = db.session.scalars(
        select(Membership.user_id).where(Membership.community_id == vote.community_id, Membership.role == "resident")
    ).all()
    if not residents:
        raise OperationError("社区还没有居民账户,无法发放投票链接。")
    for user_id in residents:
        db.session.add(BudgetVoter(vote_id=vote.id, community_id=vote.community_id, user_id=user_id))
    vote.receipt_key = None if vote.secret else secrets.token_hex(32)  # secret receipts: the ballot key
    vote.state = OPEN
    vote.opened_at = utcnow()
    db.session.flush()
    return len(residents)


def open_live_vote(vote: BudgetVote, meeting: Meeting | None, actor: User) -> Poll:
    """Put the accepted projects to the live meeting as a budget poll (live protocol §budget)."""
    from roundtable.live import operations as live

    if vote.mode != LIVE or not vote.can_move_to(OPEN):
        raise OperationError("这项表决不能再开始。", code="bad_transition")
    if meeting is None or meeting.community_id != vote.community_id:
        raise NotFound("找不到这场会议。")
    items = _ballot_items(vote)
    poll = live.open_budget_poll(
        meeting, actor, f"居民说了算:{vote.fund.name}",
        [(item["title"], item["cost_fen"]) for item in items], vote.fund.amount_fen, vote.secret,
        points=vote.points if vote.form == rules.POINTS else None,
    )
    for item, option in zip(items, poll.options, strict=True):
        item["option_id"] = option.id
    vote.items = items
    vote.meeting_id = meeting.id
    vote.poll_id = poll.id
    vote.quorum = poll.quorum
    vote.state = OPEN
    vote.opened_at = utcnow()
    db.session.flush()
    return poll


def voter_by_token(token: str) -> BudgetVoter | None:
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return db.session.scalar(select(BudgetVoter).where(BudgetVoter.token == token))


def is_accepting(vote: BudgetVote, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if vote.state != OPEN or vote.mode != PERIOD or vote.opens_at is None or vote.closes_at is None:
        return False
    return vote.opens_at <= now < vote.closes_at


def checked_choices(vote: BudgetVote, choices: dict[int, int]) -> dict[int, int]:
    """Approval: each chosen project once, their costs within the fund. Points: at most ``points`` in all."""
    costs = {item["proposal_id"]: item["cost_fen"] for item in vote.items}
    if not choices or not set(choices) <= set(costs):
        raise OperationError("请至少选择一个列入表决的项目。", code="bad_choices")
    if vote.form == rules.APPROVAL:
        if any(value != 1 for value in choices.values()):
            raise OperationError("所选的选项无效。", code="bad_choices")
        if sum(costs[p] for p in choices) > vote.fund.amount_fen:
            raise OperationError("所选项目的费用合计超过了经费总额,请减少一些项目。", code="over_budget")
    else:
        if any(not isinstance(v, int) or v < 0 for v in choices.values()):
            raise OperationError("积分须是不小于零的整数。", code="bad_choices")
        choices = {p: v for p, v in choices.items() if v > 0}
        if not choices:
            raise OperationError("请至少给一个项目分配积分。", code="bad_choices")
        if sum(choices.values()) > vote.points:
            raise OperationError("分配的积分超过了每人可用的积分。", code="over_points")
    return {int(p): int(v) for p, v in sorted(choices.items())}


def _locked_state(vote_id: int, *, exclusive: bool) -> str | None:
    """The vote's state under a lock held to the end of the transaction, so that a ballot is either
    written before the count reads the ballots, or waits and then finds the vote closed.

    PostgreSQL: ballots share the row lock, the count takes it exclusively. SQLite serialises
    writers but starts the transaction at the first write: a no-op UPDATE first puts the read
    under the write lock (as the live polls do, roundtable/live/operations._lock_poll).
    """
    query = select(BudgetVote.state).where(BudgetVote.id == vote_id)
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(BudgetVote).where(BudgetVote.id == vote_id).values(state=BudgetVote.state)
                           .execution_options(synchronize_session=False))
    else:
        query = query.with_for_update(read=not exclusive)
    return db.session.scalar(query)


@dataclass
class BallotReceipt:
    receipt: str
    repeated: bool


def _fund_ballot_row(vote_id: int, voter_id: int, choices: dict[int, int]) -> tuple[BudgetSealedBallot, str]:
    """The sealed row of one secret fund ballot (what was voted), and its receipt. The caller writes
    it in the transaction that marks the voter as having voted (durable once acknowledged)."""
    receipt_text = secret_ballots.fund_vote_receipt(vote_id, voter_id)
    return BudgetSealedBallot(vote_id=vote_id, sealed=secret_ballots.seal_fund_ballot(vote_id, choices, receipt_text)), receipt_text


def _opened_fund_ballots(vote_id: int) -> list[tuple[dict[str, int], str]]:
    rows = db.session.scalars(select(BudgetSealedBallot.sealed).where(BudgetSealedBallot.vote_id == vote_id))
    return [secret_ballots.unseal_fund_ballot(vote_id, sealed) for sealed in rows]


def _open_fund_vote_at_count(vote_id: int) -> None:
    """At the count (caller holds the vote's exclusive lock): every sealed ballot opened, the plain
    ballots written in one shuffled insert with random keys, the sealed rows deleted. Plain rows
    already there (ballots cast before sealing existed) are shuffled in with them."""
    ballots = [{"choices": chosen, "receipt": receipt_text} for chosen, receipt_text in _opened_fund_ballots(vote_id)]
    ballots += [dict(row._mapping) for row in db.session.execute(
        select(BudgetBallot.choices, BudgetBallot.receipt).where(BudgetBallot.vote_id == vote_id)
    )]
    for table in (BudgetSealedBallot, BudgetBallot):
        db.session.execute(delete(table).where(table.vote_id == vote_id).execution_options(synchronize_session=False))
    random.SystemRandom().shuffle(ballots)
    if ballots:
        db.session.execute(insert(BudgetBallot), [
            dict(ballot, id=random_id(), vote_id=vote_id, voter_id=None) for ballot in ballots
        ])


def cast_ballot(voter: BudgetVoter, choices: dict[int, int], key: str) -> BallotReceipt:
    """One ballot per resident: a guarded UPDATE claims the voter's one vote; a repeat gets the first receipt."""
    vote = voter.vote
    if not key or len(key) > 64:
        raise OperationError("缺少幂等键。", code="invalid")
    if voter.voted:
        receipt = vote.receipt_for(voter.id)
        if receipt is None:
            raise OperationError("表决已结束,您的选票已计入。", code="poll_closed")
        return BallotReceipt(receipt, repeated=True)
    if not is_accepting(vote):
        raise OperationError("现在不在投票时间内。", code="poll_closed")
    chosen = checked_choices(vote, choices)
    state = _locked_state(vote.id, exclusive=False)
    # The receipt key is erased only at the close, which the shared lock keeps out until we commit.
    receipt = vote.receipt_for(voter.id)
    if state != OPEN or receipt is None:
        raise OperationError("表决已结束,不能再投票。", code="poll_closed")
    claimed = rows_changed(
        update(BudgetVoter).where(BudgetVoter.id == voter.id, BudgetVoter.voted.is_(False))
        .values(voted=True, idempotency_key=key).execution_options(synchronize_session=False)
    )
    if claimed != 1:  # another request of the same resident won the race
        db.session.refresh(voter)
        return BallotReceipt(receipt, repeated=True)
    if vote.secret:  # sealed while open; the plain choices are written only at the count, shuffled
        sealed, receipt = _fund_ballot_row(vote.id, voter.id, chosen)
        db.session.add(sealed)
    else:
        db.session.add(BudgetBallot(
            vote_id=vote.id, voter_id=voter.id, choices={str(p): v for p, v in chosen.items()}, receipt=receipt,
        ))
    db.session.flush()
    db.session.refresh(voter)
    return BallotReceipt(receipt, repeated=False)


# ------------------------------------------------------------------ counting

def _election(vote: BudgetVote, ballots: list[dict[int, int]]) -> rules.Election:
    projects = tuple(rules.Project(item["proposal_id"], item["cost_fen"]) for item in vote.items)
    return rules.Election(vote.fund.amount_fen, projects, tuple(ballots), vote.form)


def _live_ballots(vote: BudgetVote) -> tuple[list[dict[int, int]], bool]:
    """From the closed poll's published record: named ballots, or the secret poll's receipts with choices;
    and whether the poll met its quorum."""
    poll = vote.poll
    result = poll.closed_result if poll is not None else None
    if poll is None or result is None:
        raise OperationError("请先在会议现场结束这项表决。", code="poll_open")
    by_option = {item["option_id"]: item["proposal_id"] for item in vote.items}
    entries = result.opened_receipts if poll.secret else result.ballots
    ballots = []
    for entry in entries or ():
        given = Counter(by_option[o] for o in entry["choices"] if o in by_option)  # points: one id per point
        ballots.append({p: (1 if vote.form == rules.APPROVAL else n) for p, n in given.items()})
    return ballots, result.quorum_met


def count_vote(vote: BudgetVote) -> dict[str, Any]:
    """Close (a period vote) and count by the recorded rule; the other rule is computed beside it."""
    if vote.state != OPEN:
        raise OperationError("这项表决不在进行中。", code="bad_transition")
    if vote.mode == PERIOD:
        # Exclusively: ballots in flight (holding the share lock) commit first, later ones see "closed".
        _locked_state(vote.id, exclusive=True)
        vote.state = CLOSED
        db.session.flush()
        if vote.secret:
            _open_fund_vote_at_count(vote.id)
        ballots = [
            {int(p): v for p, v in choices.items()}
            for choices in db.session.scalars(select(BudgetBallot.choices).where(BudgetBallot.vote_id == vote.id))
        ]
        quorum_met = len(ballots) >= vote.quorum
    else:
        ballots, quorum_met = _live_ballots(vote)
    election = _election(vote, ballots)
    outcomes = {rule: rules.compute(rule, election) for rule in rules.RULES}
    chosen = outcomes[vote.rule]
    vote.result = {
        "ballots": len(ballots),
        "quorum": vote.quorum,
        "quorum_met": quorum_met,
        "support": {str(p.id): election.support(p.id) for p in election.projects},
        "outcomes": {
            rule: {
                "funded": outcome.funded,
                "spent": outcome.spent,
                "unfunded": {str(p): [code, figures] for p, (code, figures) in outcome.unfunded.items()},
                "payments": {str(p): int(paid) for p, paid in outcome.payments.items()},
            }
            for rule, outcome in outcomes.items()
        },
        "funded": chosen.funded if quorum_met else [],
    }
    if vote.mode == PERIOD:
        vote.result["receipts"] = sorted(db.session.scalars(select(BudgetBallot.receipt).where(BudgetBallot.vote_id == vote.id)))
    vote.state = CLOSED
    vote.closed_at = utcnow()
    vote.receipt_key = None
    db.session.flush()
    return vote.result


# ------------------------------------------------------------------ hand-off

@dataclass
class Implementation:
    proposal_id: int
    unit: str  # "department:<id>" | "organization:<id>"
    deadline: datetime | None


def hand_off(vote: BudgetVote, meeting: Meeting | None, implementations: list[Implementation], actor: User,
             ) -> Resolution:
    """The funded projects become commitments of the meeting's resolution draft (the existing flow)."""
    from roundtable.resolutions import operations as resolutions
    from roundtable.resolutions import queries as resolution_queries

    if vote.state != CLOSED or not vote.result:
        raise OperationError("请先计票,再转为决议。", code="bad_transition")
    funded = vote.result.get("funded") or []
    if not funded:
        raise OperationError("没有获得资助的项目,无需转为决议。")
    if meeting is None or meeting.community_id != vote.community_id:
        raise NotFound("找不到这场会议。")
    by_id = {item["proposal_id"]: item for item in vote.items}
    given = {i.proposal_id: i for i in implementations}
    if set(given) != set(funded):
        raise OperationError("请为每个获得资助的项目填写实施单位和期限。")
    resolution = resolution_queries.open_version(meeting) or resolutions.start_resolution(meeting, actor)
    points = [f"{vote.fund.name}({vote.fund.period_start:%Y}年度)经居民投票,资助以下项目:"]
    points += [f"{by_id[p]['title']},预算{fen_to_yuan(by_id[p]['cost_fen'])}元" for p in funded]
    resolutions.update_resolution(
        resolution, resolution.title, "\n".join(filter(None, [resolution.agreed_points, *points]))
    )
    for proposal_id in funded:
        item = by_id[proposal_id]
        resolutions.add_commitment(resolution, resolutions.CommitmentFields(
            given[proposal_id].unit,
            f"实施居民投票资助的项目:{item['title']}(预算{fen_to_yuan(item['cost_fen'])}元)",
            given[proposal_id].deadline,
        ))
    vote.resolution_id = resolution.id
    vote.state = HANDED_OFF
    db.session.flush()
    return resolution
