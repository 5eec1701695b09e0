"""Paper and proxy ballots: requests for the one ballot path (``live.operations.cast_votes``), and proxies.

Every channel ends in the same guarded INSERT of the voter's row, so the
UNIQUE (poll, voter) rule holds across channels: a paper ballot beside a
phone ballot, or a proxy holder and the voter at the same moment, leave one
ballot. What differs is who may ask and what is recorded beside the voter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from roundtable.auth.models import User
from roundtable.ballots.models import (
    CONSENT_MEANS,
    OWN_PHONE,
    PAPER,
    PROXY,
    REVOKE_MEANS,
    SECRETARY_CORRECTION,
    BallotChannel,
    Proxy,
)
from roundtable.core.errors import Conflict, NotAllowed, NotFound, OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Invitation, Meeting
from roundtable.meetings.permissions import can_vote

PROXY_STATUSES = ("scheduled", "live", "adjourned")


@dataclass
class BallotRequest:
    """One vote, by ids only: it is written in whichever session writes its group (see ballot_box)."""

    meeting_id: int
    invitation_id: int
    poll_id: int
    choices: list[int]
    key: str
    assisted_by_id: int | None = None
    # How the ballot came when not from the voter's own phone: "paper" (recorded by the host,
    # ``recorded_by_id``) or "proxy" (cast by a holder under ``proxy_id``); see ``channel_rows``.
    channel: str = "phone"
    proxy_id: int | None = None
    recorded_by_id: int | None = None


def channel_rows(poll_id: int, request: BallotRequest) -> list[BallotChannel]:
    """The row that says how a ballot came, written beside the voter's row (and rolled back with it)."""
    if request.channel not in (PAPER, PROXY):
        return []
    return [BallotChannel(poll_id=poll_id, invitation_id=request.invitation_id, channel=request.channel,
                          proxy_id=request.proxy_id, recorded_by_id=request.recorded_by_id)]


def _participant(meeting: Meeting, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.meeting_id != meeting.id:
        raise NotFound("找不到这位参会人。")
    return invitation


def paper_request(meeting: Meeting, host: User | None, participant_id: int, poll_id: int, choices: list[int], key: str,
                  ) -> BallotRequest:
    """The host records a paper ballot collected at the table from a present voter."""
    voter = _participant(meeting, participant_id)
    if voter.checked_in_at is None:
        raise OperationError("纸质选票只能由到场签到的居民投出。", code="not_checked_in")
    return BallotRequest(meeting.id, voter.id, poll_id, list(choices), key, channel=PAPER,
                         recorded_by_id=host.id if host else None)


def proxy_of(meeting: Meeting, holder: Invitation, grantor_id: int) -> Proxy:
    """The proxy in force that lets ``holder`` vote for ``grantor_id`` (a withdrawn one does not)."""
    proxy = db.session.scalar(select(Proxy).where(
        Proxy.meeting_id == meeting.id, Proxy.grantor_id == grantor_id, Proxy.holder_id == holder.id,
        Proxy.revoked_at.is_(None)))
    if proxy is None:
        raise NotAllowed("您没有这位居民的委托。", code="no_proxy")
    return proxy


def check_proxy_in_force(proxy_id: int | None) -> None:
    """Inside the ballot's transaction, after the poll lock: the proxy has not been withdrawn meanwhile.

    PostgreSQL: the row is read FOR SHARE, so a withdrawal in flight (which locks it FOR UPDATE)
    is waited for and seen; a withdrawal that comes after waits for the ballot, which then stays.
    SQLite: the caller already holds the write lock, so the last committed state is what is read.
    """
    query = select(Proxy.revoked_at).where(Proxy.id == proxy_id)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(read=True)
    row = db.session.execute(query).first()
    if row is None or row.revoked_at is not None:
        raise NotAllowed("这份委托已经撤销,不能再代为投票。", code="proxy_revoked")


def proxy_request(meeting: Meeting, holder: Invitation, grantor_id: int, poll_id: int, choices: list[int], key: str,
                  ) -> BallotRequest:
    """The holder, present and checked in, votes for one person they represent."""
    proxy = proxy_of(meeting, holder, grantor_id)
    if holder.checked_in_at is None:
        raise OperationError("请先签到再代为投票。", code="not_checked_in")
    return BallotRequest(meeting.id, proxy.grantor_id, poll_id, list(choices), key, channel=PROXY, proxy_id=proxy.id)


def grant_proxy(meeting: Meeting, grantor_id: int, holder_id: int, consent_means: str, consent_at: datetime | None,
                actor: User) -> Proxy:
    """Record a resident's proxy (委托) with its consent: who, for whom, when, by what means."""
    if meeting.status not in PROXY_STATUSES:
        raise OperationError("只能在会议开始前或进行中登记委托。", code="meeting_state")
    grantor = _participant(meeting, grantor_id)
    holder = _participant(meeting, holder_id)
    if grantor.id == holder.id:
        raise OperationError("不能委托给自己。", code="self_proxy")
    if not can_vote(grantor) or not can_vote(holder):
        raise OperationError("委托人和受托人都须是有表决权的居民。", code="not_voter")
    if consent_means not in CONSENT_MEANS:
        raise OperationError("请选择委托的确认方式。", code="bad_consent")
    now = utcnow()
    consent_at = consent_at or now
    if consent_at.tzinfo is None or consent_at > now:
        raise OperationError("委托确认时间不能晚于现在。", code="bad_consent")
    in_force = (Proxy.meeting_id == meeting.id, Proxy.revoked_at.is_(None))
    if db.session.scalar(select(Proxy).where(*in_force, Proxy.holder_id == grantor.id)):
        raise OperationError("这位居民已受他人委托,不能再委托别人。", code="chain")
    if db.session.scalar(select(Proxy).where(*in_force, Proxy.grantor_id == holder.id)):
        raise OperationError("受托人已把自己的表决权委托他人。", code="chain")
    # Lock the holder's invitation so that two grants at once cannot both pass the cap (PostgreSQL).
    db.session.scalar(select(Invitation.id).where(Invitation.id == holder.id).with_for_update())
    held = db.session.scalar(select(func.count()).select_from(Proxy).where(*in_force, Proxy.holder_id == holder.id))
    if held >= current_app.config.get("PROXY_MAX_PER_HOLDER", 2):
        raise Conflict("受托人代表的人数已达上限。", code="proxy_cap")
    if db.session.scalar(select(Proxy).where(*in_force, Proxy.grantor_id == grantor.id)):
        raise Conflict("这位居民已登记过委托。", code="already_granted")
    proxy = Proxy(meeting_id=meeting.id, community_id=meeting.community_id, grantor_id=grantor.id,
                  holder_id=holder.id, consent_means=consent_means, consent_at=consent_at,
                  recorded_by_id=actor.id, recorded_at=now)
    db.session.add(proxy)
    db.session.flush()
    return proxy


def _withdraw(proxy: Proxy, means: str, user: User | None, by_grantor: bool, note: str) -> Proxy:
    """Mark a proxy withdrawn, under a row lock so that a ballot in flight is either before or after it.

    Ballots already cast under the proxy stay: they were cast while it was in force.
    """
    if db.session.get_bind().dialect.name == "sqlite":  # take the write lock before reading (see _lock_poll)
        db.session.execute(update(Proxy).where(Proxy.id == proxy.id).values(revoked_at=Proxy.revoked_at)
                           .execution_options(synchronize_session=False))
        current = db.session.scalar(select(Proxy).where(Proxy.id == proxy.id).execution_options(populate_existing=True))
    else:
        current = db.session.scalar(select(Proxy).where(Proxy.id == proxy.id).with_for_update()
                                    .execution_options(populate_existing=True))
    if current is None:
        raise NotFound("找不到这份委托。")
    if current.revoked_at is not None:
        raise Conflict("这份委托已经撤销。", code="already_revoked")
    meeting = db.session.get(Meeting, current.meeting_id)
    if meeting is None or meeting.status not in PROXY_STATUSES:
        raise OperationError("会议已结束,委托不能再撤销。", code="meeting_state")
    current.revoked_at = utcnow()
    current.revoke_means = means
    current.revoked_by_id = user.id if user else None
    current.revoked_by_grantor = by_grantor
    current.revoke_note = note or None
    db.session.flush()
    return current


def revoke_proxy(proxy: Proxy, means: str, note: str, actor: User) -> Proxy:
    """The secretary withdraws a proxy: the resident said so (how: ``means``) or it was recorded in error."""
    if means not in REVOKE_MEANS or means == OWN_PHONE:
        raise OperationError("请选择撤销委托的方式。", code="bad_means")
    note = (note or "").strip()
    if len(note) > 200:
        raise OperationError("说明不能超过200字。", code="too_long")
    if means == SECRETARY_CORRECTION and not note:
        raise OperationError("登记有误而撤销时,请写明原因。", code="note_required")
    return _withdraw(proxy, means, actor, False, note)


def revoke_own_proxy(grantor: Invitation) -> Proxy:
    """The resident who granted the proxy withdraws it on their own phone (their invitation link)."""
    proxy = db.session.scalar(select(Proxy).where(
        Proxy.meeting_id == grantor.meeting_id, Proxy.grantor_id == grantor.id, Proxy.revoked_at.is_(None)))
    if proxy is None:
        raise NotFound("您没有委托他人投票。", code="no_proxy")
    return _withdraw(proxy, OWN_PHONE, None, True, "")
