"""``flask audit verify``: walks the chain and exits non-zero at the first broken entry, for cron and CI."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from roundtable.core.time import format_local

audit_cli = AppGroup("audit", help="审计日志(哈希链)")


@audit_cli.command("verify")
@click.option("--anchor", "anchors", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="签名的检查点文件或已发布的决议 PDF(可多次给出)")
def verify_command(anchors: tuple[Path, ...]) -> None:
    """Verify every entry's hash and link, the chain's recorded end, and each anchor given."""
    from roundtable.audit.anchor import check_anchor, read_anchor
    from roundtable.audit.queries import verify_chain

    state = verify_chain()
    failed = False
    for path in anchors:
        try:
            anchor = read_anchor(path)
        except (ValueError, KeyError, OSError) as error:
            click.echo(f"无法读取检查点 {path}:{error}", err=True)
            failed = True
            continue
        check = check_anchor(anchor)
        if check.ok:
            click.echo(f"检查点 {path.name} 相符:第 {anchor.seq} 条,哈希 {anchor.hash}")
        else:
            click.echo(f"检查点 {path.name} 不符:{check.reason}", err=True)
            failed = True
    if state.ok and not failed:
        click.echo(f"审计链完好:共 {state.length} 条,末条哈希 {state.last_hash}(校验于 {format_local(state.verified_at)})")
        return
    if state.ok:
        sys.exit(1)
    click.echo(f"审计链已损坏:第 {state.first_broken_seq} 条起 — {state.reason}", err=True)
    click.echo(f"此前 {state.length} 条完好,最后一条完好的哈希 {state.last_hash}", err=True)
    sys.exit(1)


@audit_cli.command("checkpoint")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入此文件(默认打印)")
def checkpoint_command(output: Path | None) -> None:
    """Sign the chain's head now (Ed25519, key outside the database) for auditors to keep."""
    from roundtable.audit.anchor import checkpoint

    text = checkpoint().to_json()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"检查点已写入 {output}")


@audit_cli.command("public-key")
def public_key_command() -> None:
    """The public key that checks this system's checkpoints (publish it; keep old ones after a rotation)."""
    from roundtable.audit.anchor import public_key_hex

    click.echo(public_key_hex())
