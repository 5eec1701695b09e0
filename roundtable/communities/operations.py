"""Operations on communities and who belongs where. They flush; the caller commits."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.auth.operations import log_out_everywhere
from roundtable.communities.models import (
    ORGANIZATION_KINDS,
    ROLES,
    Community,
    Department,
    DepartmentMember,
    Membership,
    Organization,
    OrganizationMember,
    Street,
)
from roundtable.core.errors import Conflict, OperationError
from roundtable.extensions import db


def get_or_create_street(name: str, district: str = "") -> Street:
    street = db.session.scalar(select(Street).where(Street.name == name))
    if street is None:
        street = Street(name=name, district=district)
        db.session.add(street)
        db.session.flush()
    return street


def create_community(street: Street, name: str) -> Community:
    name = name.strip()
    if not name:
        raise OperationError("社区名称不能为空。")
    if db.session.scalar(select(Community.id).where(Community.street_id == street.id, Community.name == name)):
        raise Conflict(f"社区「{name}」已存在。")
    community = Community(street=street, name=name)
    db.session.add(community)
    db.session.flush()
    return community


def create_department(name: str) -> Department:
    name = name.strip()
    if not name:
        raise OperationError("部门名称不能为空。")
    if db.session.scalar(select(Department.id).where(Department.name == name)):
        raise Conflict(f"部门「{name}」已存在。")
    department = Department(name=name)
    db.session.add(department)
    db.session.flush()
    return department


def create_organization(community: Community, name: str, kind: str) -> Organization:
    name = name.strip()
    if not name:
        raise OperationError("单位名称不能为空。")
    if kind not in ORGANIZATION_KINDS:
        raise OperationError("未知单位类型。")
    if db.session.scalar(
        select(Organization.id).where(Organization.community_id == community.id, Organization.name == name)
    ):
        raise Conflict(f"单位「{name}」已存在。")
    organization = Organization(community_id=community.id, name=name, kind=kind)
    db.session.add(organization)
    db.session.flush()
    return organization


def set_membership(user: User, community: Community, role: str) -> Membership:
    """Give a person a role in a community (one role per community; changing it replaces it)."""
    if role not in ROLES:
        raise OperationError("未知角色。")
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.community_id == community.id)
    )
    if membership is None:
        membership = Membership(user=user, community=community, role=role)
        db.session.add(membership)
    elif membership.role != role:
        membership.role = role
        log_out_everywhere(user)  # a role taken away must not live on in an open session
    db.session.flush()
    return membership


def remove_membership(membership: Membership) -> None:
    user = membership.user
    db.session.delete(membership)
    log_out_everywhere(user)
    db.session.flush()


def add_department_member(user: User, department: Department) -> DepartmentMember:
    link = db.session.scalar(
        select(DepartmentMember).where(
            DepartmentMember.user_id == user.id, DepartmentMember.department_id == department.id
        )
    )
    if link is None:
        link = DepartmentMember(user=user, department=department)
        db.session.add(link)
        db.session.flush()
    return link


def remove_department_member(link: DepartmentMember) -> None:
    user = link.user
    db.session.delete(link)
    log_out_everywhere(user)
    db.session.flush()


def add_organization_member(user: User, organization: Organization) -> OrganizationMember:
    link = db.session.scalar(
        select(OrganizationMember).where(
            OrganizationMember.user_id == user.id, OrganizationMember.organization_id == organization.id
        )
    )
    if link is None:
        link = OrganizationMember(user=user, organization=organization)
        db.session.add(link)
        db.session.flush()
    return link
