"""The ``/live`` namespace: thin handlers that check, call one operation, commit, then broadcast.

Authentication happens once, in ``on_connect``; the connection keeps its
credential. ``on_join`` checks it against the database and keeps the actor
found (ids and flags, ``actor_cache``) until a revocation forgets it. Every
event checks the permission again against that actor (``live_event``),
validates the payload (``payloads``), and turns an OperationError into an
``{ok: false}`` ack after a rollback.
"""
from __future__ import annotations

import functools
import logging
import time

from flask import request, session
from flask_babel import gettext
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room, leave_room
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from roundtable.audit.actor import ANONYMOUS, AuditActor, acting_as
from roundtable.ballots.operations import BallotRequest, paper_request, proxy_request
from roundtable.core.errors import NotAllowed, OperationError
from roundtable.extensions import db
from roundtable.live import operations, queries, registry, snapshots
from roundtable.live import payloads as p
from roundtable.live.actor_cache import actors
from roundtable.live.ballot_box import BallotBox, ballot_box
from roundtable.live.broadcast import release_after_ack, room_of, tallies, to_room
from roundtable.live.models import HAND_STANCES, POLL_KINDS, STANCES
from roundtable.live.packets import REFUSED
from roundtable.live.permissions import (
    ENDED_STATUSES,
    Actor,
    MeetingEnded,
    actor_for,
    credential_from,
    may_take_sides,
    refuse_ended_meeting,
    watched_meeting_id,
)
from roundtable.meetings.models import SIDES, Meeting

log = logging.getLogger(__name__)

PARTICIPANT, HOST, ANYONE, CONNECTED = "participant", "host", "anyone", "connected"
PRESENCE_SIDES = tuple(side for side in SIDES if side != "host")
INTERNAL_MESSAGE = "服务器出错了,我们已记录此问题。"
BUSY_MESSAGE = "系统繁忙,操作未生效,请重试。"
# SQLSTATEs of PostgreSQL that mean "try again": serialization failure, deadlock, lock not available.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def _sid() -> str:
    """This socket's id: Flask-SocketIO sets it on the request, which Flask's own type does not know."""
    sid: str = request.sid  # type: ignore[attr-defined]
    return sid


def _enter_room(meeting_id: int, actor: Actor) -> None:
    """Move this socket into the meeting's room (out of another meeting's) and remember who it acts as."""
    previous = session.get("live_meeting_id")
    if previous is not None and previous != meeting_id:
        leave_room(room_of(previous))
    join_room(room_of(meeting_id))
    session["live_meeting_id"] = meeting_id
    actors.put(_sid(), actor)


def is_busy(error: Exception) -> bool:
    """A database too busy to answer in time: nothing was changed, the phone may simply retry."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:  # the connection broke (a restart): pooled ones are being replaced
            return True
        if "database is locked" in str(error.orig):
            return True
        return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
    return False


def require_neutral_host(actor: Actor) -> None:
    if not may_take_sides(actor):
        raise NotAllowed("主持人须保持中立,不能发表立场或投票。", code="host_neutral")


def ballot(**whose: p.Field) -> dict[str, p.Field]:
    """The payload of a ballot, whichever channel it comes by (phone, host's assist, paper, proxy):
    the poll, whose ballot it is where the caller is not the voter, the choices and the idempotency key."""
    return {"poll_id": p.integer("表决"), **whose, "choices": p.integers("选择"), "key": p.text("幂等键", max_length=64)}


def cast_ack(ballot: BallotRequest, *, refuse_repeat: OperationError | None = None) -> dict:
    """Cast one ballot through the group commit; the ack carries its receipt.

    A repeated key is answered with the first receipt, unless the channel refuses a second
    ballot for the same voter (paper, proxy): then ``refuse_repeat`` is the refusal.
    """
    vote = ballot_box().cast(ballot)
    if vote.repeated and refuse_repeat is not None:
        raise refuse_repeat
    return {"ok": True, "receipt": vote.receipt, "repeated": vote.repeated}


def refusal(error: OperationError) -> dict:
    return {"ok": False, "error": error.code, "message": error.message}


def joined_actor(who: str) -> Actor | None:
    """The caller in the meeting this connection joined, allowed to do ``who``'s events, or an error.

    ``CONNECTED`` events (join) need no meeting yet and get None.
    """
    if who == CONNECTED:
        return None
    meeting_id = session.get("live_meeting_id")
    if meeting_id is None:
        raise OperationError("请先加入会议。", code="not_joined")
    actor = actors.get(_sid(), meeting_id)
    if actor is None:  # forgotten (revocation, TTL) or never kept: ask the database
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotAllowed("会议已不存在。")
        actor = actor_for(session.get("live_credential"), meeting)
        actors.put(_sid(), actor)
    if who == HOST and not actor.host:
        raise NotAllowed("只有主持人可以进行此操作。")
    if who == PARTICIPANT and actor.invitation_id is None:
        if actor.watcher:
            raise NotAllowed("观看链接只能观看,不能操作。")
        raise OperationError("您不在这场会议的参会名单中。", code="not_participant")
    return actor


CONNECT_READ = "live_connect_read"
CONNECT_READ_SECONDS = 1.0


def _connect_read(meeting_id: int | None) -> queries.TokenJoin | None:
    """What ``on_connect`` read for this invitation token, if the join comes within a second and
    nothing of the meeting changed since (``snapshots`` counts every change and room event): then
    it is what the database would answer now. A revocation in between drops the socket, as it
    drops a joined one. Used once."""
    kept = session.pop(CONNECT_READ, None)
    if kept is None:
        return None
    read_at, version, joined = kept
    if meeting_id not in (None, joined.invitation.meeting_id):
        return None
    if time.monotonic() - read_at > CONNECT_READ_SECONDS:
        return None
    if snapshots.snapshots().version(joined.invitation.meeting_id) != version:
        return None
    return joined


def audit_actor(actor) -> AuditActor:
    """Who the audit trail names for a live action: the logged-in person, else the invitation."""
    if actor is None:
        return ANONYMOUS
    if actor.user_id is not None:
        return AuditActor(actor.user_id, actor.username)
    if actor.invitation_id is not None:
        return AuditActor(None, f"invitation:{actor.invitation_id}")
    return AuditActor(None, "watcher" if actor.watcher else "anonymous")


def live_event(who: str, **schema: p.Field):
    """Permission, payload and errors for one event, so that the handler holds only the action."""

    def decorate(handler):
        @functools.wraps(handler)
        def run(self, data=None, *_ignored):
            try:
                actor = joined_actor(who)
                values = p.clean(schema, data)
                with acting_as(audit_actor(actor)):
                    return handler(self, actor, **values)
            except OperationError as error:
                db.session.rollback()
                return refusal(error)
            except Exception as error:  # noqa: BLE001 - a bug must still answer the phone
                db.session.rollback()
                if is_busy(error):
                    log.warning("live event %s: database busy (%s)", handler.__name__, error.__class__.__name__)
                    return {"ok": False, "error": "busy", "message": gettext(BUSY_MESSAGE)}
                log.exception("live event %s failed", handler.__name__)
                return {"ok": False, "error": "internal", "message": gettext(INTERNAL_MESSAGE)}

        return run

    return decorate


REFUSAL_MESSAGES = {
    "invalid": "请求内容格式有误。",
    "too_large": "请求内容过长。",
    "unknown_event": "不支持的操作。",
}


def _refusal(code: str) -> dict:
    """The ack of a packet refused before any handler, in the asker's language."""
    return {"ok": False, "error": code, "message": gettext(REFUSAL_MESSAGES[code])}


class LiveNamespace(Namespace):
    """Protocol "1" (docs/live-protocol.md). Docstrings: who sends the event → what the room gets."""

    def trigger_event(self, event, *args):
        """Every event gets an ack: packets refused while decoding and names without a handler too."""
        if event == REFUSED:
            return _refusal(args[1] if len(args) > 1 and args[1] in REFUSAL_MESSAGES else "invalid")
        if event not in ("connect", "disconnect") and not callable(getattr(self, f"on_{event}", None)):
            return _refusal("unknown_event")
        return super().trigger_event(event, *args)

    def on_connect(self, auth=None):
        """Anyone → nothing. Accepts an invitation or watch token, or the login session.

        An invitation token is read with everything its join needs (``queries.token_join``):
        the join that follows at once uses that read (``_connect_read``) instead of a second one.
        """
        session.pop("live_meeting_id", None)
        session.pop(CONNECT_READ, None)
        token = auth.get("token") if isinstance(auth, dict) else None
        if isinstance(token, str) and 0 < len(token) <= 64:
            joined = queries.token_join(token, alone=True)
            if joined is not None:
                meeting_id = joined.invitation.meeting_id
                session["live_credential"] = {"kind": "invitation", "token": token}
                session[CONNECT_READ] = (time.monotonic(), snapshots.snapshots().version(meeting_id), joined)
                # recorded now, so that removing the invitation before the join drops this socket too
                registry.socket_joined(_sid(), joined.invitation.id)
                return
        credential = credential_from(auth, current_user)
        if credential is None:
            raise ConnectionRefusedError("unauthorized")
        session["live_credential"] = credential
        registry.socket_opened(_sid(), credential)

    def on_disconnect(self, *_reason):
        """Anyone → nothing. Forgets a login-session socket (see registry)."""
        registry.socket_closed(_sid())

    @live_event(CONNECTED, meeting_id=p.integer("会议", required=False))
    def on_join(self, _nobody, meeting_id):
        """Anyone connected → nothing to the room; the caller gets the full snapshot in the ack.

        Also what a reconnecting phone sends: the snapshot replaces whatever it had.
        """
        credential = session.get("live_credential")
        if (credential or {}).get("kind") == "invitation":
            joined = _connect_read(meeting_id)
            if joined is not None:
                return self._join_by_token(joined, recorded=True)
            joined = queries.token_join(credential["token"])
            if joined is not None and meeting_id in (None, joined.invitation.meeting_id):
                return self._join_by_token(joined)
            # no such invitation any more, or another meeting: the checks below give the refusal
        meeting_id = meeting_id or watched_meeting_id(credential)
        refuse_ended_meeting(credential, meeting_id)  # tokens of cancelled, concluded or deleted meetings
        if not meeting_id:
            raise OperationError("找不到这场会议。", code="not_found")
        try:
            actor = actor_for(credential, meeting_id)  # a join always asks the database
        except NotAllowed:
            if db.session.get(Meeting, meeting_id) is None:
                raise OperationError("找不到这场会议。", code="not_found") from None
            raise
        _enter_room(meeting_id, actor)
        member = (actor.user_id, actor.meeting.community_id) if actor.user_id is not None else None
        registry.socket_joined(_sid(), actor.invitation_id, member)
        snapshot = queries.snapshot(actor)
        release_after_ack(_sid())
        return {"ok": True, "snapshot": snapshot}

    def _join_by_token(self, joined: queries.TokenJoin, recorded: bool = False) -> dict:
        """``on_join`` for an invitation token whose invitation ``token_join`` found: the same checks
        and the same snapshot as the general path, from that one statement. ``recorded``: the
        registry has the socket under its invitation already (``on_connect``)."""
        meeting_id = joined.invitation.meeting_id
        if joined.meeting_status in ENDED_STATUSES:
            raise MeetingEnded("会议已结束或已取消。")
        actor = Actor(meeting_id=meeting_id, invitation_id=joined.invitation.id)
        _enter_room(meeting_id, actor)
        if not recorded:
            registry.socket_joined(_sid(), actor.invitation_id)
        snapshot = queries.token_snapshot(actor, joined)
        release_after_ack(_sid())
        return {"ok": True, "snapshot": snapshot}

    @live_event(ANYONE)
    def on_snapshot(self, actor):
        """Anyone joined → nothing; the ack carries a fresh snapshot."""
        snapshot = queries.snapshot(actor)
        release_after_ack(_sid())
        return {"ok": True, "snapshot": snapshot}

    # ------------------------------------------------------------ meeting lifecycle (host)

    def _transition(self, actor: Actor, status: str, note: str | None):
        from roundtable.meetings.operations import transition_meeting

        transition_meeting(actor.meeting, status, actor.user, note or "")
        db.session.commit()
        to_room(actor.meeting.id, "meeting", queries.meeting_view(actor.meeting))
        return {"ok": True}

    @live_event(HOST, note=p.text("说明", max_length=1000, required=False),
                early=p.flag("提前开始", required=False, default=False))
    def on_meeting_start(self, actor, note, early):
        """Host → `meeting` (status live). More than an hour before the scheduled time the host
        must confirm (`early: true`); otherwise the ack is `early_start` with the scheduled time."""
        operations.check_start_time(actor.meeting, confirmed=early)
        return self._transition(actor, "live", note)

    @live_event(HOST, note=p.text("说明", max_length=1000, required=False))
    def on_meeting_adjourn(self, actor, note):
        """Host → `meeting` (status adjourned)."""
        return self._transition(actor, "adjourned", note)

    @live_event(HOST, note=p.text("说明", max_length=1000, required=False))
    def on_meeting_conclude(self, actor, note):
        """Host → `meeting` (status concluded)."""
        return self._transition(actor, "concluded", note)

    # ------------------------------------------------------------ presence

    @live_event(PARTICIPANT)
    def on_check_in(self, actor):
        """Participant → `presence` (the counts and this participant, see queries.presence_change)."""
        invitation = operations.check_in(actor.invitation)
        db.session.commit()
        to_room(actor.meeting.id, "presence", queries.presence_change(actor.meeting, invitation))
        return {"ok": True}

    @live_event(
        HOST,
        side=p.choice(PRESENCE_SIDES, "参会方", required=False),
        offset=p.integer("起始", required=False, default=0),
        limit=p.integer("条数", required=False, default=queries.PRESENCE_PAGE_MAX),
    )
    def on_presence_list(self, actor, side, offset, limit):
        """Host → nothing; the ack carries one page of everyone invited (the snapshot has counts and a first page)."""
        return {"ok": True, **queries.presence_page(actor.meeting, side, offset, limit)}

    @live_event(HOST, participant_id=p.integer("参会人"))
    def on_check_in_for(self, actor, participant_id):
        """Host, for someone without a phone → `presence` (the counts and that participant)."""
        invitation = operations.check_in_for(actor.meeting, participant_id)
        db.session.commit()
        to_room(actor.meeting.id, "presence", queries.presence_change(actor.meeting, invitation))
        return {"ok": True}

    # ------------------------------------------------------------ agenda and speakers

    @live_event(HOST, item_id=p.integer("议程", required=False))
    def on_agenda_advance(self, actor, item_id):
        """Host → `agenda`, then `queue` (hands of the closed item are dropped)."""
        item = operations.advance_agenda(actor.meeting, item_id)
        db.session.commit()
        to_room(actor.meeting.id, "agenda", queries.agenda_view(actor.meeting))
        to_room(actor.meeting.id, "queue", queries.queue_view(actor.meeting))
        return {"ok": True, "current_item_id": item.id if item else None}

    @live_event(PARTICIPANT, stance=p.choice(HAND_STANCES, "立场"))
    def on_hand_raise(self, actor, stance):
        """Participant, stating a stance first (support / oppose / other) → `queue`."""
        hand = operations.raise_hand(actor.meeting, actor.invitation, stance)
        db.session.commit()
        to_room(actor.meeting.id, "queue", queries.queue_view(actor.meeting))
        return {"ok": True, "request_id": hand.id}

    @live_event(PARTICIPANT)
    def on_hand_lower(self, actor):
        """Participant → `queue`."""
        operations.lower_hand(actor.meeting, actor.invitation)
        db.session.commit()
        to_room(actor.meeting.id, "queue", queries.queue_view(actor.meeting))
        return {"ok": True}

    @live_event(HOST, request_id=p.integer("发言申请", required=False),
                reason=p.text("理由", max_length=operations.MAX_OVERRIDE_REASON, required=False))
    def on_speaker_grant(self, actor, request_id, reason):
        """Host → `queue` with the new speaker and ends_at. Anyone but the proposed next speaker
        needs a `reason` (ack `override_reason_required` otherwise); it is recorded."""
        operations.grant_speaker(actor.meeting, actor.user, request_id, reason)
        db.session.commit()
        state = queries.queue_view(actor.meeting)
        to_room(actor.meeting.id, "queue", state)
        return {"ok": True, "speaker": state["speaker"]}

    @live_event(HOST)
    def on_speaker_done(self, actor):
        """Host → `queue` without a speaker."""
        operations.end_speech(actor.meeting)
        db.session.commit()
        to_room(actor.meeting.id, "queue", queries.queue_view(actor.meeting))
        return {"ok": True}

    # ------------------------------------------------------------ positions and motions

    @live_event(PARTICIPANT, stance=p.choice(STANCES, "立场"), text=p.text("内容", max_length=500))
    def on_position_post(self, actor, stance, text):
        """Participant other than the host → `position`."""
        require_neutral_host(actor)
        position = operations.post_position(actor.meeting, actor.invitation, stance, text)
        db.session.commit()
        to_room(actor.meeting.id, "position", queries.position_view(position))
        return {"ok": True, "position_id": position.id}

    @live_event(HOST, position_id=p.integer("立场"))
    def on_position_hide(self, actor, position_id):
        """Host → `position` (hidden: text withheld, who and when shown)."""
        position = operations.hide_position(actor.meeting, position_id, actor.user)
        db.session.commit()
        to_room(actor.meeting.id, "position", queries.position_view(position))
        return {"ok": True}

    @live_event(PARTICIPANT, text=p.text("动议", max_length=500))
    def on_motion_propose(self, actor, text):
        """Participant → `motion`."""
        motion = operations.propose_motion(actor.meeting, actor.invitation, text)
        db.session.commit()
        to_room(actor.meeting.id, "motion", queries.motion_view(motion))
        return {"ok": True, "motion_id": motion.id}

    @live_event(PARTICIPANT, motion_id=p.integer("动议"))
    def on_motion_second(self, actor, motion_id):
        """Participant other than the proposer → `motion`."""
        motion = operations.second_motion(actor.meeting, actor.invitation, motion_id)
        db.session.commit()
        to_room(actor.meeting.id, "motion", queries.motion_view(motion))
        return {"ok": True}

    # ------------------------------------------------------------ polls

    @live_event(
        HOST,
        motion_id=p.integer("动议"),
        kind=p.choice(POLL_KINDS, "表决方式"),
        options=p.texts("选项", max_items=operations.MAX_OPTIONS, required=False),
        secret=p.flag("无记名", required=False, default=False),
        min_choices=p.integer("最少选择", required=False),
        max_choices=p.integer("最多选择", required=False),
    )
    def on_poll_open(self, actor, motion_id, kind, options, secret, min_choices, max_choices):
        """Host → `poll_opened`, then `motion` (now voting)."""
        poll = operations.open_poll(actor.meeting, actor.user, motion_id, kind, options, secret, min_choices, max_choices)
        db.session.commit()
        to_room(actor.meeting.id, "poll_opened", queries.poll_view(poll))
        to_room(actor.meeting.id, "motion", queries.motion_view(poll.motion))
        return {"ok": True, "poll_id": poll.id}

    @live_event(HOST, poll_id=p.integer("表决"))
    def on_poll_close(self, actor, poll_id):
        """Host → `poll_closed` with the result computed from the database.

        The room hears the result without the named ballot list (N ballots to
        each of N phones); the host's ack carries it whole, anyone may ask
        with `poll_ballots`.
        """
        result = operations.close_poll(actor.meeting, actor.user, poll_id)
        db.session.commit()
        tallies().forget(poll_id)
        to_room(actor.meeting.id, "poll_closed", result.to_dict(with_ballots=False))
        motion = queries.motion_of_poll(poll_id)
        if motion is not None:
            to_room(actor.meeting.id, "motion", queries.motion_view(motion))
        return {"ok": True, "result": result.to_dict()}

    @live_event(ANYONE, poll_id=p.integer("表决"))
    def on_poll_ballots(self, actor, poll_id):
        """Anyone joined → nothing; the ack carries a closed named poll's ballots (who voted what)."""
        return {"ok": True, "poll_id": poll_id, "ballots": queries.closed_ballots(actor.meeting, poll_id)}

    @live_event(PARTICIPANT, **ballot())
    def on_vote_cast(self, actor, poll_id, choices, key):
        """Voter → `tally`, coalesced. Acked with the receipt only after the commit that holds the
        ballot, which ballot_box shares with the votes arriving at the same moment. The host does not vote."""
        require_neutral_host(actor)
        return cast_ack(BallotRequest(actor.meeting_id, actor.invitation_id, poll_id, choices, key))

    @live_event(HOST, **ballot(participant_id=p.integer("参会人")))
    def on_vote_assist(self, actor, poll_id, participant_id, choices, key):
        """Host, for a present resident without a phone → `tally`, coalesced (same group commit)."""
        return cast_ack(operations.assist_request(actor.meeting, actor.user, participant_id, poll_id, choices, key))

    @live_event(HOST, **ballot(participant_id=p.integer("参会人")))
    def on_vote_paper(self, actor, poll_id, participant_id, choices, key):
        """Host records a paper ballot of a present voter → `tally` (same path; never twice, never beside a phone ballot)."""
        return cast_ack(
            paper_request(actor.meeting, actor.user, participant_id, poll_id, choices, key),
            refuse_repeat=OperationError("这位居民的选票已经计入,不能再记纸质选票。", code="already_voted"),
        )

    @live_event(PARTICIPANT, **ballot(grantor_id=p.integer("委托人")))
    def on_vote_proxy(self, actor, poll_id, grantor_id, choices, key):
        """Proxy holder → one ballot for one person they represent → `tally`; the voter's own ballot wins a race."""
        require_neutral_host(actor)
        return cast_ack(
            proxy_request(actor.meeting, actor.invitation, grantor_id, poll_id, choices, key),
            refuse_repeat=OperationError("这位居民的选票已经计入。", code="already_voted"),
        )


    @live_event(PARTICIPANT)
    def on_proxy_revoke(self, actor):
        """A resident withdraws the proxy they gave (撤销委托) → nothing to the room; ballots already cast stay."""
        from roundtable.ballots.operations import revoke_own_proxy

        revoke_own_proxy(actor.invitation)
        db.session.commit()
        return {"ok": True}


def register(app) -> None:
    """Register the namespace once per SocketIO object, and a tally broadcaster and a ballot box per app."""
    from roundtable.extensions import socketio
    from roundtable.live.broadcast import NAMESPACE, TallyBroadcaster

    app.extensions["live_tallies"] = TallyBroadcaster(app)
    app.extensions["live_ballots"] = BallotBox(app)
    app.extensions["live_snapshots"] = snapshots.RoomSnapshots()
    snapshots.install()
    if not any(handler.namespace == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(LiveNamespace(NAMESPACE))
