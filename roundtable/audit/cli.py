"""``flask audit verify``: walks the chain and exits non-zero at the first broken entry, for cron and CI."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext

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
            click.echo(gettext("无法读取检查点 %(path)s:%(error)s", path=path, error=error), err=True)
            failed = True
            continue
        check = check_anchor(anchor)
        if check.ok:
            click.echo(gettext("检查点 %(name)s 相符:第 %(seq)s 条,哈希 %(hash)s", name=path.name, seq=anchor.seq, hash=anchor.hash))
        else:
            click.echo(gettext("检查点 %(name)s 不符:%(reason)s", name=path.name, reason=check.reason), err=True)
            failed = True
    if state.ok and not failed:
        click.echo(gettext("审计链完好:共 %(length)s 条,末条哈希 %(hash)s(校验于 %(at)s)",
                           length=state.length, hash=state.last_hash, at=format_local(state.verified_at)))
        return
    if state.ok:
        sys.exit(1)
    click.echo(gettext("审计链已损坏:第 %(seq)s 条起 — %(reason)s", seq=state.first_broken_seq, reason=state.reason), err=True)
    click.echo(gettext("此前 %(length)s 条完好,最后一条完好的哈希 %(hash)s", length=state.length, hash=state.last_hash), err=True)
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
        click.echo(gettext("检查点已写入 %(path)s", path=output))


@audit_cli.command("public-key")
def public_key_command() -> None:
    """The public key that checks this system's checkpoints (publish it; keep old ones after a rotation)."""
    from roundtable.audit.anchor import public_key_hex

    click.echo(public_key_hex())
