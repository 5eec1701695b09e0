"""``flask apikey ...``: keys that let outside systems file cases through Open311."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from roundtable.communities.models import Community
from roundtable.extensions import db
from roundtable.open311.models import ApiKey

apikey_cli = AppGroup("apikey", help="Manage Open311 API keys.")


@apikey_cli.command("create")
@click.option("--community", "community_name", required=True, help="Community name the key files cases into.")
@click.option("--label", default="Open311 client", show_default=True, help="Who uses this key.")
def create(community_name, label):
    """Issue a key; it is printed once and only its hash is kept."""
    community = db.session.scalar(select(Community).where(Community.name == community_name))
    if community is None:
        raise click.ClickException(f"no community named {community_name!r}")
    api_key, key = ApiKey.issue(community.id, label)
    db.session.commit()
    click.echo(f"API key {api_key.id} for {community.name} ({label}):")
    click.echo(key)
