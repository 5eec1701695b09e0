"""``flask users ...``: manage accounts from the shell."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext
from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.auth.operations import create_user, deactivate_user, set_user_password
from roundtable.communities.models import Community, Department
from roundtable.communities.operations import add_department_member, set_membership
from roundtable.core.errors import OperationError
from roundtable.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Name shown to others (default: username).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Platform administrator (manages people).")
@click.option("--community", "community_name", help="Community name to join.")
@click.option(
    "--role",
    type=click.Choice(["secretary", "resident", "auditor"]),
    default="resident",
    show_default=True,
)
@click.option("--department", "department_name", help="Department this person works for.")
def create(username: str, display_name: str | None, password: str, admin: bool, community_name: str | None, role: str,
           department_name: str | None) -> None:
    """Create a user, optionally in a community (with a role) or a department."""
    try:
        user = create_user(username, display_name or username, password, is_admin=admin)
        if community_name:
            community = db.session.scalar(select(Community).where(Community.name == community_name))
            if community is None:
                raise OperationError("找不到社区「%(name)s」。", name=community_name)
            set_membership(user, community, role)
        if department_name:
            department = db.session.scalar(select(Department).where(Department.name == department_name))
            if department is None:
                raise OperationError("找不到部门「%(name)s」。", name=department_name)
            add_department_member(user, department)
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"created user {user.username} (id {user.id})")


@users_cli.command("list")
def list_users() -> None:
    """List users with their communities and departments."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        places = [f"{m.community.name}:{m.role}" for m in user.memberships]
        places += [f"{d.department.name}:staff" for d in user.department_links]
        flags = " admin" if user.is_admin else ""
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.id:>4} {user.username:<20} {user.display_name}{flags}{state} {' '.join(places)}")


def _user_named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(gettext("找不到用户「%(name)s」。", name=username))
    return user


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(username: str, password: str) -> None:
    """Give a user a new password; every open session of theirs ends."""
    user = _user_named(username)
    try:
        set_user_password(user, password)
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"password changed for {user.username}; their sessions have ended")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """Switch an account off: login refused, every open session ends at once."""
    user = _user_named(username)
    deactivate_user(user)
    db.session.commit()
    click.echo(f"deactivated {user.username}")
