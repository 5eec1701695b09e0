"""States live on their models, with the transitions beside them."""
from __future__ import annotations

import pytest

from roundtable.live.models import DECIDED, POLL_CLOSED, POLL_OPEN, PROPOSED, SECONDED, VOTING, Motion, Poll
from roundtable.meetings.models import ITEM_CLOSED, ITEM_OPEN, ITEM_PENDING, AgendaItem, Meeting
from roundtable.resolutions.models import CONFIRMED, CONTESTED, PENDING, Commitment


@pytest.mark.parametrize(
    "model, start, allowed, refused",
    [
        (Motion, PROPOSED, SECONDED, VOTING),
        (Motion, SECONDED, VOTING, DECIDED),
        (Motion, DECIDED, None, VOTING),
        (Poll, POLL_OPEN, POLL_CLOSED, POLL_OPEN),
        (Poll, POLL_CLOSED, None, POLL_OPEN),
        (AgendaItem, ITEM_PENDING, ITEM_OPEN, ITEM_CLOSED),
        (AgendaItem, ITEM_CLOSED, None, ITEM_OPEN),
        (Commitment, PENDING, CONTESTED, PENDING),
        (Commitment, CONTESTED, CONFIRMED, "done"),
    ],
)
def test_each_model_says_where_its_state_may_go(app, model, start, allowed, refused):
    row = model(state=start)
    if allowed is not None:
        assert row.can_move_to(allowed)
    assert not row.can_move_to(refused)


@pytest.mark.parametrize(
    "status, holding, finished, sat, room_open, editable",
    [
        ("draft", False, False, False, False, True),
        ("scheduled", True, False, False, False, True),
        ("live", True, False, False, True, False),
        ("adjourned", True, False, True, True, False),
        ("concluded", False, True, True, False, False),
        ("cancelled", False, True, False, False, False),
    ],
)
def test_a_meeting_answers_questions_about_its_status(app, status, holding, finished, sat, room_open, editable):
    meeting = Meeting(status=status)
    assert (meeting.is_holding, meeting.is_finished, meeting.has_sat, meeting.room_is_open, meeting.is_editable) == (
        holding, finished, sat, room_open, editable
    )
