"""Found by the fuzz test: deleting a commitment a unit had handed back was a 500 on PostgreSQL."""
from __future__ import annotations

import pytest

from roundtable.core.errors import Conflict
from roundtable.escalation.models import CommitmentReturn
from roundtable.extensions import db
from roundtable.resolutions import operations
from tests.resolutions.conftest import concluded, draft, drafted  # noqa: F401 - fixtures


def test_a_returned_commitment_is_refused_not_a_500(world, drafted):
    commitment = drafted.commitments[0]
    db.session.add(CommitmentReturn(commitment_id=commitment.id, community_id=drafted.community_id, reason="不归我们管",
                                    from_unit="department:1", from_unit_name="区交通支队"))
    db.session.commit()
    with pytest.raises(Conflict):
        operations.remove_commitment(commitment)
    db.session.rollback()
    other = drafted.commitments[1]
    operations.remove_commitment(other)
    db.session.commit()
