from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User

ROLES = ("secretary", "resident", "auditor")
ROLE_LABELS = {"secretary": "社区书记", "resident": "居民", "auditor": "审计员"}

ORGANIZATION_KINDS = ("property_manager", "property_rights", "other")
ORGANIZATION_KIND_LABELS = {
    "property_manager": "物业",
    "property_rights": "产权单位",
    "other": "其他单位",
}


class Street(Model):
    """街道: the street office that several communities answer to."""

    __tablename__ = "streets"
    __audit__ = Audited("street", describe=("name", "district"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    district: Mapped[str] = mapped_column(String(64), default="")

    communities: Mapped[list[Community]] = relationship("Community", back_populates="street", order_by="Community.id")


class Community(Model):
    """社区: the tenant. Every row of community data carries its ``community_id``."""

    __tablename__ = "communities"
    __audit__ = Audited("community", describe=("name", "street_id"))
    __table_args__ = (UniqueConstraint("street_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    name: Mapped[str] = mapped_column(String(64))

    street: Mapped[Street] = relationship("Street", back_populates="communities")
    memberships: Mapped[list[Membership]] = relationship("Membership", back_populates="community")
    organizations: Mapped[list[Organization]] = relationship("Organization", back_populates="community")

    @property
    def full_name(self) -> str:
        return f"{self.street.name}{self.name}"


class Department(Model):
    """部门: a district bureau or street team that communities summon (吹哨) to report in (报到)."""

    __tablename__ = "departments"
    __audit__ = Audited("department", describe=("name",))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)

    members: Mapped[list[DepartmentMember]] = relationship("DepartmentMember", back_populates="department")


class Organization(Model):
    """A property manager (物业) or property-rights unit (产权单位) working in one community."""

    __tablename__ = "organizations"
    __audit__ = Audited("organization", describe=("name", "kind"))
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20), default="other")

    community: Mapped[Community] = relationship("Community", back_populates="organizations")
    members: Mapped[list[OrganizationMember]] = relationship("OrganizationMember", back_populates="organization")

    @property
    def kind_label(self) -> str:
        return ORGANIZATION_KIND_LABELS.get(self.kind, self.kind)


class Membership(Model):
    """A person's role in one community; one role per person and community."""

    __tablename__ = "memberships"
    __audit__ = Audited("membership", describe=("user_id", "community_id", "role"), on_change=(("role", "role"),))
    __table_args__ = (UniqueConstraint("user_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship("User", back_populates="memberships")
    community: Mapped[Community] = relationship("Community", back_populates="memberships")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class DepartmentMember(Model):
    """Department staff: they answer summons and confirm commitments for their department."""

    __tablename__ = "department_members"
    __audit__ = Audited("department_member", describe=("user_id", "department_id"))
    __table_args__ = (UniqueConstraint("user_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)

    user: Mapped[User] = relationship("User", back_populates="department_links")
    department: Mapped[Department] = relationship("Department", back_populates="members")


class OrganizationMember(Model):
    """Staff of a property manager or property-rights unit: they confirm its commitments."""

    __tablename__ = "organization_members"
    __audit__ = Audited("organization_member", describe=("user_id", "organization_id"))
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)

    user: Mapped[User] = relationship("User", back_populates="organization_links")
    organization: Mapped[Organization] = relationship("Organization", back_populates="members")
