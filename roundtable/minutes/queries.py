"""The structured part of the minutes, read from the meeting's record, and the lookups of the minutes pages.

Privacy follows the published resolution (``resolutions.queries``): residents
named only with their consent, phone numbers scrubbed, and a hidden position is
noted as hidden with its side and stance, never its text.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from roundtable.core.privacy import scrub_phones
from roundtable.core.time import iso, utcnow
from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.live.models import STANCES, Motion, Poll, Position, SpeakingRequest
from roundtable.meetings.models import SIDES, Invitation, Meeting
from roundtable.meetings.queries import ParticipantLabels
from roundtable.minutes.models import APPROVED, Minutes, MinutesReview
from roundtable.resolutions import queries as resolution_queries

if TYPE_CHECKING:
    from roundtable.resolutions.models import Resolution

RECORD_FORMAT = "roundtable-minutes/1"
MOTION_STATES = {"proposed": "待附议", "seconded": "已附议", "voting": "表决中", "decided": "已表决"}
UNLISTED_ITEM, NO_STANCE = "议程外", "未表明"
RECORD_WORDS = (UNLISTED_ITEM, NO_STANCE)


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(int((end - start).total_seconds()), 0)


def _item_key(agenda_item_id: int | None, positions: dict[int, int]) -> int:
    return positions.get(agenda_item_id, 0) if agenda_item_id is not None else 0


def build_record(meeting: Meeting) -> JsonObject:
    """Everything the minutes state as fact, in the order it happened, grouped by agenda item.

    Kept as the minutes' record, so written in the community's language.
    """
    from roundtable.i18n import community_language

    with community_language():
        return _build_record(meeting)


def _build_record(meeting: Meeting) -> JsonObject:
    invitations = list(db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id).order_by(Invitation.id)
    ))
    label = ParticipantLabels(invitations)
    base = resolution_queries.meeting_record(meeting)
    position_of_item = {item.id: item.position for item in meeting.agenda_items}
    items: dict[int, JsonObject] = {
        item.position: {
            "position": item.position,
            "title": scrub_phones(item.title),
            "case": item.case.external_number if item.case else None,
            "opened_at": iso(item.opened_at),
            "closed_at": iso(item.closed_at),
            "speakers": [],
            "positions": [],
            "motions": [],
        }
        for item in meeting.agenda_items
    }

    def bucket(agenda_item_id: int | None) -> JsonObject:
        key = _item_key(agenda_item_id, position_of_item)
        if key not in items:
            items[key] = {"position": key, "title": UNLISTED_ITEM, "case": None, "opened_at": None,
                          "closed_at": None, "speakers": [], "positions": [], "motions": []}
        return items[key]

    positions = list(db.session.scalars(
        select(Position).where(Position.meeting_id == meeting.id).order_by(Position.id)
    ))
    stance_of: dict[tuple[int | None, int], str] = {}
    hidden = 0
    for position in positions:
        entry = {
            "by": label(position.invitation),
            "side": position.invitation.side,
            "side_label": SIDES.get(position.invitation.side, position.invitation.side),
            "stance": position.stance,
            "stance_label": STANCES.get(position.stance, position.stance),
            "hidden": position.hidden_at is not None,
            "text": "" if position.hidden_at is not None else scrub_phones(position.text),
        }
        hidden += position.hidden_at is not None
        bucket(position.agenda_item_id)["positions"].append(entry)
        if position.hidden_at is None:
            stance_of[(position.agenda_item_id, position.invitation_id)] = position.stance

    speeches = db.session.scalars(
        select(SpeakingRequest)
        .where(SpeakingRequest.meeting_id == meeting.id, SpeakingRequest.started_at.is_not(None))
        .order_by(SpeakingRequest.started_at, SpeakingRequest.id)
    )
    order = 0
    for speech in speeches:
        order += 1
        # The stance the speaker stated with the raised hand, else the position they posted on the item.
        hand = getattr(speech, "stance", None)
        stance = hand if hand in STANCES else stance_of.get((speech.agenda_item_id, speech.invitation_id))
        bucket(speech.agenda_item_id)["speakers"].append({
            "order": order,
            "by": label(speech.invitation),
            "side": speech.invitation.side,
            "side_label": SIDES.get(speech.invitation.side, speech.invitation.side),
            "stance": stance,
            "stance_label": STANCES.get(stance, NO_STANCE) if stance else NO_STANCE,
            "started_at": iso(speech.started_at),
            "ended_at": iso(speech.ended_at),
            "seconds": _seconds(speech.started_at, speech.ended_at),
        })

    poll_ids = dict(db.session.execute(select(Poll.motion_id, Poll.id).where(Poll.meeting_id == meeting.id)).all())
    motions = []
    for motion in db.session.scalars(select(Motion).where(Motion.meeting_id == meeting.id).order_by(Motion.id)):
        entry = {
            "id": motion.id,
            "text": scrub_phones(motion.text),
            "proposer": label(motion.proposer),
            "seconder": label(motion.seconder) if motion.seconder is not None else "",
            "state": motion.state,
            "state_label": MOTION_STATES.get(motion.state, motion.state),
            "poll_id": poll_ids.get(motion.id),
        }
        motions.append(entry)
        bucket(motion.agenda_item_id)["motions"].append(entry)

    return {
        "format": RECORD_FORMAT,
        "community": base["community"],
        "meeting": base["meeting"],
        "cases": base["cases"],
        "attendance": base["attendance"],
        "departments": base["departments"],
        "items": [items[key] for key in sorted(items)],
        "positions_by_side": {side: {"label": data["label"], "counts": data["counts"]}
                              for side, data in base["positions"].items()},
        "hidden_positions": hidden,
        "motions": motions,
        "polls": base["polls"],
    }


def current_commitments(meeting: Meeting) -> list[JsonObject]:
    """The commitments of the resolution version being drafted, else of the one in force."""
    resolution = resolution_queries.open_version(meeting) or resolution_queries.latest_published(meeting.id)
    if resolution is None:
        return []
    return [resolution_queries.commitment_record(c) for c in resolution.commitments]


def minutes_of(meeting_id: int) -> Minutes | None:
    return db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))


def attendees(minutes: Minutes) -> list[Invitation]:
    """Who may review: every invitee checked in at the meeting."""
    return list(db.session.scalars(
        select(Invitation)
        .where(Invitation.meeting_id == minutes.meeting_id, Invitation.checked_in_at.is_not(None))
        .order_by(Invitation.id)
    ))


def review_of(minutes: Minutes, invitation: Invitation) -> MinutesReview | None:
    return db.session.scalar(
        select(MinutesReview).where(MinutesReview.minutes_id == minutes.id, MinutesReview.invitation_id == invitation.id)
    )


def review_window_open(minutes: Minutes, now: datetime | None = None) -> bool:
    return minutes.state == "in_review" and minutes.review_due_at is not None and (now or utcnow()) < minutes.review_due_at


def section_of(minutes: Minutes) -> JsonObject:
    """The minutes as every page and the PDF show them: structured part, narrative, commitments, reviews."""
    meeting = minutes.meeting
    labels = ParticipantLabels(list(db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id).order_by(Invitation.id)
    )))
    return {
        "state": minutes.state,
        "state_label": minutes.state_label,
        "approved_at": iso(minutes.approved_at),
        "narrative": scrub_phones(minutes.narrative),
        "item_notes": {key: scrub_phones(text) for key, text in (minutes.item_notes or {}).items()},
        "record": minutes.record,
        "commitments": current_commitments(meeting),
        "reviews": [
            {
                "by": labels(review.invitation),
                "verdict": review.verdict,
                "verdict_label": review.verdict_label,
                "text": scrub_phones(review.text),
                "answer_state": review.answer_state,
                "answer_label": review.answer_label,
                "answer": scrub_phones(review.answer),
            }
            for review in minutes.reviews
        ],
    }


@resolution_queries.record_section("minutes")
def published_section(meeting: Meeting) -> JsonObject:
    """The minutes as the resolution's PDF and embedded record carry them; unapproved minutes are only noted."""
    minutes = minutes_of(meeting.id)
    if minutes is None:
        return {"state": "none"}
    if minutes.state != APPROVED:
        return {"state": minutes.state, "state_label": minutes.state_label}
    return section_of(minutes)


def archive_section(resolution: Resolution) -> JsonObject | None:
    """The approved minutes the archive shows beside a resolution: as published in it, else approved since."""
    published = (resolution.record or {}).get("minutes") or {}
    if published.get("state") == APPROVED:
        return published
    section = published_section(resolution.meeting)
    return section if section.get("state") == APPROVED else None
