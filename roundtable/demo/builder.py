"""One way to hold a meeting from start to finish, shared by the demo data and the tests.

``MeetingBuilder`` goes through the operations the pages and the live namespace
use, each step under the person who would take it (``acting_as``), so that the
data, the audit trail and the refusals are those of a real meeting. The demo's
earlier roundtable (``roundtable/demo/resolution.py``) and the tests' concluded
meeting (``tests/factories.make_concluded_meeting``) are both held with it.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

from roundtable.audit.actor import ANONYMOUS, AuditActor, acting_as
from roundtable.auth.models import User
from roundtable.communities.models import Community, Department, Organization
from roundtable.live import operations as live
from roundtable.live.models import Motion, Poll, Position
from roundtable.meetings.models import Invitation, Meeting
from roundtable.meetings.operations import (
    AgendaFields,
    MeetingFields,
    add_agenda_item,
    create_meeting,
    invite_guest,
    invite_organization,
    invite_resident,
    report_in,
    summon_department,
    transition_meeting,
)


@dataclass
class MeetingBuilder:
    """A meeting of ``community`` hosted by ``secretary``; ``seats`` maps an invitation id to
    the user who acts for it (None for a guest without an account)."""

    community: Community
    secretary: User
    meeting: Meeting | None = None
    seats: dict[int, User | None] = field(default_factory=dict)

    def _by(self, invitation: Invitation) -> AbstractContextManager[AuditActor]:
        user = self.seats.get(invitation.id)
        return acting_as(user if user is not None else ANONYMOUS)

    @property
    def held(self) -> Meeting:
        if self.meeting is None:
            raise RuntimeError("prepare() the meeting first")
        return self.meeting

    # -- before the meeting (the secretary's pages) ------------------------------------------

    def prepare(self, fields: MeetingFields, agenda: Iterable[AgendaFields] = ()) -> Meeting:
        with acting_as(self.secretary):
            self.meeting = create_meeting(self.community, fields, self.secretary)
            for item in agenda:
                add_agenda_item(self.meeting, item)
        return self.meeting

    def schedule(self) -> None:
        with acting_as(self.secretary):
            transition_meeting(self.held, "scheduled", self.secretary)

    def invite_resident(self, user: User, *, consent_to_name: bool = False) -> Invitation:
        with acting_as(self.secretary):
            invitation = invite_resident(self.held, user.id)
        # Consent to be named is what the secretary records on the invitation; no operation sets it.
        invitation.consent_to_name = consent_to_name
        self.seats[invitation.id] = user
        return invitation

    def invite_guest(self, name: str, phone: str) -> Invitation:
        with acting_as(self.secretary):
            invitation = invite_guest(self.held, name, phone)
        self.seats[invitation.id] = None
        return invitation

    def summon(self, department: Department, staff: User, reply_due_at: datetime) -> Invitation:
        with acting_as(self.secretary):
            invitation = summon_department(self.held, department.id, reply_due_at)
        self.seats[invitation.id] = staff
        return invitation

    def invite_organization(self, organization: Organization, staff: User | None = None) -> Invitation:
        with acting_as(self.secretary):
            invitation = invite_organization(self.held, organization.id)
        self.seats[invitation.id] = staff
        return invitation

    def report_in(self, summoned: Invitation, attendee_names: str) -> None:
        """The department's staff member answers the summons (the meeting must be scheduled)."""
        staff = self.seats[summoned.id]
        if staff is None:
            raise ValueError("a summons is answered by the department's staff")
        with acting_as(staff):
            report_in(summoned, staff, attendee_names)

    # -- the meeting (the live namespace) ----------------------------------------------------

    def open(self, present: Iterable[Invitation]) -> None:
        """Go live, everyone in ``present`` checks in, the first agenda item opens."""
        with acting_as(self.secretary):
            transition_meeting(self.held, "live", self.secretary)
        for invitation in present:
            with self._by(invitation):
                live.check_in(invitation)
        self.next_item()

    def next_item(self) -> None:
        with acting_as(self.secretary):
            live.advance_agenda(self.held)

    def say(self, invitation: Invitation, stance: str, text: str) -> Position:
        with self._by(invitation):
            return live.post_position(self.held, invitation, stance, text)

    def hide(self, position: Position) -> None:
        with acting_as(self.secretary):
            live.hide_position(self.held, position.id, self.secretary)

    def speak(self, invitation: Invitation, stance: str) -> None:
        """Raise a hand, get the floor from the host, finish."""
        with self._by(invitation):
            live.raise_hand(self.held, invitation, stance)
        with acting_as(self.secretary):
            live.grant_speaker(self.held, self.secretary)
            live.end_speech(self.held)

    def move(self, proposer: Invitation, seconder: Invitation, text: str) -> Motion:
        with self._by(proposer):
            motion = live.propose_motion(self.held, proposer, text)
        with self._by(seconder):
            live.second_motion(self.held, seconder, motion.id)
        return motion

    def vote(self, motion: Motion, ballots: Iterable[tuple[Invitation, str]], *, secret: bool = False,
             key_prefix: str = "vote") -> Poll:
        """A yes/no poll on ``motion``: open, each (voter, "yes"/"no"/"abstain") cast, closed."""
        with acting_as(self.secretary):
            poll = live.open_poll(self.held, self.secretary, motion.id, "yes_no", secret=secret)
        codes = {option.code: option.id for option in poll.options}
        for n, (voter, code) in enumerate(ballots):
            with self._by(voter):
                live.cast_vote(self.held, voter, poll.id, [codes[code]], key=f"{key_prefix}-{n}")
        with acting_as(self.secretary):
            live.close_poll(self.held, self.secretary, poll.id)
        return poll

    def conclude(self) -> None:
        with acting_as(self.secretary):
            transition_meeting(self.held, "concluded", self.secretary)
