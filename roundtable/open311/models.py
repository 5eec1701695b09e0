from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model, db

if TYPE_CHECKING:
    from roundtable.communities.models import Community

if TYPE_CHECKING:
    from roundtable.communities.models import Community


class ApiKey(Model):
    """A key that lets one outside system file cases into one community through Open311.

    Only the SHA-256 of the key is stored: the key itself is shown once, at creation.
    """

    __tablename__ = "api_keys"
    __audit__ = Audited(
        "api_key",
        describe=("label",),
        on_change=(("revoked_at", "revoke"),),
        secret=frozenset({"key_hash"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship("Community")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, community_id: int, label: str) -> tuple[ApiKey, str]:
        key = "rt_" + secrets.token_urlsafe(32)
        api_key = cls(community_id=community_id, label=label, key_hash=cls.hash_key(key))
        db.session.add(api_key)
        return api_key, key


class ServiceCodeMapping(Model):
    """Another system's service code (``road``, ``traffic-parking``) and the category it means here.

    Per community: the hotline platform of one district may call parking ``traffic-parking``
    and another ``TC01``. A code without a mapping is refused and named, never guessed.
    """

    __tablename__ = "open311_service_codes"
    __audit__ = Audited("open311_service_code")
    __table_args__ = (UniqueConstraint("community_id", "external_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    external_code: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    community: Mapped[Community] = relationship("Community")

    @property
    def category_label(self) -> str:
        from roundtable.cases.models import CATEGORIES

        return CATEGORIES.get(self.category, self.category)
