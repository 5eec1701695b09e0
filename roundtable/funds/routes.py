"""居民说了算: fund pages for the secretary, proposals and the ballot for residents.

Every route: who is asking, in which community, one operation, one commit, a
redirect with the operation's message. Another community's ids answer 404.
The personal ballot link (``/v/<token>``) is a bearer link: the secretary
hands it to one resident; it opens that resident's ballot and nothing else.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.permissions import can_take_part, is_member
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.login import login_required
from roundtable.core.permissions import load_or_404
from roundtable.core.time import as_utc, utcnow
from roundtable.funds import operations, queries, rules
from roundtable.funds.forms import (
    ActionForm,
    FundForm,
    HandOffForm,
    OpenLiveForm,
    ProposalForm,
    ReviewForm,
    SecretaryProposalForm,
    VoteForm,
)
from roundtable.funds.models import FORMS, MODES, ORIGINS, PROPOSAL_STATES, BudgetVote, BudgetVoter, Fund, Proposal
from roundtable.funds.permissions import (
    can_manage_fund,
    can_manage_fund_item,
    can_propose,
    can_read_funds,
    can_see_fund_item,
    can_see_proposal_photo,
)
from roundtable.meetings.models import Meeting
from roundtable.meetings.queries import all_departments, community_organizations, meetings_of_community

bp = Blueprint("funds", __name__)


def _photo(form: ProposalForm) -> tuple[bytes | None, str | None]:
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None, None
    return upload.read(operations.PHOTO_MAX + 1), upload.mimetype


# --- funds ---------------------------------------------------------------------------------------


@bp.get("/funds/")
@community_required(can=is_member)
def index() -> ResponseReturnValue:
    community = community_of_request()
    return render_template(
        "funds/index.html",
        uses=queries.fund_uses([community.id]),
        can_manage=can_manage_fund(current_user, community.id),
        mine=queries.my_proposals(current_user.id, community.id),
        links=queries.my_vote_links(current_user.id, community.id),
        form=FundForm(),
    )


@bp.post("/funds/")
@community_required(can=can_manage_fund)
def create() -> ResponseReturnValue:
    community = community_of_request()
    form = FundForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("funds.index"))
    fields = operations.FundFields(form.name.data, form.amount.data, form.period_start.data, form.period_end.data,
                                   form.source.data)
    fund = act(lambda: operations.create_fund(community.id, fields, current_user), "经费已创建。")
    return redirect(url_for("funds.show", fund_id=fund.id) if fund else url_for("funds.index"))


@bp.get("/funds/<int:fund_id>")
@community_required(can=is_member)
def show(fund_id: int) -> ResponseReturnValue:
    fund = load_or_404(Fund, fund_id, can=can_see_fund_item)
    reader = can_read_funds(current_user, fund.community_id)
    manage = can_manage_fund(current_user, fund.community_id)
    proposals = fund.proposals if reader else queries.accepted_proposals(fund)
    secretary_form = SecretaryProposalForm()
    from roundtable.meetings.queries import community_topics, open_cases

    secretary_form.source_id.choices = [("", "—")] + [
        (f"case:{c.id}", f"{c.external_number} {c.description[:30]}") for c in open_cases(fund.community_id)
    ] + [(f"topic:{t.id}", t.title) for t in community_topics(fund.community_id)]
    meetings = meetings_of_community(fund.community_id)
    live_form = OpenLiveForm()
    live_form.meeting.choices = [(str(m.id), m.title) for m in meetings if m.status == "live"]
    return render_template(
        "funds/show.html", fund=fund, proposals=proposals, reader=reader, manage=manage,
        amount=operations.fen_to_yuan, states=PROPOSAL_STATES, modes=MODES, forms=FORMS, rules=rules.RULES,
        review_form=ReviewForm(), vote_form=VoteForm(), live_form=live_form, action_form=ActionForm(),
        secretary_form=secretary_form, can_propose=can_propose(current_user, fund),
        tie_breaking=rules.TIE_BREAKING, origins=ORIGINS,
    )


# --- proposals -----------------------------------------------------------------------------------


@bp.route("/funds/<int:fund_id>/propose", methods=["GET", "POST"])
@community_required(can=can_take_part)
def propose(fund_id: int) -> ResponseReturnValue:
    fund = load_or_404(Fund, fund_id, can=can_see_fund_item)
    if not can_propose(current_user, fund):
        abort(403)
    form = ProposalForm()
    if form.validate_on_submit():
        photo, photo_type = _photo(form)
        fields = operations.ProposalFields(form.title.data, form.description.data, form.cost.data, form.place.data,
                                           photo, photo_type)
        if act(lambda: operations.submit_proposal(fund, fields, current_user), "您的项目已提交,社区审核后会告诉您结果。"):
            return redirect(url_for("funds.index"))
    else:
        flash_form_errors(form) if request.method == "POST" else None
    return render_template("funds/propose.html", fund=fund, form=form, amount=operations.fen_to_yuan)


@bp.post("/funds/<int:fund_id>/proposals")
@community_required(can=can_manage_fund)
def propose_for_community(fund_id: int) -> ResponseReturnValue:
    fund = load_or_404(Fund, fund_id, can=can_manage_fund_item)
    form = SecretaryProposalForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("funds.show", fund_id=fund.id))
    kind, _, raw_id = (form.source_id.data or "").partition(":")
    case_id = int(raw_id) if kind == "case" and raw_id.isdigit() else None
    topic_id = int(raw_id) if kind == "topic" and raw_id.isdigit() else None
    if form.origin.data in ("case", "topic") and not (case_id or topic_id):
        flash("请选择对应的诉求或议题。", "error")
        return redirect(url_for("funds.show", fund_id=fund.id))
    photo, photo_type = _photo(form)
    fields = operations.ProposalFields(form.title.data, form.description.data, form.cost.data, form.place.data,
                                       photo, photo_type)
    act(lambda: operations.propose_from(fund, fields, form.origin.data, current_user, case_id, topic_id),
         "项目已添加。")
    return redirect(url_for("funds.show", fund_id=fund.id))


@bp.get("/funds/proposals/<int:proposal_id>/photo")
@login_required
def proposal_photo(proposal_id: int) -> ResponseReturnValue:
    proposal = load_or_404(Proposal, proposal_id, can=can_see_proposal_photo, refuse=404)
    if not proposal.photo:
        abort(404)
    return Response(proposal.photo, mimetype=proposal.photo_type,
                    headers={"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"})


@bp.post("/funds/proposals/<int:proposal_id>/review")
@community_required(can=can_manage_fund)
def review(proposal_id: int) -> ResponseReturnValue:
    proposal = load_or_404(Proposal, proposal_id, can=can_manage_fund_item)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        merge_into = int(form.merge_into.data) if (form.merge_into.data or "").isdigit() else None
        act(lambda: operations.review_proposal(proposal, form.decision.data, current_user, form.reason.data, merge_into),
             "审核结果已保存。")
    return redirect(url_for("funds.show", fund_id=proposal.fund_id) + f"#proposal-{proposal.id}")


# --- the budget vote -------------------------------------------------------------------------------


@bp.post("/funds/<int:fund_id>/votes")
@community_required(can=can_manage_fund)
def create_vote(fund_id: int) -> ResponseReturnValue:
    fund = load_or_404(Fund, fund_id, can=can_manage_fund_item)
    form = VoteForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("funds.show", fund_id=fund.id))
    fields = operations.VoteFields(
        form.mode.data, form.form.data, form.rule.data, form.secret.data, form.quorum.data, form.points.data,
        as_utc(form.opens_at.data) if form.opens_at.data else None,
        as_utc(form.closes_at.data) if form.closes_at.data else None,
    )
    act(lambda: operations.create_vote(fund, fields, current_user), "预算表决已设定,计票规则已记录。")
    return redirect(url_for("funds.show", fund_id=fund.id) + "#vote")


@bp.post("/funds/votes/<int:vote_id>/open")
@community_required(can=can_manage_fund)
def open_vote(vote_id: int) -> ResponseReturnValue:
    vote = load_or_404(BudgetVote, vote_id, can=can_manage_fund_item)
    if vote.mode == "live":
        form = OpenLiveForm()
        form.meeting.choices = []
        if not form.validate_on_submit() or not (form.meeting.data or "").isdigit():
            flash_form_errors(form)
            return redirect(url_for("funds.show", fund_id=vote.fund_id) + "#vote")
        meeting = load_or_404(Meeting, int(form.meeting.data), can=can_manage_fund_item)
        poll = act(lambda: operations.open_live_vote(vote, meeting, current_user), "预算表决已推送到与会居民的手机。")
        if poll and not isinstance(poll, bool):
            from roundtable.live import queries as live_queries
            from roundtable.live.broadcast import to_room

            to_room(meeting.id, "poll_opened", live_queries.poll_view(poll))
            to_room(meeting.id, "motion", live_queries.motion_view(poll.motion))
    else:
        if not ActionForm().validate_on_submit():
            abort(400)
        if act(lambda: operations.open_period_vote(vote), "投票已开始,请把个人投票链接发给居民。"):
            return redirect(url_for("funds.links", vote_id=vote.id))
    return redirect(url_for("funds.show", fund_id=vote.fund_id) + "#vote")


@bp.get("/funds/votes/<int:vote_id>/links")
@community_required(can=can_manage_fund)
def links(vote_id: int) -> ResponseReturnValue:
    vote = load_or_404(BudgetVote, vote_id, can=can_manage_fund_item)
    return render_template("funds/links.html", vote=vote, voters=queries.voters_of(vote))


@bp.post("/funds/votes/<int:vote_id>/count")
@community_required(can=can_manage_fund)
def count(vote_id: int) -> ResponseReturnValue:
    vote = load_or_404(BudgetVote, vote_id, can=can_manage_fund_item)
    if not ActionForm().validate_on_submit():
        abort(400)
    act(lambda: operations.count_vote(vote), "已按事先确定的规则计票。")
    return redirect(url_for("funds.result", vote_id=vote.id))


@bp.get("/funds/votes/<int:vote_id>")
@community_required(can=is_member)
def result(vote_id: int) -> ResponseReturnValue:
    vote = load_or_404(BudgetVote, vote_id, can=can_see_fund_item)
    manage = can_manage_fund(current_user, vote.community_id)
    form = HandOffForm()
    form.meeting.choices = [(str(m.id), m.title) for m in meetings_of_community(vote.community_id) if m.status == "concluded"]
    if vote.meeting_id:
        form.meeting.data = str(vote.meeting_id)
    units = [(f"department:{d.id}", d.name) for d in all_departments()] + [
        (f"organization:{o.id}", o.name) for o in community_organizations(vote.community_id)
    ]
    return render_template(
        "funds/result.html", vote=vote, outcome=queries.outcome_of(vote), rules=rules.RULES, reasons=queries.REASONS,
        manage=manage, form=form, units=units, amount=operations.fen_to_yuan, tie_breaking=rules.TIE_BREAKING,
    )


@bp.post("/funds/votes/<int:vote_id>/handoff")
@community_required(can=can_manage_fund)
def hand_off(vote_id: int) -> ResponseReturnValue:
    vote = load_or_404(BudgetVote, vote_id, can=can_manage_fund_item)
    form = HandOffForm()
    form.meeting.choices = []
    if not form.validate_on_submit() or not (form.meeting.data or "").isdigit():
        flash_form_errors(form)
        return redirect(url_for("funds.result", vote_id=vote.id))
    meeting = load_or_404(Meeting, int(form.meeting.data), can=can_manage_fund_item)
    implementations = []
    for proposal_id in (vote.result or {}).get("funded", []):
        raw = (request.form.get(f"deadline-{proposal_id}") or "").strip()
        try:
            from datetime import datetime

            deadline = as_utc(datetime.strptime(raw, "%Y-%m-%dT%H:%M")) if raw else None
        except ValueError:
            deadline = None
        implementations.append(operations.Implementation(proposal_id, request.form.get(f"unit-{proposal_id}", ""), deadline))
    resolution = act(lambda: operations.hand_off(vote, meeting, implementations, current_user),
                      "获得资助的项目已写入决议草稿,请在决议页确认并发布。")
    if resolution and not isinstance(resolution, bool):
        return redirect(url_for("resolutions.show", resolution_id=resolution.id))
    return redirect(url_for("funds.result", vote_id=vote.id))


# --- the personal ballot link ---------------------------------------------------------------------


def _voter_or_404(token: str) -> BudgetVoter:
    voter = operations.voter_by_token(token)
    if voter is None:
        abort(404)
    return voter


@bp.get("/v/<token>")
def ballot(token: str) -> ResponseReturnValue:
    voter = _voter_or_404(token)
    vote = voter.vote
    receipt = vote.receipt_for(voter.id) if voter.voted else None
    return render_template(
        "funds/ballot.html", voter=voter, vote=vote, fund=vote.fund, form=ActionForm(), receipt=receipt,
        accepting=operations.is_accepting(vote), outcome=queries.outcome_of(vote), amount=operations.fen_to_yuan,
        key=secrets.token_hex(16), now=utcnow(), rules=rules.RULES, reasons=queries.REASONS,
        tie_breaking=rules.TIE_BREAKING,
    )


@bp.post("/v/<token>")
def cast(token: str) -> ResponseReturnValue:
    voter = _voter_or_404(token)
    vote = voter.vote
    if not ActionForm().validate_on_submit():
        abort(400)
    choices: dict[int, int] = {}
    try:
        if vote.form == rules.APPROVAL:
            choices = {int(raw): 1 for raw in request.form.getlist("project")}
        else:
            for item in vote.items:
                raw = (request.form.get(f"points-{item['proposal_id']}") or "0").strip() or "0"
                choices[item["proposal_id"]] = int(raw)
    except ValueError:
        flash("所选的选项无效。", "error")
        return redirect(url_for("funds.ballot", token=token))
    key = (request.form.get("key") or "")[:64]
    outcome = act(lambda: operations.cast_ballot(voter, choices, key), "您的选票已投出,谢谢!")
    if isinstance(outcome, operations.BallotReceipt) and outcome.repeated:
        flash("您已经投过票了,这是您的回执。", "info")
    return redirect(url_for("funds.ballot", token=token))
