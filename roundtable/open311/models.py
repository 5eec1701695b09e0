from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model, db


class ApiKey(Model):
    """A key that lets one outside system file cases into one community through Open311.

    Only the SHA-256 of the key is stored: the key itself is shown once, at creation.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community = relationship("Community")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, community_id: int, label: str) -> tuple["ApiKey", str]:
        key = "rt_" + secrets.token_urlsafe(32)
        api_key = cls(community_id=community_id, label=label, key_hash=cls.hash_key(key))
        db.session.add(api_key)
        return api_key, key
