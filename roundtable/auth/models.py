from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from roundtable.core.audit_naming import AuditDraft, Audited
from roundtable.core.login import UserMixin
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.communities.models import DepartmentMember, Membership, OrganizationMember


class User(UserMixin, Model):
    """Someone who logs in: staff, residents with an account, department staff, auditors.

    ``session_version`` is part of the login cookie; bumping it logs the person
    out everywhere (removal from a community, password change).
    """

    __tablename__ = "users"
    __audit__ = Audited(
        "user",
        describe=("username", "is_admin", "active"),
        on_change=(("password_hash", "password"), ("active", "active"), ("is_admin", "admin")),
        secret=frozenset({"password_hash", "phone"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship("Membership", back_populates="user", cascade="all, delete-orphan")
    department_links: Mapped[list[DepartmentMember]] = relationship(
        "DepartmentMember", back_populates="user", cascade="all, delete-orphan"
    )
    organization_links: Mapped[list[OrganizationMember]] = relationship(
        "OrganizationMember", back_populates="user", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        """Hash with werkzeug's strong default; ``PASSWORD_HASH_METHOD`` lets a test run pick a
        cheap method, since every test builds a dozen accounts and scrypt costs ~0.3 s each."""
        method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
        self.password_hash = generate_password_hash(password, **({"method": method} if method else {}))
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """The cookie carries the session version so that old sessions stop working."""
        return f"{self.id}:{self.session_version}"

    def role_in(self, community_id: int) -> str | None:
        for membership in self.memberships:
            if membership.community_id == community_id:
                return membership.role
        return None

    @property
    def department_ids(self) -> list[int]:
        return [link.department_id for link in self.department_links]

    @property
    def organization_ids(self) -> list[int]:
        return [link.organization_id for link in self.organization_links]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginAttempt(Model):
    """One try at the login form, successful or not.

    The rows live in the database (not in process memory) so that the per-username
    lockout holds across every server process, and so that the audit trail can show
    who tried to get in, from where and when.
    """

    __tablename__ = "login_attempts"
    __audit__ = Audited(
        "login",
        describe=("username", "user_id", "reason", "succeeded", "address"),
        secret=frozenset({"address"}),
    )
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(45), default="")
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # ok | bad_password | unknown_user | inactive | locked
    reason: Mapped[str] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.username} {self.reason}>"

    def refine_audit(self, entry: AuditDraft) -> AuditDraft | None:
        """An attempt is recorded as ``login.login`` or ``login.login_failed``."""
        if entry["action"] == "login.create":
            entry["action"] = "login.login" if self.succeeded else "login.login_failed"
        return entry
