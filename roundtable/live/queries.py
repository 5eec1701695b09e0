"""Reading the room: the snapshot and the pieces that room events carry.

Everything is read from the database, so a phone that reconnects, a second
server process and the projector all see the same state.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, overload

from flask_babel import gettext
from sqlalchemy import bindparam, exists, func, select

from roundtable.auth.models import User
from roundtable.ballots.models import ASSISTED, PAPER, PHONE, PROXY, BallotChannel, Proxy
from roundtable.ballots.queries import proxies_held, proxy_granted
from roundtable.communities.models import Department, Organization
from roundtable.core.errors import NotFound, OperationError
from roundtable.core.time import iso, utcnow
from roundtable.extensions import db
from roundtable.live.models import ALTERNATING_STANCES, Ballot, Motion, Poll, Position, SecretVoter, SpeakingRequest
from roundtable.live.permissions import Actor
from roundtable.live.results import PollResult
from roundtable.meetings.models import SIDES, AgendaItem, Invitation, Meeting
from roundtable.meetings.permissions import VOTING_SIDES, can_vote

PROTOCOL = "1"


def _on_item(column, item: AgendaItem | None):
    return column.is_(None) if item is None else column == item.id


def current_item(meeting: Meeting) -> AgendaItem | None:
    return db.session.scalar(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.state == "open")
    )


def speeches_made(meeting: Meeting, invitation_id: int, item: AgendaItem | None) -> int:
    return db.session.scalar(
        select(func.count(SpeakingRequest.id)).where(
            SpeakingRequest.meeting_id == meeting.id,
            SpeakingRequest.invitation_id == invitation_id,
            SpeakingRequest.state.in_(("speaking", "done")),
            _on_item(SpeakingRequest.agenda_item_id, item),
        )
    ) or 0


def last_side(meeting: Meeting, item: AgendaItem | None) -> str | None:
    """The stance, for or against, of the latest speaker on ``item`` who took one; None if nobody yet."""
    return db.session.scalar(
        select(SpeakingRequest.stance)
        .where(
            SpeakingRequest.meeting_id == meeting.id,
            SpeakingRequest.state.in_(("speaking", "done")),
            SpeakingRequest.stance.in_(ALTERNATING_STANCES),
            _on_item(SpeakingRequest.agenda_item_id, item),
        )
        .order_by(SpeakingRequest.started_at.desc(), SpeakingRequest.id.desc())
        .limit(1)
    )


def propose_order(waiting: list[SpeakingRequest], spoken: dict[int, int], last: str | None) -> list[SpeakingRequest]:
    """The speaking order the rules propose (南塘议事规则).

    For and against take turns (正反轮流), starting with the side opposite the
    last speaker who took one; within a side those who have not yet spoken on
    the item come before those who have, then first come, first served. Hands
    with another stance (其他) take their turn after each for/against pair, so
    they are neither skipped nor allowed to break the alternation.
    """
    sides: dict[str, list[SpeakingRequest]] = {"support": [], "oppose": [], "other": []}
    for request in waiting:
        sides.get(request.stance, sides["other"]).append(request)
    for requests in sides.values():
        requests.sort(key=lambda r: (spoken[r.invitation_id], r.requested_at, r.id))
    first = "support" if last != "support" else "oppose"
    cycle = [first, "oppose" if first == "support" else "support", "other"]
    order: list[SpeakingRequest] = []
    while any(sides.values()):
        for side in cycle:
            if sides[side]:
                order.append(sides[side].pop(0))
    return order


def waiting_queue(meeting: Meeting) -> list[tuple[SpeakingRequest, int]]:
    """The waiting hands in the proposed speaking order (see ``propose_order``), each with its speeches so far."""
    item = current_item(meeting)
    waiting = list(
        db.session.scalars(
            select(SpeakingRequest).where(
                SpeakingRequest.meeting_id == meeting.id,
                SpeakingRequest.state == "waiting",
                _on_item(SpeakingRequest.agenda_item_id, item),
            )
        )
    )
    spoken = {r.invitation_id: speeches_made(meeting, r.invitation_id, item) for r in waiting}
    order = propose_order(waiting, spoken, last_side(meeting, item))
    return [(r, spoken[r.invitation_id]) for r in order]


def current_speech(meeting: Meeting) -> SpeakingRequest | None:
    return db.session.scalar(
        select(SpeakingRequest).where(SpeakingRequest.meeting_id == meeting.id, SpeakingRequest.state == "speaking")
    )


def ballot_choices(poll: Poll, *, live: bool = False) -> list[list[int]]:
    """Every ballot's choices; ``live`` (a tally while the poll is open): each sealed secret ballot
    is opened once per process and remembered (``secret_ballots.choices``), not at every tally."""
    from roundtable.live import secret_ballots

    if poll.secret:
        return secret_ballots.choices(poll, remembered=live)
    return list(db.session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll.id)))


def count_votes(poll: Poll, *, live: bool = False) -> dict:
    """Counts from the database: the source of truth shared by every server process.

    ``live`` for a tally of an open poll: a secret ballot already opened by this process
    is not opened again (the close always opens every one)."""
    counts = {option.id: 0 for option in poll.options}
    ballots = ballot_choices(poll, live=live)
    for chosen in ballots:
        for option_id in chosen:
            if option_id in counts:
                counts[option_id] += 1
    return {"counts": counts, "total": len(ballots)}


def voters_present(meeting: Meeting) -> int:
    return voters_present_in(meeting.id)


def voters_present_in(meeting_id: int) -> int:
    return db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.meeting_id == meeting_id,
            Invitation.side.in_(VOTING_SIDES),
            Invitation.checked_in_at.is_not(None),
        )
    ) or 0


# ---------------------------------------------------------------- views (what clients receive)

def public_name(invitation: Invitation) -> str:
    """Residents are shown by surname unless they agreed to be named; the watch screen is public."""
    name = invitation.display_name or SIDES.get(invitation.side, "")
    if invitation.side != "resident" or invitation.consent_to_name:
        return name
    return name[:1] + "*" * max(len(name) - 1, 1)


@overload
def participant_view(invitation: Invitation) -> dict[str, Any]: ...
@overload
def participant_view(invitation: None) -> None: ...
@overload
def participant_view(invitation: Invitation | None) -> dict[str, Any] | None: ...
def participant_view(invitation: Invitation | None) -> dict[str, Any] | None:
    if invitation is None:
        return None
    return {"id": invitation.id, "name": public_name(invitation), "side": invitation.side}


def meeting_view(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "status": meeting.status,
        "status_label": gettext(meeting.status_label),  # the asker's words; pages prefer their own (code)
        "rules": {
            "speech_minutes": meeting.speech_minutes,
            "speeches_per_motion": meeting.speeches_per_motion,
            "quorum": meeting.quorum,
            "majority_rule": meeting.majority_rule,
        },
    }


def agenda_view(meeting: Meeting) -> dict:
    items = []
    current_id = None
    for item in meeting.agenda_items:
        case = item.case
        items.append(
            {
                "id": item.id,
                "title": item.title,
                "minutes": item.minutes,
                "state": item.state,
                "opened_at": iso(item.opened_at),
                "closed_at": iso(item.closed_at),
                "case": (
                    {"number": case.external_number, "category": case.category, "category_label": gettext(case.category_label)}
                    if case is not None
                    else None
                ),
            }
        )
        if item.state == "open":
            current_id = item.id
    return {"agenda": items, "current_item_id": current_id}


def queue_view(meeting: Meeting) -> dict:
    item = current_item(meeting)
    speech = current_speech(meeting)
    return {
        "item_id": item.id if item else None,
        "queue": [
            {
                "id": request.id,
                "participant": participant_view(request.invitation),
                "requested_at": iso(request.requested_at),
                "spoken": spoken,
                "stance": request.stance,
            }
            for request, spoken in waiting_queue(meeting)
        ],
        "speaker": (
            {
                "request_id": speech.id,
                "participant": participant_view(speech.invitation),
                "started_at": iso(speech.started_at),
                "ends_at": iso(speech.ends_at),
                "stance": speech.stance,
            }
            if speech is not None
            else None
        ),
    }


def position_view(position: Position, *, for_host: bool = False) -> dict:
    hidden = position.hidden_at is not None
    return {
        "id": position.id,
        "item_id": position.agenda_item_id,
        "participant": participant_view(position.invitation),
        "stance": position.stance,
        "text": position.text if (for_host or not hidden) else None,
        "posted_at": iso(position.posted_at),
        "hidden": (
            {"by": position.hidden_by.display_name if position.hidden_by else None, "at": iso(position.hidden_at)}
            if hidden
            else None
        ),
    }


def motion_of_poll(poll_id: int) -> Motion | None:
    return db.session.scalar(select(Motion).join(Poll, Poll.motion_id == Motion.id).where(Poll.id == poll_id))


def motion_view(motion: Motion) -> dict:
    return {
        "id": motion.id,
        "item_id": motion.agenda_item_id,
        "text": motion.text,
        "proposer": participant_view(motion.proposer),
        "seconder": participant_view(motion.seconder),
        "state": motion.state,
    }


def channel_counts(poll) -> dict[str, int]:
    """How many ballots came by each channel; from "who voted" rows only, so secret polls stay secret."""
    voters = SecretVoter if poll.secret else Ballot
    total = db.session.scalar(select(func.count()).select_from(voters).where(voters.poll_id == poll.id)) or 0
    assisted = db.session.scalar(select(func.count()).select_from(voters).where(
        voters.poll_id == poll.id, voters.assisted_by_id.is_not(None))) or 0
    by_channel = dict(db.session.execute(
        select(BallotChannel.channel, func.count()).where(BallotChannel.poll_id == poll.id).group_by(BallotChannel.channel)
    ).all())
    paper, proxy = by_channel.get(PAPER, 0), by_channel.get(PROXY, 0)
    return {PHONE: total - assisted - paper - proxy, PAPER: paper, ASSISTED: assisted, PROXY: proxy}


def tally_of(poll: Poll) -> dict:
    """``seq`` is the committed ballot count: it only grows, whichever process reads it."""
    votes = count_votes(poll, live=True)
    return {
        "poll_id": poll.id,
        "counts": {str(k): v for k, v in votes["counts"].items()},
        "total": votes["total"],
        "seq": votes["total"],
        "channels": channel_counts(poll),
    }


def poll_result(poll: Poll) -> PollResult:
    """The one builder: a closed poll's result as its close stored it, an open poll's count as it stands."""
    if (closed := poll.closed_result) is not None:
        return closed
    tally = count_votes(poll)
    present = voters_present_in(poll.meeting_id)
    return PollResult(
        poll_id=poll.id, rule=poll.rule, quorum=poll.quorum, counts=tally["counts"], total=tally["total"],
        present=present, quorum_met=present >= poll.quorum, outcome="open",
    )


def wire_result(poll: Poll, *, full: bool) -> dict | None:
    """A closed poll's result for the phones; the room's copy leaves out the named ballot list.

    At a thousand phones that list is ~100 KB sent to each of them; the host
    has it in the close's ack and the snapshot, anyone else asks with
    ``poll_ballots``. A secret poll keeps its anonymous receipts, with which
    each phone checks that its own vote was counted.
    """
    closed = poll.closed_result
    return closed.to_dict(with_ballots=full) if closed else None


def closed_ballots(meeting: Meeting, poll_id: int) -> list[dict]:
    """Who voted what in a closed named poll, as recorded at the close."""
    poll = db.session.get(Poll, poll_id)
    if poll is None or poll.meeting_id != meeting.id:
        raise NotFound("找不到这项表决。")
    if poll.secret:
        raise OperationError("无记名表决不记录谁投了什么。", code="secret_poll")
    if poll.state != "closed":
        raise OperationError("表决尚未结束。", code="poll_open")
    closed = poll.closed_result
    return list(closed.ballots or ()) if closed else []


def poll_view(poll: Poll, *, full: bool = False) -> dict:
    """``full`` (the host's snapshot) keeps the named ballot list of a closed poll; see wire_result."""
    return {
        "id": poll.id,
        "motion_id": poll.motion_id,
        "motion": poll.motion.text,
        "kind": poll.kind,
        "options": [
            {"id": option.id, "label": option.label, "code": option.code,
             **({"cost_fen": option.cost_fen} if poll.budget_fen else {})}
            for option in poll.options
        ],
        **({"budget_fen": poll.budget_fen} if poll.budget_fen else {}),
        "secret": poll.secret,
        "min_choices": poll.min_choices,
        "max_choices": poll.max_choices,
        "rule": poll.rule,
        "quorum": poll.quorum,
        "state": poll.state,
        "tally": tally_of(poll),
        "result": wire_result(poll, full=full),
    }


PRESENCE_PAGE = 50  # people per side in a snapshot; the host pages through the rest with `presence_list`
PRESENCE_PAGE_MAX = 1000


def _presence_rows(meeting_id: int, side: str | None, offset: int, limit: int):
    """Plain rows with the name resolved in SQL (as Invitation.display_name does), not ORM objects."""
    query = (
        select(
            Invitation.id,
            Invitation.side,
            Invitation.consent_to_name,
            Invitation.checked_in_at,
            func.coalesce(User.display_name, Department.name, Organization.name, Invitation.guest_name, "")
            .label("display_name"),
        )
        .outerjoin(User, User.id == Invitation.user_id)
        .outerjoin(Department, Department.id == Invitation.department_id)
        .outerjoin(Organization, Organization.id == Invitation.organization_id)
        .where(Invitation.meeting_id == meeting_id)
        .order_by(Invitation.id)
        .offset(offset)
        .limit(limit)
    )
    if side is not None:
        query = query.where(Invitation.side == side)
    return db.session.execute(query).all()


def named_ballot_rows(poll_id: int):
    """A named poll's ballots in commit order as plain rows: choices, assisted_by_id, and the voter's
    id, side, consent_to_name and display_name (what ``participant_view`` reads), in one statement."""
    return db.session.execute(
        select(
            Ballot.choices,
            Ballot.assisted_by_id,
            Invitation.id,
            Invitation.side,
            Invitation.consent_to_name,
            func.coalesce(User.display_name, Department.name, Organization.name, Invitation.guest_name, "")
            .label("display_name"),
        )
        .join(Invitation, Invitation.id == Ballot.invitation_id)
        .outerjoin(User, User.id == Invitation.user_id)
        .outerjoin(Department, Department.id == Invitation.department_id)
        .outerjoin(Organization, Organization.id == Invitation.organization_id)
        .where(Ballot.poll_id == poll_id)
        .order_by(Ballot.id)
    ).all()


def _presence_entry(row) -> dict:
    entry = participant_view(row)
    entry["checked_in"] = row.checked_in_at is not None
    return entry


def presence_counts(meeting_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """(present, invited) by side, from one aggregate query."""
    rows = db.session.execute(
        select(Invitation.side, func.count(Invitation.id), func.count(Invitation.checked_in_at))
        .where(Invitation.meeting_id == meeting_id)
        .group_by(Invitation.side)
    ).all()
    present = {side: 0 for side in SIDES if side != "host"}
    invited = dict(present)
    for side, everyone, checked_in in rows:
        present[side], invited[side] = checked_in, everyone
    return present, invited


def presence_view(meeting: Meeting, page: int | None = None) -> dict:
    """Counts by side and the first ``page`` people of each side: the same size whatever the room.

    Every phone gets this on every join; the whole list made a joining rush
    O(N²) in queries and bytes. ``complete`` is true when nobody was left out;
    otherwise ``invited_by_side`` says how many each side has, and the host
    asks for the rest with ``presence_list``.
    """
    page = PRESENCE_PAGE if page is None else page
    present, invited = presence_counts(meeting.id)
    sides: dict[str, list] = {}
    for side in SIDES:
        if side == "host":
            continue
        sides[side] = [_presence_entry(row) for row in _presence_rows(meeting.id, side, 0, page)] if invited.get(side) else []
    sides["host"] = [{"name": meeting.host.display_name}] if meeting.host is not None else []
    return {
        "sides": sides,
        "counts": present,
        "invited_by_side": invited,
        "present": sum(present.get(side, 0) for side in VOTING_SIDES),
        "invited": sum(invited.get(side, 0) for side in VOTING_SIDES),
        "complete": all(len(sides.get(side, [])) >= n for side, n in invited.items()),
    }


def presence_page(meeting: Meeting, side: str | None, offset: int, limit: int) -> dict:
    """One page of the people invited (of one side, or all), in invitation order: the host's full list."""
    limit = max(1, min(limit, PRESENCE_PAGE_MAX))
    rows = _presence_rows(meeting.id, side, max(offset, 0), limit + 1)
    people = [_presence_entry(row) for row in rows[:limit]]
    return {"side": side, "offset": max(offset, 0), "people": people, "more": len(rows) > limit}


def presence_change(meeting: Meeting, invitation: Invitation) -> dict:
    """The `presence` room event after one check-in: the counts and that one participant.

    The whole list to every phone at every check-in is O(N²) for a room
    checking in at the door; the counts come from one aggregate query and
    clients merge the entry into the list of their snapshot (``complete`` false).
    """
    counts, invited = presence_counts(meeting.id)
    entry = participant_view(invitation)
    entry["checked_in"] = invitation.checked_in_at is not None
    return {
        "sides": {invitation.side: [entry]},
        "counts": counts,
        "invited_by_side": invited,
        "present": sum(counts.get(side, 0) for side in VOTING_SIDES),
        "invited": sum(invited.get(side, 0) for side in VOTING_SIDES),
        "complete": False,
    }


def my_ballots(actor: Actor, polls: list[dict] | None = None) -> list[dict]:
    """The caller's own ballots; ``polls`` (the snapshot's) spares the query of a kind the meeting has none of."""
    from roundtable.live import secret_ballots

    invitation = actor.invitation
    if invitation is None or polls == []:
        return []
    mine = []
    if polls is None or any(not poll["secret"] for poll in polls):
        named = db.session.execute(
            select(Ballot.poll_id, Ballot.receipt, Ballot.assisted_by_id).where(Ballot.invitation_id == invitation.id)
        )
        for poll_id, receipt, assisted_by_id in named:
            mine.append({"poll_id": poll_id, "receipt": receipt, "assisted": assisted_by_id is not None})
    if polls is not None and not any(poll["secret"] for poll in polls):
        return sorted(mine, key=lambda entry: entry["poll_id"])
    secret = db.session.execute(
        select(Poll, SecretVoter.assisted_by_id)
        .join(SecretVoter, SecretVoter.poll_id == Poll.id)
        .where(SecretVoter.invitation_id == invitation.id)
    )
    for poll, assisted_by_id in secret:
        mine.append({"poll_id": poll.id, "receipt": secret_ballots.receipt(poll.id, invitation.id),
                     "assisted": assisted_by_id is not None})
    return sorted(mine, key=lambda entry: entry["poll_id"])


def room_view(meeting: Meeting, *, for_host: bool = False) -> dict:
    """The snapshot without ``me`` and ``server_time``: the same for every participant and watcher."""
    positions: dict[str, list] = {side: [] for side in SIDES}
    for position in db.session.scalars(
        select(Position).where(Position.meeting_id == meeting.id).order_by(Position.id)
    ):
        positions.setdefault(position.invitation.side, []).append(position_view(position, for_host=for_host))
    motions = db.session.scalars(select(Motion).where(Motion.meeting_id == meeting.id).order_by(Motion.id))
    polls = db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id))
    queue = queue_view(meeting)
    return {
        "protocol": PROTOCOL,
        "meeting": meeting_view(meeting),
        **agenda_view(meeting),
        "queue": queue["queue"],
        "speaker": queue["speaker"],
        "positions": positions,
        "motions": [motion_view(motion) for motion in motions],
        "polls": [poll_view(poll, full=for_host) for poll in polls],
        "presence": presence_view(meeting),
    }


def snapshot(actor: Actor) -> dict:
    """Everything a client needs to draw the room from nothing (docs/live-protocol.md §5).

    The room part is shared by every participant and watcher (``snapshots``);
    the host's is read afresh, with hidden texts and named ballot lists.
    """
    from roundtable.live.snapshots import snapshots

    if actor.host:
        room = room_view(actor.meeting, for_host=True)
    else:  # the meeting row is read only if the part must be built
        room = snapshots().room(actor.meeting_id, lambda: room_view(actor.meeting))
    invitation = actor.invitation
    return _with_me(room, actor, invitation, my_ballots(actor, room["polls"]), _proxies(invitation), _granted(invitation))


def _with_me(room: dict, actor: Actor, invitation: Invitation | None, ballots: list[dict],
             proxies: list[dict], granted: dict | None) -> dict:
    """The room's shared part and the caller's own ("me"), the one shape every join answers with."""
    return {
        **room,
        "server_time": iso(utcnow()),
        "me": {
            "role": actor.role,
            "host": actor.host,
            "participant": participant_view(invitation),
            "can_vote": can_vote(invitation),
            "checked_in": bool(invitation and invitation.checked_in_at),
            "ballots": ballots,
            "proxies": proxies,
            "granted": granted,
        },
    }


def _proxies(invitation: Invitation | None) -> list[dict]:
    """For a holder's phone: each person represented, and the polls already voted for them (one ballot each).

    Only the holder's own snapshot carries this, so the people they represent are named in full
    (the room sees residents by surname): two neighbours called 王 must not look alike.
    """
    if invitation is None:
        return []
    rows = []
    for proxy in proxies_held(invitation.meeting_id, invitation.id):
        voted = set(db.session.scalars(select(Ballot.poll_id).where(Ballot.invitation_id == proxy.grantor_id)))
        voted |= set(db.session.scalars(select(SecretVoter.poll_id).where(SecretVoter.invitation_id == proxy.grantor_id)))
        grantor = proxy.grantor
        rows.append({"grantor": {"id": grantor.id, "name": grantor.display_name, "side": grantor.side},
                     "voted_polls": sorted(voted)})
    return rows


def _granted(invitation: Invitation | None) -> dict | None:
    return proxy_granted(invitation)


# ---------------------------------------------------------------- a join by invitation token, in one statement


@dataclass(frozen=True)
class TokenJoin:
    """What ``token_join`` read: the invitation (a plain row: id, meeting_id, side, consent_to_name,
    checked_in_at, display_name), its meeting's status, its own ballots, whether it holds a proxy
    and whether it gave one that is in force."""

    invitation: Any
    meeting_status: str
    ballots: list[dict]
    holds_proxy: bool
    grants_proxy: bool


@functools.cache
def _token_join_statement():
    """Built once: constructing a select of seven joins took a tenth of a join's work."""
    holds = exists().where(Proxy.holder_id == Invitation.id, Proxy.meeting_id == Invitation.meeting_id)
    grants = exists().where(Proxy.grantor_id == Invitation.id, Proxy.meeting_id == Invitation.meeting_id,
                            Proxy.revoked_at.is_(None))
    return (
        select(
            Invitation.id,
            Invitation.meeting_id,
            Invitation.side,
            Invitation.consent_to_name,
            Invitation.checked_in_at,
            func.coalesce(User.display_name, Department.name, Organization.name, Invitation.guest_name, "")
            .label("display_name"),
            Meeting.status,
            holds.label("holds_proxy"),
            grants.label("grants_proxy"),
            Poll.id.label("poll_id"),
            Ballot.receipt,
            Ballot.assisted_by_id,
            SecretVoter.invitation_id.label("secret_voter"),
            SecretVoter.assisted_by_id.label("secret_assisted_by_id"),
        )
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .outerjoin(User, User.id == Invitation.user_id)
        .outerjoin(Department, Department.id == Invitation.department_id)
        .outerjoin(Organization, Organization.id == Invitation.organization_id)
        .outerjoin(Poll, Poll.meeting_id == Invitation.meeting_id)
        .outerjoin(Ballot, (Ballot.poll_id == Poll.id) & (Ballot.invitation_id == Invitation.id))
        .outerjoin(SecretVoter, (SecretVoter.poll_id == Poll.id) & (SecretVoter.invitation_id == Invitation.id))
        .where(Invitation.token == bindparam("token"))
    )


def token_join(token: str, *, alone: bool = False) -> TokenJoin | None:
    """Everything a phone joining by invitation token needs from the database, in one statement.

    Per phone a join asked six times (the meeting's status, the invitation, its
    named and its secret ballots, the proxies it holds and gave), each with a pooled connection and
    ORM rows. Here: the invitation and its meeting, the name as ``_presence_rows``
    resolves it, and one row per poll of the meeting with this participant's
    ballot in it, if any (both tables are looked up by their UNIQUE (poll,
    participant) index). None when no invitation has this token.

    ``alone``: the event reads nothing else (``on_connect``), so the statement runs
    outside a transaction: one round trip instead of three (BEGIN, the read, ROLLBACK).
    """
    if alone and not db.session().in_transaction():
        connection = db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        rows = connection.execute(_token_join_statement(), {"token": token}).all()
    else:
        rows = db.session.execute(_token_join_statement(), {"token": token}).all()
    if not rows:
        return None
    from roundtable.live import secret_ballots

    first = rows[0]
    ballots = []
    for row in rows:
        if row.receipt is not None:
            ballots.append({"poll_id": row.poll_id, "receipt": row.receipt, "assisted": row.assisted_by_id is not None})
        elif row.secret_voter is not None:
            ballots.append({"poll_id": row.poll_id, "receipt": secret_ballots.receipt(row.poll_id, first.id),
                            "assisted": row.secret_assisted_by_id is not None})
    return TokenJoin(first, first.status, sorted(ballots, key=lambda entry: entry["poll_id"]), bool(first.holds_proxy),
                     bool(first.grants_proxy))


def token_snapshot(actor: Actor, joined: TokenJoin) -> dict:
    """``snapshot`` for a participant who joined by token, from what ``token_join`` read: the same
    snapshot, without reading the invitation, its ballots or (unless it holds one) its proxies again."""
    from roundtable.live.snapshots import snapshots

    room = snapshots().room(actor.meeting_id, lambda: room_view(actor.meeting))
    return _with_me(room, actor, joined.invitation, joined.ballots,
                    _proxies(actor.invitation) if joined.holds_proxy else [],
                    _granted(actor.invitation) if joined.grants_proxy else None)
