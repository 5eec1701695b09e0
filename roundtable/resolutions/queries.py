"""Reading resolutions: the meeting's structured record, lists, and the public verification lookups.

``meeting_record`` is the one place where the meeting becomes the record a
resolution starts from and embeds. It follows the privacy rules of the
published document: no phone numbers, residents named only with their
consent (otherwise their side and a number), hidden positions left out.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from roundtable.auth.models import User
from roundtable.ballots.queries import channel_rows_for_record
from roundtable.cases.models import Case
from roundtable.core.privacy import scrub_phones
from roundtable.core.time import iso, utcnow
from roundtable.extensions import db
from roundtable.live import secret_ballots
from roundtable.live.models import ALL_POLL_KINDS, STANCES, Ballot, Poll, Position
from roundtable.live.queries import channel_counts, poll_result
from roundtable.meetings.majority import rule_label
from roundtable.meetings.models import REPORT_IN_LABELS, SIDES, Invitation, Meeting
from roundtable.meetings.queries import ParticipantLabels
from roundtable.resolutions.models import Commitment, Resolution

RECORD_FORMAT = "roundtable-resolution/1"
RECORD_SIDES = ("resident", "department", "organization")
RecordSection = Callable[[Meeting], dict]
RECORD_SECTIONS: dict[str, RecordSection] = {}



def _attendance(invitations: list[Invitation], label: ParticipantLabels) -> dict:
    sides = {}
    for side in RECORD_SIDES:
        invited = [i for i in invitations if i.side == side]
        present = [i for i in invited if i.checked_in_at is not None]
        sides[side] = {
            "label": SIDES[side],
            "invited": len(invited),
            "present": len(present),
            "present_names": [label(i) for i in present],
        }
    return sides


def _departments(invitations: list[Invitation]) -> list[dict]:
    rows = []
    for invitation in invitations:
        if invitation.kind != "department":
            continue
        state = invitation.report_in_state()
        rows.append({
            "name": invitation.display_name,
            "summoned_at": iso(invitation.summoned_at),
            "reported_at": iso(invitation.reported_at),
            "state": state,
            "state_label": REPORT_IN_LABELS.get(state, "未吹哨") if state else "未吹哨",
            "present": invitation.checked_in_at is not None,
        })
    return rows


def _positions(meeting: Meeting, label: ParticipantLabels) -> dict:
    by_side: dict[str, dict[str, Any]] = {side: {"label": SIDES[side], "counts": {s: 0 for s in STANCES}, "items": []} for side in RECORD_SIDES}
    rows = db.session.scalars(
        select(Position).where(Position.meeting_id == meeting.id, Position.hidden_at.is_(None)).order_by(Position.id)
    )
    for position in rows:
        side = by_side.get(position.invitation.side)
        if side is None:
            continue
        side["counts"][position.stance] = side["counts"].get(position.stance, 0) + 1
        side["items"].append({
            "stance": position.stance,
            "stance_label": STANCES.get(position.stance, position.stance),
            "text": scrub_phones(position.text),
            "by": label(position.invitation),
        })
    return by_side


def _receipts(poll: Poll) -> list[str]:
    if poll.secret:
        return secret_ballots.receipts(poll)
    return sorted(db.session.scalars(select(Ballot.receipt).where(Ballot.poll_id == poll.id)))


def _channels(poll: Poll) -> list[dict]:
    """How many ballots came by phone, paper, assistance and proxy (never who voted what)."""
    return channel_rows_for_record(channel_counts(poll))


def _poll(poll: Poll, label: ParticipantLabels) -> dict:
    """Counts and outcome of one poll; a poll left open is counted as it stands and marked so.

    The live models keep the outcome in ``Poll.result`` only once the host
    closes the poll; for one never closed there is no official result, so
    the record computes the counts and says ``open`` instead of guessing.
    """
    result = poll_result(poll)
    options = {option.id: option for option in poll.options}
    entry = {
        "id": poll.id,
        "motion": scrub_phones(poll.motion.text),
        "kind": poll.kind,
        "kind_label": ALL_POLL_KINDS.get(poll.kind, poll.kind),
        "secret": poll.secret,
        "rule": poll.rule,
        "rule_label": rule_label(poll.rule),
        "quorum": poll.quorum,
        "quorum_met": result.quorum_met,
        "present": result.present,
        "options": [
            {"label": option.label, "code": option.code, "count": result.count(option.id)} for option in poll.options
        ],
        "total": result.total,
        "result": result.outcome,
        "result_label": result.outcome_label,
        "closed_at": iso(poll.closed_at),
        "receipts": _receipts(poll),
        "channels": _channels(poll),
    }
    if not poll.secret:
        ballots = db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.id))
        entry["ballots"] = [
            {
                "by": label(ballot.invitation),
                "choices": [options[c].label for c in ballot.choices if c in options],
                "assisted": ballot.assisted_by_id is not None,
            }
            for ballot in ballots
        ]
    return entry


def meeting_record(meeting: Meeting) -> dict:
    """What the meeting produced, read from the meeting and live models (see the module docstring).

    A record is kept (and printed): its words (居民1) are in the community's language.
    """
    from roundtable.i18n import community_language

    with community_language():
        return _meeting_record(meeting)


def _meeting_record(meeting: Meeting) -> dict:
    invitations = list(db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id).order_by(Invitation.id)
    ))
    label = ParticipantLabels(invitations)
    polls = db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id))
    return {
        "community": meeting.community.full_name,
        "meeting": {
            "id": meeting.id,
            "title": scrub_phones(meeting.title),
            "kind_label": meeting.kind_label,
            "venue": scrub_phones(meeting.venue),
            "starts_at": iso(meeting.starts_at),
            "started_at": iso(meeting.started_at),
            "ended_at": iso(meeting.ended_at),
            "host": meeting.host.display_name if meeting.host else "",
            "quorum": meeting.quorum,
            "majority_rule": meeting.majority_rule,
            "majority_rule_label": meeting.majority_rule_label,
        },
        "cases": [case.external_number for case in meeting.cases],
        "attendance": _attendance(invitations, label),
        "departments": _departments(invitations),
        "agenda": [
            {"title": scrub_phones(item.title), "state": item.state, "case": item.case.external_number if item.case else None}
            for item in meeting.agenda_items
        ],
        "positions": _positions(meeting, label),
        "polls": [_poll(poll, label) for poll in polls],
    }


def commitment_record(commitment: Commitment) -> dict:
    return {
        "unit": commitment.unit_name,
        "unit_kind": "department" if commitment.department_id else "organization",
        "action": scrub_phones(commitment.action),
        "deadline": iso(commitment.deadline),
        "state": commitment.state,
        "state_label": commitment.state_label,
        "answered_at": iso(commitment.answered_at),
        "contest_reason": scrub_phones(commitment.contest_reason),
    }


def full_record(resolution: Resolution, published_at: datetime) -> dict:
    """The machine-readable record embedded in the PDF: the meeting, the text, the commitments."""
    previous = resolution.supersedes
    return {
        "format": RECORD_FORMAT,
        "resolution": {
            "id": resolution.id,
            "version": resolution.version,
            "supersedes_version": previous.version if previous else None,
            "supersedes_sha256": previous.sha256 if previous else None,
            "title": scrub_phones(resolution.title),
            "reference": resolution.reference,
            "published_at": iso(published_at),
        },
        **meeting_record(resolution.meeting),
        "agreed_points": [scrub_phones(point) for point in resolution.points],
        "commitments": [commitment_record(c) for c in resolution.commitments],
        "unconfirmed_reason": scrub_phones(resolution.unconfirmed_reason),
        **record_sections(resolution.meeting),
    }


def record_section(name: str) -> Callable[[RecordSection], RecordSection]:
    """Register a section that a package built on resolutions adds to every published record
    (the minutes: ``roundtable.minutes.queries.published_section``), so that this package
    need not import it. The application imports every package before it serves."""

    def register(section: RecordSection) -> RecordSection:
        RECORD_SECTIONS[name] = section
        return section

    return register


def record_sections(meeting: Meeting) -> dict[str, dict]:
    return {name: section(meeting) for name, section in RECORD_SECTIONS.items()}


# ---------------------------------------------------------------- lists and lookups


def resolutions_of_community(community_id: int) -> list[Resolution]:
    return list(db.session.scalars(
        select(Resolution).where(Resolution.community_id == community_id).order_by(Resolution.id.desc())
    ))


def resolutions_of_meeting(meeting: Meeting) -> list[Resolution]:
    return list(db.session.scalars(
        select(Resolution).where(Resolution.meeting_id == meeting.id).order_by(Resolution.version)
    ))


def open_version(meeting: Meeting) -> Resolution | None:
    """The version still being drafted, if any: a meeting has at most one."""
    return db.session.scalar(
        select(Resolution).where(
            Resolution.meeting_id == meeting.id, Resolution.status.in_(("draft", "awaiting_confirmations"))
        )
    )


def latest_published(meeting_id: int) -> Resolution | None:
    return db.session.scalar(
        select(Resolution)
        .where(Resolution.meeting_id == meeting_id, Resolution.status == "published")
        .order_by(Resolution.version.desc())
    )


def published_for_case(case: Case) -> list[Resolution]:
    """Every published or superseded version of the resolutions of the case's meetings, newest first."""
    from roundtable.meetings.models import MeetingCase

    return list(db.session.scalars(
        select(Resolution)
        .join(MeetingCase, MeetingCase.meeting_id == Resolution.meeting_id)
        .where(MeetingCase.case_id == case.id, Resolution.status.in_(("published", "superseded")))
        .order_by(Resolution.published_at.desc(), Resolution.id.desc())
    ))


def successor_of(resolution: Resolution) -> Resolution | None:
    """The published version that superseded this one."""
    return db.session.scalar(
        select(Resolution)
        .where(Resolution.meeting_id == resolution.meeting_id, Resolution.status.in_(("published", "superseded")),
               Resolution.version > resolution.version)
        .order_by(Resolution.version.desc())
    )


def by_sha256(sha256: str) -> Resolution | None:
    """Only published documents are findable; a draft has no hash to find it by."""
    return db.session.scalar(
        select(Resolution).where(Resolution.sha256 == sha256, Resolution.status.in_(("published", "superseded")))
    )


def public_resolution(resolution_id: int) -> Resolution | None:
    resolution = db.session.get(Resolution, resolution_id)
    if resolution is None or resolution.status not in ("published", "superseded"):
        return None
    return resolution


def verdict(resolution: Resolution | None) -> dict:
    """The answer of /verify: ``authentic``, ``superseded`` (by version N) or ``unknown``."""
    if resolution is None:
        return {"answer": "unknown"}
    answer = {"answer": "authentic", "resolution": resolution, "successor": None}
    if resolution.status == "superseded":
        answer.update(answer="superseded", successor=successor_of(resolution))
    return answer


def commitments_for_user(user: User) -> list[Commitment]:
    """Every commitment asked of the user's departments and organizations, in every community."""
    clauses = []
    if user.department_ids:
        clauses.append(Commitment.department_id.in_(user.department_ids))
    if user.organization_ids:
        clauses.append(Commitment.organization_id.in_(user.organization_ids))
    if not clauses:
        return []
    return list(db.session.scalars(
        select(Commitment)
        .join(Resolution, Resolution.id == Commitment.resolution_id)
        .where(or_(*clauses), Resolution.status.in_(("awaiting_confirmations", "published")))
        .order_by(Commitment.deadline, Commitment.id)
    ))


def overdue_commitments(community_id: int, now: datetime | None = None) -> list[Commitment]:
    """The community's published commitments past their deadline and not reported done."""
    return list(db.session.scalars(
        select(Commitment)
        .join(Resolution, Resolution.id == Commitment.resolution_id)
        .where(
            Commitment.community_id == community_id,
            Resolution.status == "published",
            Commitment.done_at.is_(None),
            Commitment.deadline < (now or utcnow()),
        )
        .order_by(Commitment.deadline)
    ))


def current_for_case(case: Case) -> Resolution | None:
    """The version in force for the case: the newest published one of its meetings."""
    return next((r for r in published_for_case(case) if r.status == "published"), None)


def public_pdf_url(resolution: Resolution) -> str:
    """Absolute address of the public PDF: PUBLIC_BASE_URL, else the address of the current request."""
    from flask import current_app, request, url_for

    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("resolutions.public_pdf", resolution_id=resolution.id)


def status_note(resolution: Resolution) -> str:
    """One line for Open311's status_notes: which resolution decided the case, and how to check it."""
    from roundtable.core.time import format_local

    return (
        f"决议「{scrub_phones(resolution.title)}」第{resolution.version}版已于{format_local(resolution.published_at)}发布,"
        f"SHA-256 {resolution.sha256}"
    )
