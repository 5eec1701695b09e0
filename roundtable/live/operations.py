"""Everything that changes the room: validate, change, flush. The socket handler commits once.

Each function raises OperationError (Chinese message, protocol error code)
before changing anything, so that the handler can roll back and answer.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar

from flask_babel import lazy_gettext
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from roundtable.audit.operations import record
from roundtable.auth.models import User
from roundtable.ballots.operations import BallotRequest, channel_rows
from roundtable.core.errors import Conflict, NotAllowed, NotFound, OperationError
from roundtable.core.sql import any_of
from roundtable.core.time import utcnow
from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.live import secret_ballots
from roundtable.live.models import (
    DECIDED,
    HAND_STANCES,
    POLL_CLOSED,
    POLL_KINDS,
    PROPOSED,
    SECONDED,
    STANCES,
    VOTING,
    YES_NO_OPTIONS,
    Ballot,
    Motion,
    Poll,
    PollOption,
    Position,
    SealedBallot,
    SecretVoter,
    SpeakingRequest,
)
from roundtable.live.queries import (
    count_votes,
    current_item,
    current_speech,
    named_ballot_rows,
    participant_view,
    speeches_made,
    voters_present,
    waiting_queue,
)
from roundtable.live.results import BUDGET, POINTS, PollResult, judge
from roundtable.meetings.models import ITEM_CLOSED, ITEM_OPEN, AgendaItem, Invitation, Meeting
from roundtable.meetings.permissions import can_vote

MAX_OPTIONS = 20

if TYPE_CHECKING:
    from sqlalchemy import Row

    from roundtable.ballots.models import BallotChannel


class _InMeetingRow(Protocol):
    @property
    def meeting_id(self) -> int: ...


InMeeting = TypeVar("InMeeting", bound=_InMeetingRow)


def require_live(meeting: Meeting) -> None:
    if meeting.status != "live":
        raise OperationError("会议%(status)s,现在不能进行此操作。", code="meeting_not_live", status=lazy_gettext(meeting.status_label))


def of_meeting(model: type[InMeeting], object_id: int, meeting: Meeting, message: str) -> InMeeting:
    """A row by id, only if it belongs to ``meeting``: an id from another meeting is "not found"."""
    row = db.session.get(model, object_id)
    if row is None or row.meeting_id != meeting.id:
        raise NotFound(message)
    return row


EARLY_START = timedelta(hours=1)


def check_start_time(meeting: Meeting, *, confirmed: bool) -> None:
    """Starting more than an hour before the scheduled time must be confirmed: residents may not be there yet."""
    if meeting.status != "scheduled" or confirmed:
        return
    if meeting.starts_at - utcnow() > EARLY_START:
        raise OperationError("现在开始比预定时间早一个多小时,居民可能还没到。确定现在开始吗?", code="early_start")


# ---------------------------------------------------------------- presence

def check_in(invitation: Invitation) -> Invitation:
    """签到; a second check-in keeps the first time."""
    require_live(invitation.meeting)
    if invitation.checked_in_at is None:
        invitation.checked_in_at = utcnow()
    db.session.flush()
    return invitation


def check_in_for(meeting: Meeting, participant_id: int) -> Invitation:
    """The host checks in someone who came without a phone."""
    return check_in(of_meeting(Invitation, participant_id, meeting, "找不到这位参会人。"))


# ---------------------------------------------------------------- agenda

def advance_agenda(meeting: Meeting, item_id: int | None = None) -> AgendaItem | None:
    """Close the open item and open ``item_id`` or the next pending one; hands of the old item drop."""
    require_live(meeting)
    current = current_item(meeting)
    target: AgendaItem | None
    if item_id is not None:
        target = of_meeting(AgendaItem, item_id, meeting, "找不到这项议程。")
        if not target.can_move_to(ITEM_OPEN):
            raise OperationError("这项议程已经开始或已结束。", code="invalid")
    else:
        target = next((item for item in meeting.agenda_items if item.can_move_to(ITEM_OPEN)), None)
    if current is None and target is None:
        raise OperationError("没有可以开始的议程了。", code="no_open_item")
    now = utcnow()
    if current is not None:
        current.state = ITEM_CLOSED
        current.closed_at = now
    db.session.execute(
        update(SpeakingRequest)
        .where(SpeakingRequest.meeting_id == meeting.id, SpeakingRequest.state == "speaking")
        .values(state="done", ended_at=now)
    )
    db.session.execute(
        update(SpeakingRequest)
        .where(SpeakingRequest.meeting_id == meeting.id, SpeakingRequest.state == "waiting")
        .values(state="dropped", ended_at=now)
    )
    if target is not None:
        target.state = ITEM_OPEN
        target.opened_at = now
    db.session.flush()
    return target


# ---------------------------------------------------------------- speakers queue

def _require_speech_left(meeting: Meeting, invitation_id: int, item: AgendaItem | None) -> None:
    if speeches_made(meeting, invitation_id, item) >= meeting.speeches_per_motion:
        raise OperationError(
            "按议事规则,每人对同一议题最多发言%(limit)d次。", code="speech_limit", limit=meeting.speeches_per_motion
        )


def raise_hand(meeting: Meeting, invitation: Invitation, stance: str) -> SpeakingRequest:
    """举手 with a stance first (赞成 / 反对 / 其他); raising again while waiting keeps one place
    in the queue and takes the new stance."""
    require_live(meeting)
    if stance not in HAND_STANCES:
        raise OperationError("请先选择赞成、反对或其他。", code="invalid")
    item = current_item(meeting)
    mine = db.session.scalar(
        select(SpeakingRequest).where(
            SpeakingRequest.meeting_id == meeting.id,
            SpeakingRequest.invitation_id == invitation.id,
            SpeakingRequest.state.in_(("waiting", "speaking")),
        )
    )
    if mine is not None and mine.state == "waiting":
        mine.stance = stance
        db.session.flush()
        return mine
    if mine is not None:
        raise OperationError("您正在发言。", code="speaker_active")
    _require_speech_left(meeting, invitation.id, item)
    request = SpeakingRequest(
        meeting_id=meeting.id,
        community_id=meeting.community_id,
        agenda_item_id=item.id if item else None,
        invitation_id=invitation.id,
        stance=stance,
    )
    db.session.add(request)
    db.session.flush()
    return request


def lower_hand(meeting: Meeting, invitation: Invitation) -> None:
    require_live(meeting)
    db.session.execute(
        update(SpeakingRequest)
        .where(
            SpeakingRequest.meeting_id == meeting.id,
            SpeakingRequest.invitation_id == invitation.id,
            SpeakingRequest.state == "waiting",
        )
        .values(state="lowered", ended_at=utcnow())
    )
    db.session.flush()


MAX_OVERRIDE_REASON = 200


def grant_speaker(
    meeting: Meeting, actor: User | None, request_id: int | None = None, reason: str | None = None
) -> SpeakingRequest:
    """Give the floor for ``speech_minutes``; the phones count down to ``ends_at``.

    Without ``request_id`` the proposed next speaker (see queries.propose_order)
    gets it. The host may choose someone else, but only with a reason, which is
    kept on the request (and so in the audit trail).
    """
    require_live(meeting)
    if current_speech(meeting) is not None:
        raise OperationError("请先结束当前发言。", code="speaker_active")
    queue = [request for request, _ in waiting_queue(meeting)]
    request = queue[0] if request_id is None and queue else next((r for r in queue if r.id == request_id), None)
    if request is None:
        if request_id is None:
            raise OperationError("没有人在排队发言。", code="queue_empty")
        raise NotFound("找不到这个发言申请。")
    reason = (reason or "").strip()
    if request is not queue[0]:
        if not reason:
            raise OperationError(
                "按正反轮流,下一位应是排在最前的人;请他人先发言须说明理由。", code="override_reason_required"
            )
        if len(reason) > MAX_OVERRIDE_REASON:
            raise OperationError("理由不能超过200个字符。", code="invalid")
        request.override_reason = reason
    _require_speech_left(meeting, request.invitation_id, current_item(meeting))
    now = utcnow()
    request.state = "speaking"
    request.started_at = now
    request.ends_at = now + timedelta(minutes=meeting.speech_minutes)
    request.granted_by_id = actor.id if actor else None
    db.session.flush()
    if request.override_reason:
        # The queue itself is not audited (it changes every few seconds); passing over the rules is.
        record(
            "live.speaker_override",
            subject_type="live_speaking_requests",
            subject_id=request.id,
            community_id=meeting.community_id,
            data={"meeting_id": meeting.id, "proposed_request_id": queue[0].id, "reason": request.override_reason},
        )
    return request


def end_speech(meeting: Meeting) -> SpeakingRequest:
    require_live(meeting)
    speech = current_speech(meeting)
    if speech is None:
        raise OperationError("现在没有人在发言。", code="no_speaker")
    speech.state = "done"
    speech.ended_at = utcnow()
    db.session.flush()
    return speech


# ---------------------------------------------------------------- positions

def post_position(meeting: Meeting, invitation: Invitation, stance: str, text: str) -> Position:
    require_live(meeting)
    if stance not in STANCES:
        raise OperationError("立场只能是支持、反对、关切或中立。")
    item = current_item(meeting)
    position = Position(
        meeting_id=meeting.id,
        community_id=meeting.community_id,
        agenda_item_id=item.id if item else None,
        invitation_id=invitation.id,
        stance=stance,
        text=text,
    )
    db.session.add(position)
    db.session.flush()
    return position


def hide_position(meeting: Meeting, position_id: int, actor: User | None) -> Position:
    """Hidden, not deleted: the record keeps the text, who hid it and when."""
    position = of_meeting(Position, position_id, meeting, "找不到这条发言立场。")
    if position.hidden_at is None:
        position.hidden_at = utcnow()
        position.hidden_by_id = actor.id if actor else None
    db.session.flush()
    return position


# ---------------------------------------------------------------- motions

def propose_motion(meeting: Meeting, invitation: Invitation, text: str) -> Motion:
    require_live(meeting)
    item = current_item(meeting)
    motion = Motion(
        meeting_id=meeting.id,
        community_id=meeting.community_id,
        agenda_item_id=item.id if item else None,
        text=text,
        proposer_id=invitation.id,
    )
    db.session.add(motion)
    db.session.flush()
    return motion


def second_motion(meeting: Meeting, invitation: Invitation, motion_id: int) -> Motion:
    """附议: someone other than the proposer must agree it is worth a vote."""
    require_live(meeting)
    motion = of_meeting(Motion, motion_id, meeting, "找不到这项动议。")
    if motion.proposer_id == invitation.id:
        raise OperationError("不能附议自己的动议。", code="own_motion")
    if motion.seconder_id is not None:
        raise Conflict("这项动议已有人附议。")
    motion.seconder_id = invitation.id
    motion.seconded_at = utcnow()
    motion.state = SECONDED
    db.session.flush()
    return motion


# ---------------------------------------------------------------- polls

def open_poll(
    meeting: Meeting,
    actor: User | None,
    motion_id: int,
    kind: str,
    labels: list[str] | None = None,
    secret: bool = False,
    min_choices: int | None = None,
    max_choices: int | None = None,
) -> Poll:
    """Put a seconded motion to the vote, under the meeting's rule and quorum as they are now."""
    require_live(meeting)
    motion = of_meeting(Motion, motion_id, meeting, "找不到这项动议。")
    if motion.state == PROPOSED:
        raise OperationError("动议须有人附议后才能表决。", code="not_seconded")
    if not motion.can_move_to(VOTING):
        raise OperationError("这项动议已经表决过。", code="poll_exists")
    if kind not in POLL_KINDS:
        raise OperationError("表决方式只能是赞成/反对/弃权、单选或多选。")
    if kind == "yes_no":
        options = [PollOption(position=i, label=label, code=code) for i, (code, label) in enumerate(YES_NO_OPTIONS)]
        min_choices = max_choices = 1
    else:
        labels = labels or []
        if not 2 <= len(labels) <= MAX_OPTIONS or len(set(labels)) != len(labels):
            raise OperationError("请给出2到%(max)d个互不相同的选项。", max=MAX_OPTIONS)
        options = [PollOption(position=i, label=label) for i, label in enumerate(labels)]
        if kind == "single":
            min_choices = max_choices = 1
        else:
            min_choices = 1 if min_choices is None else min_choices
            max_choices = len(labels) if max_choices is None else max_choices
            if not 1 <= min_choices <= max_choices <= len(labels):
                raise OperationError("最少和最多可选项数不合理。")
    poll = Poll(
        meeting_id=meeting.id,
        community_id=meeting.community_id,
        motion_id=motion.id,
        kind=kind,
        secret=bool(secret),
        min_choices=min_choices,
        max_choices=max_choices,
        rule=meeting.majority_rule,
        quorum=meeting.quorum,
        opened_by_id=actor.id if actor else None,
        options=options,
    )
    if poll.secret:
        poll.receipt_key = None  # secret receipts come from the ballot key, outside the database
    motion.state = VOTING
    db.session.add(poll)
    db.session.flush()
    return poll


def open_budget_poll(
    meeting: Meeting, actor: User | None, text: str, options: list[tuple[str, int]], budget_fen: int, secret: bool,
    points: int | None = None,
) -> Poll:
    """A budget vote (居民说了算) put to the meeting by the host: approve any projects whose costs
    together fit in ``budget_fen`` or, with ``points``, give up to that many points among them.
    The motion has no proposer from the floor and needs no seconder; rule and quorum are the
    meeting's, ballots follow the same rules as every poll."""
    require_live(meeting)
    if points is not None and not 1 <= points <= 100:
        raise OperationError("每人积分须在1到100之间。")
    if not 1 <= len(options) <= MAX_OPTIONS:
        raise OperationError("请给出1到20个项目。")
    if budget_fen <= 0 or any(cost <= 0 for _, cost in options):
        raise OperationError("预算和项目费用须大于零。")
    motion = Motion(
        meeting_id=meeting.id, community_id=meeting.community_id, agenda_item_id=getattr(current_item(meeting), "id", None),
        text=text, proposer_id=None, state=VOTING,
    )
    db.session.add(motion)
    db.session.flush()
    poll = Poll(
        meeting_id=meeting.id, community_id=meeting.community_id, motion_id=motion.id,
        kind=POINTS if points else BUDGET, secret=bool(secret), min_choices=1,
        max_choices=points or len(options), rule=meeting.majority_rule,
        quorum=meeting.quorum, opened_by_id=actor.id if actor else None, budget_fen=budget_fen,
        options=[PollOption(position=i, label=label[:100], cost_fen=cost) for i, (label, cost) in enumerate(options)],
    )
    poll.motion = motion
    db.session.add(poll)
    db.session.flush()
    return poll


def _lock_poll(poll_id: int, *, exclusive: bool) -> Poll | None:
    """The poll, locked for the rest of the transaction, so that votes and the close never interleave.

    PostgreSQL: votes share the row lock (they run side by side), the close
    takes it exclusively, so it waits for every vote in flight and every later
    vote waits for it and then sees "closed". SQLite serialises writers, but
    its driver starts the transaction only at the first write: a no-op UPDATE
    first makes the check and the insert one transaction under the write lock.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Poll).where(Poll.id == poll_id).values(state=Poll.state).execution_options(synchronize_session=False)
        )
        query = select(Poll).where(Poll.id == poll_id)
    else:
        query = select(Poll).where(Poll.id == poll_id).with_for_update(read=not exclusive, of=Poll)
    return db.session.scalar(query.execution_options(populate_existing=True))


def _locked_poll(meeting: Meeting, poll_id: int, *, exclusive: bool) -> Poll:
    poll = _lock_poll(poll_id, exclusive=exclusive)
    if poll is None or poll.meeting_id != meeting.id:
        raise NotFound("找不到这项表决。")
    return poll


@dataclass
class VoteReceipt:
    receipt: str
    repeated: bool


def _checked_choices(poll: Poll, choices: list[int]) -> list[int]:
    valid = {option.id for option in poll.options}
    repeats_allowed = poll.kind == POINTS  # one id per point given
    if (len(set(choices)) != len(choices) and not repeats_allowed) or not set(choices) <= valid:
        raise OperationError("所选的选项无效。", code="bad_choices")
    if not poll.min_choices <= len(choices) <= poll.max_choices:
        if poll.min_choices == poll.max_choices:
            raise OperationError("请选择%(n)s项。", code="bad_choices", n=poll.min_choices)
        raise OperationError("请选择%(min)s到%(max)s项。", code="bad_choices", min=poll.min_choices, max=poll.max_choices)
    if poll.kind == BUDGET:
        costs = {option.id: option.cost_fen or 0 for option in poll.options}
        if sum(costs[choice] for choice in choices) > (poll.budget_fen or 0):
            raise OperationError("所选项目的费用合计超过了经费总额,请减少一些项目。", code="over_budget")
    return sorted(choices)


def _checked_voter(request: BallotRequest, voters: dict[int, Row[int, int, str, datetime | None]],
                   meetings: dict[int, Meeting | None]) -> None:
    """Everything about the voter that needs no poll lock; raises before anything is written.

    ``voters``: invitation id → a plain row (id, meeting_id, side, checked_in_at);
    ``meetings`` keeps each meeting read once per group (the session holds rows weakly).
    """
    if request.meeting_id not in meetings:
        meetings[request.meeting_id] = db.session.get(Meeting, request.meeting_id)
    meeting = meetings[request.meeting_id]
    if meeting is None:
        raise NotFound("会议已不存在。")
    require_live(meeting)
    voter = voters.get(request.invitation_id)
    if voter is None or voter.meeting_id != meeting.id:
        raise NotFound("找不到这位参会人。")
    if not can_vote(voter):
        raise NotAllowed("只有居民代表参加表决。", code="not_voter")
    if voter.checked_in_at is None and request.channel != "proxy":  # a proxy's grantor is away; its holder is checked
        raise OperationError("请先签到再投票。", code="not_checked_in")


def receipt_of(poll: Poll, invitation_id: int) -> str | None:
    """The receipt of a participant's ballot: computed while a named poll is open, stored after its
    close; a secret poll's always from the ballot key (secret_ballots)."""
    if poll.secret:
        return secret_ballots.receipt(poll.id, invitation_id)
    if poll.receipt_key:
        return poll.receipt_for(invitation_id)
    return db.session.scalar(select(Ballot.receipt).where(Ballot.poll_id == poll.id, Ballot.invitation_id == invitation_id))


def _repeat(poll: Poll, invitation_id: int) -> VoteReceipt:
    """Someone whose ballot is already in gets its receipt again, before and after the close (protocol §3)."""
    receipt = receipt_of(poll, invitation_id)
    if receipt is None:
        raise OperationError("表决已结束,您的选票已计入。", code="poll_closed")
    return VoteReceipt(receipt, repeated=True)


def _ballot_rows(poll: Poll, request: BallotRequest, chosen: list[int], receipt: str,
                 ) -> tuple[list[tuple[type, JsonObject]], list[tuple[type, JsonObject]], list[BallotChannel]]:
    """(who voted, what was voted, how it came) of one ballot.

    Who and what as (model, values) for a bulk insert: one Ballot for a named poll;
    a SecretVoter and a SealedBallot, unlinked, for a secret one. Neither is audited
    (audit/listener.py), so they need no ORM objects; how it came (paper, proxy) is a
    BallotChannel object, audited like any row.
    """

    channel = channel_rows(poll.id, request)
    if poll.secret:
        voter, sealed = secret_ballots.ballot_values(poll.id, request.invitation_id, chosen, receipt,
                                                     request.assisted_by_id)
        return [(SecretVoter, voter)], [(SealedBallot, sealed)], channel
    ballot = {
        "poll_id": poll.id,
        "invitation_id": request.invitation_id,
        "choices": chosen,
        "receipt": receipt,
        "idempotency_key": request.key,
        "assisted_by_id": request.assisted_by_id,
        "cast_at": utcnow(),
    }
    return [(Ballot, ballot)], [], channel


def _insert(rows: list[tuple[type, JsonObject]]) -> None:
    """Bulk inserts, one statement per model, rows in the order given (``Ballot`` ids are the commit order)."""
    by_model: dict[type, list[JsonObject]] = {}
    for model, values in rows:
        by_model.setdefault(model, []).append(values)
    for model, batch in by_model.items():
        db.session.execute(insert(model), batch)


def cast_votes(requests: list[BallotRequest]) -> list[VoteReceipt | OperationError]:
    """Several votes in the caller's one transaction; for each request its receipt or its refusal.

    The rules are those of one vote at a time: one ballot per voter and poll,
    any repeat gets the first ballot's receipt, a closed poll takes no ballot.
    Every check happens before anything is written, so a refused request leaves
    nothing behind and the others go on. What grouping saves is the per-vote
    overhead: each poll is locked once (``_lock_poll``, in id order so that two
    groups never wait on each other crosswise), the voters and who has already
    voted are read in one query each (plain rows, the ids as one array
    parameter: ``any_of``), and the new rows are inserted together.

    Another process may commit a ballot of the same voter between our read and
    our insert (PostgreSQL votes share the poll lock): the UNIQUE constraint
    then fails the group's insert, which is retried one row per savepoint, the
    loser answering like a repeat, as before.
    """
    outcomes: list[VoteReceipt | OperationError | None] = [None] * len(requests)
    voters = {
        voter.id: voter
        for voter in db.session.execute(
            select(Invitation.id, Invitation.meeting_id, Invitation.side, Invitation.checked_in_at)
            .where(any_of(Invitation.id, {r.invitation_id for r in requests}))
        )
    }
    by_poll: dict[int, list[int]] = {}
    meetings: dict[int, Meeting | None] = {}
    for index, request in enumerate(requests):
        try:
            _checked_voter(request, voters, meetings)
        except OperationError as error:
            outcomes[index] = error
            continue
        by_poll.setdefault(request.poll_id, []).append(index)

    fresh: list[tuple[int, Poll, list[int], str]] = []  # (request index, poll, choices, receipt)
    for poll_id in sorted(by_poll):
        poll = _lock_poll(poll_id, exclusive=False)
        indexes = by_poll[poll_id]
        table = SecretVoter if poll is not None and poll.secret else Ballot
        voted = set() if poll is None else set(db.session.scalars(
            select(table.invitation_id).where(
                table.poll_id == poll.id, any_of(table.invitation_id, {requests[i].invitation_id for i in indexes})
            )
        ))
        for index in indexes:
            request = requests[index]
            try:
                if poll is None or poll.meeting_id != request.meeting_id:
                    raise NotFound("找不到这项表决。")
                if request.invitation_id in voted:  # already in, or earlier in this group
                    outcomes[index] = _repeat(poll, request.invitation_id)
                    continue
                if poll.state != "open":
                    raise OperationError("表决已结束,不能再投票。", code="poll_closed")
                if request.channel == "proxy":  # withdrawn since the holder's request was checked?
                    from roundtable.ballots.operations import check_proxy_in_force

                    check_proxy_in_force(request.proxy_id)
                chosen = _checked_choices(poll, request.choices)
            except OperationError as error:
                outcomes[index] = error
                continue
            receipt = receipt_of(poll, request.invitation_id)
            if receipt is None:  # the receipt key is erased only at the close, which the poll lock keeps out
                outcomes[index] = OperationError("表决已结束,不能再投票。", code="poll_closed")
                continue
            voted.add(request.invitation_id)
            fresh.append((index, poll, chosen, receipt))

    if fresh:
        try:
            with db.session.begin_nested():
                who, what, channels = [], [], []
                for index, poll, chosen, receipt in fresh:
                    voter_rows, vote_rows, channel = _ballot_rows(poll, requests[index], chosen, receipt)
                    who.extend(voter_rows)
                    what.extend(vote_rows)
                    channels.extend(channel)
                random.SystemRandom().shuffle(what)  # a group's secret votes: not in the order of their voters
                _insert(who)
                _insert(what)
                db.session.add_all(channels)
                db.session.flush()
            for index, _poll, _chosen, receipt in fresh:
                outcomes[index] = VoteReceipt(receipt, repeated=False)
        except IntegrityError:
            for index, poll, chosen, receipt in fresh:
                voter_rows, vote_rows, channel = _ballot_rows(poll, requests[index], chosen, receipt)
                try:
                    with db.session.begin_nested():
                        _insert(voter_rows)
                        db.session.add_all(channel)
                        db.session.flush()
                except IntegrityError:
                    outcomes[index] = VoteReceipt(receipt, repeated=True)
                    continue
                _insert(vote_rows)
                outcomes[index] = VoteReceipt(receipt, repeated=False)
    db.session.flush()
    done = [outcome for outcome in outcomes if outcome is not None]
    if len(done) != len(outcomes):
        raise RuntimeError("a ballot of the group was left without an outcome")
    return done


def cast_vote(
    meeting: Meeting,
    voter: Invitation,
    poll_id: int,
    choices: list[int],
    key: str,
    assisted_by: User | None = None,
) -> VoteReceipt:
    """One ballot per voter and poll; any repeat gets the first ballot's receipt (``cast_votes`` of one)."""
    request = BallotRequest(meeting.id, voter.id, poll_id, list(choices), key, assisted_by.id if assisted_by else None)
    [outcome] = cast_votes([request])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def assist_request(
    meeting: Meeting, actor: User | None, participant_id: int, poll_id: int, choices: list[int], key: str
) -> BallotRequest:
    """The host records the vote of a present resident without a phone; the record says so."""
    voter = of_meeting(Invitation, participant_id, meeting, "找不到这位参会人。")
    return BallotRequest(meeting.id, voter.id, poll_id, list(choices), key, actor.id if actor else None)


def close_poll(meeting: Meeting, actor: User | None, poll_id: int) -> PollResult:
    """Close under the exclusive poll lock and compute the result from what was committed."""
    require_live(meeting)
    poll = _locked_poll(meeting, poll_id, exclusive=True)
    if not poll.can_move_to(POLL_CLOSED):
        raise OperationError("这项表决已经结束。", code="poll_closed")
    tally = count_votes(poll)
    judged = judge(poll, tally["counts"], tally["total"], voters_present(meeting))
    if poll.secret:
        result = replace(judged, opened_receipts=tuple(secret_ballots.open_at_close(poll)))
    else:
        # Plain rows with the voters' names in the same statement: ORM ballots with their invitations
        # and users made a close of 1,000 ballots take over a second on a busy server.
        result = replace(judged, ballots=tuple(
            {"participant": participant_view(row), "choices": row.choices, "assisted": row.assisted_by_id is not None}
            for row in named_ballot_rows(poll.id)
        ))
    # Read before the first change: loading an expired actor or the motion would autoflush a half-closed
    # poll, and its audit entry would lack the counts and receipts.
    closed_by_id, motion = (actor.id if actor else None), poll.motion
    poll.state = POLL_CLOSED
    poll.closed_at = utcnow()
    poll.closed_by_id = closed_by_id
    poll.receipt_key = None
    poll.result = result.to_dict()
    motion.state = DECIDED
    db.session.flush()
    return result
