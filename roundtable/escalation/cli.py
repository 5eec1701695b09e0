"""``flask escalation``: run the follow-up pass now; name a street supervisor (督办)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.communities.models import Street
from roundtable.extensions import db

escalation_cli = AppGroup("escalation", help="Commitment reminders, 催办 and 督办.")


@escalation_cli.command("run")
def run_pass() -> None:
    """Fire every escalation step that is due and approve minutes whose review ended (the worker does this too)."""
    from roundtable.escalation.jobs import follow_up_pass

    count = follow_up_pass()
    db.session.commit()
    click.echo(f"{count} step(s) fired or minutes approved")


@escalation_cli.command("supervisor")
@click.argument("username")
@click.argument("street")
def add_supervisor_command(username: str, street: str) -> None:
    """Make USERNAME a supervisor (督办) of the street named STREET."""
    from roundtable.escalation.operations import add_supervisor

    user = db.session.scalar(select(User).where(User.username == username))
    row = db.session.scalar(select(Street).where(Street.name == street))
    if user is None or row is None:
        raise click.ClickException("unknown user or street")
    add_supervisor(user, row.id)
    db.session.commit()
    click.echo(f"{username} supervises {street}")
