"""Who may do what with escalations, returns and the street's overdue list."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.communities.permissions import can_manage_cases
from roundtable.extensions import db

if TYPE_CHECKING:
    from roundtable.escalation.models import CommitmentReturn
    from roundtable.resolutions.models import Commitment



def supervised_street_ids(user: User) -> set[int]:
    from roundtable.escalation.models import StreetSupervisor

    if not user.is_authenticated:
        return set()
    return set(db.session.scalars(select(StreetSupervisor.street_id).where(StreetSupervisor.user_id == user.id)))


def can_supervise_street(user: User) -> bool:
    """督办: a street supervisor reads the overdue commitments of the whole street."""
    return bool(supervised_street_ids(user))


def can_return_commitment(user: User, commitment: Commitment) -> bool:
    """退单: the committed unit itself."""
    from roundtable.resolutions.permissions import is_unit_staff

    return is_unit_staff(user, commitment)


def can_decide_return(user: User, commitment: Commitment) -> bool:
    """The secretaries of the commitment's community reassign it or take it back to a meeting."""
    return can_manage_cases(user, commitment.community_id)


def can_decide(user: User, returned: CommitmentReturn) -> bool:
    """A returned commitment is decided by whoever may decide on the commitment it returns."""
    return can_decide_return(user, returned.commitment)


def can_set_escalation_policy(user: User, community_id: int) -> bool:
    return can_manage_cases(user, community_id)
