"""``flask outbox``: deliver the outbox from a worker process of its own.

With ``OUTBOX_DISPATCHER=0`` the web processes only write messages and
``flask outbox run`` sends them; several such workers may run at once, the
claim in operations.claim_due_messages keeps each message to one of them.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import ngettext

from roundtable.core.app import app_object
from roundtable.notifications.dispatcher import Dispatcher, deliver_due_messages

outbox_cli = AppGroup("outbox", help="发件箱:发送排队的通知消息。")


@outbox_cli.command("deliver")
@click.option("--limit", type=int, default=None, help="本次最多发送的条数")
def deliver_command(limit: int | None) -> None:
    """Send what is due now, once, and exit (for cron)."""
    app = app_object()
    sent = deliver_due_messages(app, limit=limit)
    click.echo(ngettext("已发送 %(num)s 条消息。", "已发送 %(num)s 条消息。", sent))


@outbox_cli.command("run")
@click.option("--interval", type=float, default=None, help="两次检查之间的秒数")
def run_command(interval: float | None) -> None:
    """Keep sending until interrupted (a worker process next to the web servers)."""
    app = app_object()
    if interval is not None:
        app.config["OUTBOX_POLL_SECONDS"] = interval
    click.echo("发件箱投递进程已启动,按 Ctrl+C 停止。")
    try:
        Dispatcher(app).run()
    except KeyboardInterrupt:
        click.echo("已停止。")
