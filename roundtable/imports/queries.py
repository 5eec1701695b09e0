"""Reading import batches, always within one community."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.cases.models import ImportBatch
from roundtable.communities.models import Community
from roundtable.extensions import db


def recent_batches(community: Community, limit: int = 10) -> list[ImportBatch]:
    return list(
        db.session.scalars(
            select(ImportBatch)
            .where(ImportBatch.community_id == community.id)
            .order_by(ImportBatch.id.desc())
            .limit(limit)
        )
    )
