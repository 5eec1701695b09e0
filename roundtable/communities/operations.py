"""Operations on communities and who belongs where. They flush; the caller commits."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext
from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.auth.operations import create_user, log_out_everywhere
from roundtable.communities.models import (
    ORGANIZATION_KINDS,
    ROLE_LABELS,
    ROLES,
    Community,
    Department,
    DepartmentMember,
    Membership,
    Organization,
    OrganizationMember,
    Street,
)
from roundtable.core.errors import Conflict, NotAllowed, OperationError
from roundtable.core.privacy import normalize_phone
from roundtable.extensions import db

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement


def get_or_create_street(name: str, district: str = "") -> Street:
    street = db.session.scalar(select(Street).where(Street.name == name))
    if street is None:
        street = Street(name=name, district=district)
        db.session.add(street)
        db.session.flush()
    return street


def create_community(street: Street, name: str) -> Community:
    name = _clean_name(name, "社区")
    if db.session.scalar(select(Community.id).where(Community.street_id == street.id, Community.name == name)):
        raise Conflict("社区「%(name)s」已存在。", name=name)
    community = Community(street=street, name=name)
    db.session.add(community)
    db.session.flush()
    return community


def create_department(name: str) -> Department:
    name = _clean_name(name, "部门")
    if db.session.scalar(select(Department.id).where(Department.name == name)):
        raise Conflict("部门「%(name)s」已存在。", name=name)
    department = Department(name=name)
    db.session.add(department)
    db.session.flush()
    return department


def create_organization(community: Community, name: str, kind: str) -> Organization:
    name = _clean_name(name, "单位")
    if kind not in ORGANIZATION_KINDS:
        raise OperationError("未知单位类型。")
    if db.session.scalar(
        select(Organization.id).where(Organization.community_id == community.id, Organization.name == name)
    ):
        raise Conflict("单位「%(name)s」已存在。", name=name)
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
    """End what this membership gave, and nothing else: every request checks the role from the
    database, so that community's pages close at once; the person's live sockets in that
    community's meetings are dropped after the commit (live/registry.py). Their sessions, other
    communities, departments and organizations are untouched."""
    db.session.delete(membership)
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


def remove_organization_member(link: OrganizationMember) -> None:
    user = link.user
    db.session.delete(link)
    log_out_everywhere(user)  # whatever the link allowed must not live on in an open session
    db.session.flush()


def _clean_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise OperationError("%(what)s名称不能为空。", what=lazy_gettext(what))
    if len(name) > 64:
        raise OperationError("%(what)s名称不能超过64个字符。", what=lazy_gettext(what))
    return name


def create_street(name: str, district: str = "") -> Street:
    """An administrator's new street; unlike ``get_or_create_street`` a duplicate is refused."""
    name = _clean_name(name, "街道")
    if db.session.scalar(select(Street.id).where(Street.name == name)):
        raise Conflict("街道「%(name)s」已存在。", name=name)
    street = Street(name=name, district=(district or "").strip()[:64])
    db.session.add(street)
    db.session.flush()
    return street


def _rename(obj: Street | Community | Department | Organization, name: str, label: str,
            *same_scope: ColumnElement[bool]) -> None:
    """Rename a street, community, department or organization; names are unique within their scope."""
    model = type(obj)
    name = _clean_name(name, label)
    if db.session.scalar(select(model.id).where(model.name == name, model.id != obj.id, *same_scope)):
        raise Conflict("%(what)s「%(name)s」已存在。", what=lazy_gettext(label), name=name)
    obj.name = name
    db.session.flush()


def rename_street(street: Street, name: str) -> None:
    _rename(street, name, "街道")


def rename_community(community: Community, name: str) -> None:
    _rename(community, name, "社区", Community.street_id == community.street_id)


def rename_department(department: Department, name: str) -> None:
    _rename(department, name, "部门")


def rename_organization(organization: Organization, name: str) -> None:
    _rename(organization, name, "单位", Organization.community_id == organization.community_id)


NO_SUCH_ACCOUNT = "没有与这个用户名和手机号码相符的可用账号。请核对后重试,或为其新建账号。"


def add_resident(community: Community, username: str, phone: str = "") -> Membership:
    """The secretary brings an existing account into her community as a resident.

    She must give the person's own phone number as well as the username: whether
    the username does not exist, is switched off, or has another phone, the answer
    is the same, so the form cannot be used to find out who has an account, nor to
    pull a stranger (another community's secretary, the admin) into her list.
    Someone who already holds a role here keeps it: a secretary or auditor must not
    be demoted (and logged out) by a resident invitation.
    """
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(User.username == username))
    given = normalize_phone(phone)
    if user is None or not user.active or not given or normalize_phone(user.phone) != given:
        raise OperationError(NO_SUCH_ACCOUNT, code="no_such_account")
    role = user.role_in(community.id)
    if role is not None:
        label = ROLE_LABELS.get(role, role)
        raise Conflict("「%(name)s」已是本社区的%(role)s。", name=user.display_name, role=lazy_gettext(label))
    return set_membership(user, community, "resident")


def remove_resident(membership: Membership) -> None:
    """The secretary takes a resident out of her community; other roles are the admin's."""
    if membership.role != "resident":
        raise NotAllowed("只能移除居民。")
    remove_membership(membership)


def create_resident(community: Community, username: str, display_name: str, phone: str | None, password: str) -> User:
    """A new account for a resident who has none yet, already a member of the community."""
    user = create_user(username, display_name, password, phone=phone)
    set_membership(user, community, "resident")
    return user
