"""Counting ballots by channel (phone, paper, assistance, proxy) and the proxies a holder carries."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from roundtable.ballots.models import ASSISTED, CHANNEL_LABELS, CHANNELS, PAPER, PHONE, PROXY, BallotChannel, Proxy
from roundtable.extensions import db
from roundtable.live.models import Ballot, SecretVoter

if TYPE_CHECKING:
    from roundtable.live.models import Poll
    from roundtable.meetings.models import Invitation


def channel_counts(poll: Poll) -> dict[str, int]:
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


def channel_rows_for_record(counts: dict[str, int]) -> list[dict[str, str | int]]:
    return [{"channel": c, "label": CHANNEL_LABELS[c], "count": counts.get(c, 0)} for c in CHANNELS]


def proxies_held(meeting_id: int, holder_id: int) -> list[Proxy]:
    return list(db.session.scalars(
        select(Proxy).where(Proxy.meeting_id == meeting_id, Proxy.holder_id == holder_id, Proxy.revoked_at.is_(None))
        .order_by(Proxy.id)))


def proxy_granted(invitation: Invitation | None) -> dict[str, Any] | None:
    """For a grantor's phone: the proxy they gave that is in force (to whom, since when), or None."""
    if invitation is None:
        return None
    proxy = db.session.scalar(select(Proxy).where(
        Proxy.meeting_id == invitation.meeting_id, Proxy.grantor_id == invitation.id, Proxy.revoked_at.is_(None)))
    if proxy is None:
        return None
    return {"id": proxy.id, "holder": {"id": proxy.holder.id, "name": proxy.holder.display_name},
            "consent_at": proxy.consent_at.isoformat()}


def proxies_of_meeting(meeting_id: int) -> list[Proxy]:
    return list(db.session.scalars(select(Proxy).where(Proxy.meeting_id == meeting_id).order_by(Proxy.id)))


def proxies_view(invitation: Invitation | None) -> list[dict[str, Any]]:
    """For a holder's phone: each person represented, and the polls already voted for them (one ballot each).

    Only the holder's own snapshot carries this, so the people they represent are named in full
    (the room sees residents by surname): two neighbours called 王 must not look alike.
    """
    if invitation is None:
        return []
    rows: list[dict[str, Any]] = []
    for proxy in proxies_held(invitation.meeting_id, invitation.id):
        voted = set(db.session.scalars(select(Ballot.poll_id).where(Ballot.invitation_id == proxy.grantor_id)))
        voted |= set(db.session.scalars(select(SecretVoter.poll_id).where(SecretVoter.invitation_id == proxy.grantor_id)))
        grantor = proxy.grantor
        rows.append({"grantor": {"id": grantor.id, "name": grantor.display_name, "side": grantor.side},
                     "voted_polls": sorted(voted)})
    return rows
