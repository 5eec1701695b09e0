"""Read-only questions about communities and their people, always scoped to one community."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.communities.models import Community, Membership, Organization
from roundtable.extensions import db


def residents_of(community: Community) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, Membership.user_id == User.id)
            .where(Membership.community_id == community.id, Membership.role == "resident")
            .order_by(User.display_name, User.id)
        )
    )


def organizations_of(community: Community) -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization).where(Organization.community_id == community.id).order_by(Organization.name)
        )
    )
