"""``flask audit verify``: walks the chain and exits non-zero at the first broken entry, for cron and CI."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from roundtable.core.time import format_local

audit_cli = AppGroup("audit", help="审计日志(哈希链)")


@audit_cli.command("verify")
def verify_command() -> None:
    """Verify every entry's hash and link, and the chain's recorded end."""
    from roundtable.audit.queries import verify_chain

    state = verify_chain()
    if state.ok:
        click.echo(f"审计链完好:共 {state.length} 条,末条哈希 {state.last_hash}(校验于 {format_local(state.verified_at)})")
        return
    click.echo(f"审计链已损坏:第 {state.first_broken_seq} 条起 — {state.reason}", err=True)
    click.echo(f"此前 {state.length} 条完好,最后一条完好的哈希 {state.last_hash}", err=True)
    sys.exit(1)
