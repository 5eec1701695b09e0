"""``flask apikey ...``: keys that let outside systems file cases through Open311."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from roundtable.communities.models import Community
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.open311.models import ApiKey

apikey_cli = AppGroup("apikey", help="Manage Open311 API keys.")


@apikey_cli.command("create")
@click.option("--community", "community_name", required=True, help="Community name the key files cases into.")
@click.option("--label", default="Open311 client", show_default=True, help="Who uses this key.")
def create(community_name: str, label: str) -> None:
    """Issue a key; it is printed once and only its hash is kept."""
    community = db.session.scalar(select(Community).where(Community.name == community_name))
    if community is None:
        raise click.ClickException(f"no community named {community_name!r}")
    api_key, key = ApiKey.issue(community.id, label)
    db.session.commit()
    click.echo(f"API key {api_key.id} for {community.name} ({label}):")
    click.echo(key)


@apikey_cli.command("list")
def list_keys() -> None:
    """List keys with their community and whether they still work (never the key itself)."""
    for api_key in db.session.scalars(select(ApiKey).order_by(ApiKey.id)):
        state = f"revoked {api_key.revoked_at:%Y-%m-%d}" if api_key.revoked_at else "active"
        click.echo(f"{api_key.id:>4} {api_key.community.name} {api_key.label} ({state})")


@apikey_cli.command("revoke")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    """Stop a key from working at once, keeping the record of who had it."""
    api_key = db.session.get(ApiKey, key_id)
    if api_key is None:
        raise click.ClickException(f"no API key with id {key_id}")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        db.session.commit()
    click.echo(f"API key {api_key.id} ({api_key.label}) revoked")
