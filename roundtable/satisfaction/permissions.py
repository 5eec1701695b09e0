"""Who may see and handle satisfaction answers."""
from __future__ import annotations

from typing import TYPE_CHECKING

from roundtable.auth.models import User
from roundtable.communities.permissions import can_manage_cases

if TYPE_CHECKING:
    from roundtable.satisfaction.models import SatisfactionRequest


def can_handle_flag(user: User, request: SatisfactionRequest) -> bool:
    """The secretaries of the case's community reopen the case or take it to a new meeting."""
    return can_manage_cases(user, request.community_id)
