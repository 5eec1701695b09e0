"""Who may do what with a fund, its proposals and its budget votes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from roundtable.auth.models import User
from roundtable.communities.permissions import can_manage_cases, can_read_cases, is_member
from roundtable.core.permissions import CommunityOwned

if TYPE_CHECKING:
    from roundtable.funds.models import Fund, Proposal



def can_manage_fund(user: User, community_id: int) -> bool:
    """The community's secretaries create funds, review proposals and run the vote."""
    return can_manage_cases(user, community_id)


def can_read_funds(user: User, community_id: int) -> bool:
    """Secretaries and auditors read every fund, proposal and outcome of their community."""
    return can_read_cases(user, community_id)


def can_propose(user: User, fund: Fund) -> bool:
    """Residents (and secretaries) of the fund's community submit projects."""
    return user.is_authenticated and user.role_in(fund.community_id) in ("resident", "secretary")


def can_see_proposal(user: User, proposal: Proposal) -> bool:
    """Its proposer (who sees the decline reason) and the community's readers."""
    return user.is_authenticated and (proposal.proposer_id == user.id or can_read_funds(user, proposal.community_id))


def can_manage_fund_item(user: User, item: CommunityOwned) -> bool:
    """A fund, proposal, budget vote (or the meeting it is handed to) is run by its community's secretaries."""
    return can_manage_fund(user, item.community_id)


def can_see_fund_item(user: User, item: CommunityOwned) -> bool:
    """Every member of the community sees its funds and the outcome of their votes."""
    return is_member(user, item.community_id)


def can_see_proposal_photo(user: User, proposal: Proposal) -> bool:
    """An accepted project's photo is shown to the whole community; others only to who may see the proposal."""
    return can_see_proposal(user, proposal) or proposal.state == "accepted"
