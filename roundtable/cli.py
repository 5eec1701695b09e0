"""Registers every ``flask`` command of Roundtable."""
from __future__ import annotations

from flask import Flask


def install_commands(app: Flask) -> None:
    from roundtable.auth.cli import users_cli
    from roundtable.demo import demo_logins_command, seed_demo_command
    from roundtable.jobs.cli import worker_cli
    from roundtable.notifications.cli import outbox_cli
    from roundtable.open311.cli import apikey_cli

    for command in (users_cli, apikey_cli, seed_demo_command, demo_logins_command):
        app.cli.add_command(command)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(worker_cli)
    from roundtable.audit.cli import audit_cli

    app.cli.add_command(audit_cli)
    from roundtable.escalation.cli import escalation_cli

    app.cli.add_command(escalation_cli)
