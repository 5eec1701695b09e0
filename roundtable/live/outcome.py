"""A closed poll's result in words, the short codes of receipts, and what a meeting decided.

The phones compose the same sentence from the same data (static/js/live/live.js,
``RT.outcomeText``); this is the server's version, for the summary pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from roundtable.extensions import db
from roundtable.live import secret_ballots
from roundtable.live.models import Ballot, Poll, SecretVote, SecretVoter
from roundtable.meetings.models import Invitation, Meeting

SHORT_CODE_LENGTH = 8
_CODE = re.compile(r"^[0-9A-F]{8}$")

def short_code(receipt: str | None) -> str | None:
    """The first 8 hex digits of the receipt hash, upper case, in two groups of four: ``3FA2 09C1``."""
    if not receipt:
        return None
    head = receipt[:SHORT_CODE_LENGTH].upper()
    return f"{head[:4]} {head[4:]}"


def normalise_code(typed: str | None) -> str | None:
    """What a person typed (spaces, dashes, lower case) as the 8 hex digits; None if it cannot be a code."""
    cleaned = re.sub(r"[\s\-–—]", "", typed or "").upper()
    return cleaned if _CODE.match(cleaned) else None


def outcome_text(poll: Poll) -> str | None:
    """``赞成 12 > 反对 5,通过(赞成多于反对,到场 20 人,法定 15 人)``; None while the poll is open."""
    result = poll.closed_result
    if result is None:
        return None
    labels = {option.id: option.shown_label for option in poll.options}
    if poll.kind == "yes_no":
        by_code = {option.code: option.id for option in poll.options}
        yes, no = result.count(by_code.get("yes", 0)), result.count(by_code.get("no", 0))
        sign = ">" if yes > no else ("=" if yes == no else "<")
        tally = _("赞成 %(yes)s %(sign)s 反对 %(no)s", yes=yes, sign=sign, no=no)
    else:
        tally = _("、").join(
            ngettext("%(label)s %(n)s 票", "%(label)s %(n)s 票", result.count(option.id),
                     label=labels[option.id], n=result.count(option.id)) for option in poll.options
        )
        winners = [labels[w] for w in result.winners if w in labels]
        if winners:
            tally += ";" + _("选出:%(names)s", names=_("、").join(winners))
    return str(_(
        "%(tally)s,%(verdict)s(%(rule)s,到场 %(present)s 人,法定 %(quorum)s 人)",
        tally=tally,
        verdict=_(result.outcome_label),
        rule=_(result.rule_label),
        present=result.present,
        quorum=poll.quorum,
    ))


@dataclass(frozen=True)
class MyBallot:
    short_code: str | None
    choice: str | None  # the chosen labels of a named poll; None for a secret one
    assisted: bool


@dataclass(frozen=True)
class PollOutcome:
    motion: str
    state: str
    secret: bool
    result: str | None  # passed | failed | no_quorum, None while open
    text: str | None
    verdict: str | None = None  # 通过 / 未通过 / ..., untranslated (a label)
    mine: MyBallot | None = None


@dataclass(frozen=True)
class MeetingSummary:
    meeting: Meeting
    polls: list[PollOutcome] = field(default_factory=list)
    voted: bool = False


def _labels(poll: Poll, chosen: list[int]) -> str:
    names = {option.id: option.shown_label for option in poll.options}
    return str(_("、")).join(names[c] for c in chosen if c in names)


def meeting_summary(meeting: Meeting, invitation: Invitation | None = None) -> MeetingSummary:
    """Every poll of the meeting with its outcome in words and, for an invitation, its own ballot."""
    polls = list(db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id)))
    mine: dict[int, MyBallot] = {}
    if invitation is not None:
        for ballot in db.session.scalars(select(Ballot).where(Ballot.invitation_id == invitation.id)):
            poll = next((p for p in polls if p.id == ballot.poll_id), None)
            if poll is not None:
                mine[poll.id] = MyBallot(short_code(ballot.receipt), _labels(poll, ballot.choices),
                                         ballot.assisted_by_id is not None)
        for poll_id, assisted in db.session.execute(
            select(SecretVoter.poll_id, SecretVoter.assisted_by_id).where(SecretVoter.invitation_id == invitation.id)
        ):
            poll = next((p for p in polls if p.id == poll_id), None)
            # A secret poll's receipt comes from the ballot key (live/secret_ballots.py), also after the close.
            mine[poll_id] = MyBallot(short_code(secret_ballots.receipt(poll.id, invitation.id)) if poll else None, None,
                                     assisted is not None)
    outcomes = [
        PollOutcome(
            motion=poll.motion.text,
            state=poll.state,
            secret=poll.secret,
            result=closed.outcome if closed else None,
            text=outcome_text(poll),
            verdict=closed.outcome_label if closed else None,
            mine=mine.get(poll.id),
        )
        for poll, closed in ((poll, poll.closed_result) for poll in polls)
    ]
    return MeetingSummary(meeting, outcomes, voted=bool(mine))


@dataclass(frozen=True)
class ReceiptCheck:
    meeting_title: str
    motion: str
    secret: bool
    poll_state: str
    choice: str | None  # named polls only


def check_code(code: str) -> list[ReceiptCheck]:
    """Ballots whose receipt starts with the code: named ones say which choice, secret ones only that they count."""
    prefix = code.lower() + "%"
    found: list[ReceiptCheck] = []
    for ballot, poll in db.session.execute(
        select(Ballot, Poll).join(Poll, Poll.id == Ballot.poll_id).where(Ballot.receipt.like(prefix))
    ):
        found.append(ReceiptCheck(_meeting_title(poll), poll.motion.text,
                                  False, poll.state, _labels(poll, ballot.choices)))
    for poll in db.session.scalars(
        select(Poll).join(SecretVote, SecretVote.poll_id == Poll.id).where(SecretVote.receipt.like(prefix))
    ):
        found.append(ReceiptCheck(_meeting_title(poll), poll.motion.text, True, poll.state, None))
    return found


def _meeting_title(poll: Poll) -> str:
    meeting = db.session.get(Meeting, poll.meeting_id)
    return meeting.title if meeting else ""
