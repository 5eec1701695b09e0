"""A live meeting ready for a vote, built through the same models and operations the app uses.

One community, a host, ``voters`` residents invited by token and checked
in, a seconded motion and an open, named yes/no poll. The host's login
cookie is signed with the app's key, so that the host's console can connect
to any server process that shares ``SECRET_KEY``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from roundtable.core.time import utcnow
from roundtable.extensions import db


@dataclass
class VoteRoom:
    meeting_id: int
    poll_id: int
    yes: int
    tokens: list[str]
    host_cookie: str
    watch_token: str = ""
    member_cookie: str = ""  # a resident who logs in (not by token) and is invited to the meeting
    member_membership_id: int = 0


def login_cookie(app: Flask, user) -> str:
    """What the browser would hold after this user logged in (Flask-Login's session keys)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}=" + serializer.dumps(
        {"_user_id": user.get_id(), "_fresh": True}
    )


def build_vote_room(app: Flask, voters: int, label: str = "bench", secret: bool = False) -> VoteRoom:
    from roundtable.auth.models import User
    from roundtable.communities.operations import create_community, get_or_create_street, set_membership
    from roundtable.live import operations
    from roundtable.meetings.models import Invitation, Meeting

    with app.app_context():
        street = get_or_create_street(f"{label}街道")
        community = create_community(street, f"{label}社区-{utcnow().timestamp():.0f}")
        host = User(username=f"{label}-host-{community.id}", display_name="主持人")
        host.set_password("bench-password-1")
        db.session.add(host)
        db.session.flush()
        set_membership(host, community, "secretary")
        meeting = Meeting(community_id=community.id, title=f"{label} 圆桌会议", starts_at=utcnow() + timedelta(hours=1),
                          host_id=host.id, status="live")
        db.session.add(meeting)
        db.session.flush()
        now = utcnow()
        invitations = [
            Invitation(meeting_id=meeting.id, community_id=community.id, kind="guest", side="resident",
                       guest_name=f"居民{n:05d}", guest_phone=f"139{n:08d}", checked_in_at=now)
            for n in range(voters)
        ]
        department = Invitation(meeting_id=meeting.id, community_id=community.id, kind="guest", side="organization",
                                guest_name="物业公司", guest_phone="13700000000")
        db.session.add_all([*invitations, department])
        db.session.flush()
        member = User(username=f"{label}-member-{community.id}", display_name="登录居民")
        member.set_password("bench-password-1")
        db.session.add(member)
        db.session.flush()
        membership = set_membership(member, community, "resident")
        db.session.add(Invitation(meeting_id=meeting.id, community_id=community.id, kind="resident", side="resident",
                                  user_id=member.id))
        motion = operations.propose_motion(meeting, invitations[0], "实行夜间错时停车")
        operations.second_motion(meeting, department, motion.id)
        poll = operations.open_poll(meeting, host, motion.id, "yes_no", secret=secret)
        db.session.commit()
        yes = next(option.id for option in poll.options if option.code == "yes")
        room = VoteRoom(meeting.id, poll.id, yes, [i.token for i in invitations], login_cookie(app, host),
                        meeting.watch_token, login_cookie(app, member), membership.id)
        db.session.remove()
    return room


def ballot_ranks(app: Flask, poll_id: int) -> tuple[dict[str, int], int, int]:
    """token → the ballot's rank in commit order (by id), ballots stored, distinct voters."""
    from sqlalchemy import func, select

    from roundtable.live.models import Ballot
    from roundtable.meetings.models import Invitation

    with app.app_context():
        rows = db.session.execute(
            select(Invitation.token).join(Ballot, Ballot.invitation_id == Invitation.id)
            .where(Ballot.poll_id == poll_id).order_by(Ballot.id)
        ).scalars().all()
        distinct = db.session.scalar(select(func.count(func.distinct(Ballot.invitation_id))).where(Ballot.poll_id == poll_id))
        db.session.remove()
    return {token: rank for rank, token in enumerate(rows, 1)}, len(rows), distinct


def secret_ballots_stored(app: Flask, poll_id: int) -> tuple[int, int]:
    """A secret poll's voters stored and distinct voters (its commit order is stored nowhere)."""
    from sqlalchemy import func, select

    from roundtable.live.models import SecretVoter

    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(SecretVoter).where(SecretVoter.poll_id == poll_id))
        distinct = db.session.scalar(
            select(func.count(func.distinct(SecretVoter.invitation_id))).where(SecretVoter.poll_id == poll_id))
        db.session.remove()
    return stored, distinct
