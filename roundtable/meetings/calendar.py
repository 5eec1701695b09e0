"""iCalendar (.ics) files, so a meeting lands in the phone's own calendar with its reminder.

UIDs depend only on the meeting (or invitation) id: importing an updated file
replaces the earlier entry instead of adding a second one.
"""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

from roundtable.core.time import utcnow
from roundtable.meetings.models import Invitation, Meeting

UID_DOMAIN = "roundtable.meetings"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@{UID_DOMAIN}"


def invitation_uid(invitation: Invitation) -> str:
    return f"invitation-{invitation.id}@{UID_DOMAIN}"


def _calendar(meeting: Meeting, uid: str, url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Roundtable//圆桌议事//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.duration_minutes))
    event.add("summary", f"{meeting.kind_label}:{meeting.title}")
    event.add("location", meeting.venue or meeting.online_url)
    event.add("url", url)
    if meeting.description:
        event.add("description", meeting.description)
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def meeting_calendar(meeting: Meeting, url: str) -> bytes:
    """The staff copy: one event per meeting."""
    return _calendar(meeting, meeting_uid(meeting), url)


def invitation_calendar(invitation: Invitation, url: str) -> bytes:
    """The invitee's copy, pointing at their own join link."""
    return _calendar(invitation.meeting, invitation_uid(invitation), url)
