"""A repeat of a counted ballot after the close gets its stored receipt, named or secret (protocol §3)."""
from __future__ import annotations

import pytest

from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.live import operations
from tests.live.conftest import build_room


@pytest.mark.parametrize("secret", [False, True])
def test_a_repeat_after_the_close_gets_the_same_receipt(app, world, secret):
    room = build_room(world, guests=2)
    voter, other, late = room.voters[0], room.voters[1], room.voters[2]
    for invitation in (voter, other, late):
        operations.check_in(invitation)
    motion = operations.propose_motion(room.meeting, voter, "夜间错时停车")
    operations.second_motion(room.meeting, other, motion.id)
    poll = operations.open_poll(room.meeting, world.a.secretary, motion.id, "yes_no", secret=secret)
    db.session.commit()
    yes = poll.options[0].id
    first = operations.cast_vote(room.meeting, voter, poll.id, [yes], "k1")
    db.session.commit()
    operations.close_poll(room.meeting, world.a.secretary, poll.id)
    db.session.commit()

    again = operations.cast_vote(room.meeting, voter, poll.id, [poll.options[1].id], "another-key")
    assert again.receipt == first.receipt and again.repeated
    with pytest.raises(OperationError) as refused:
        operations.cast_vote(room.meeting, late, poll.id, [yes], "k3")
    assert refused.value.code == "poll_closed"
