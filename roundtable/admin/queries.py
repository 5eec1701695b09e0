"""What the administrator's pages list: everyone and every place, across communities."""
from __future__ import annotations

from sqlalchemy import or_, select

from roundtable.auth.models import User
from roundtable.communities.models import Community, Department, Organization, Street
from roundtable.extensions import db


def search_people(text: str, page: int, per_page: int):
    """People whose username, name or phone contains ``text`` (any case), a page at a time."""
    query = select(User).order_by(User.username)
    text = (text or "").strip()
    if text:
        query = query.where(
            or_(
                User.username.icontains(text, autoescape=True),
                User.display_name.icontains(text, autoescape=True),
                User.phone.contains(text, autoescape=True),
            )
        )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def streets() -> list[Street]:
    return list(db.session.scalars(select(Street).order_by(Street.name)))


def communities() -> list[Community]:
    return list(
        db.session.scalars(select(Community).join(Street).order_by(Street.name, Community.name))
    )


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def organizations() -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization).join(Community).order_by(Community.name, Organization.name)
        )
    )


def supervisors() -> list:
    """Every street supervisor (督办), by street then name."""
    from roundtable.escalation.models import StreetSupervisor

    return list(db.session.scalars(
        select(StreetSupervisor).join(Street, Street.id == StreetSupervisor.street_id)
        .join(User, User.id == StreetSupervisor.user_id).order_by(Street.name, User.display_name, User.id)))


def supervised_by(user_id: int) -> list:
    from roundtable.escalation.models import StreetSupervisor

    return list(db.session.scalars(select(StreetSupervisor).where(StreetSupervisor.user_id == user_id)
                                   .order_by(StreetSupervisor.id)))
