"""Sealed secret ballots: what was voted in an open secret poll, sealed to a key outside the database

Revision ID: b7c1a9d2e4f0
Revises: a16c0de5ea7c
Create Date: 2026-12-01 21:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b7c1a9d2e4f0"
down_revision = "a16c0de5ea7c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "live_sealed_ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["live_polls.id"], name=op.f("fk_live_sealed_ballots_poll_id_live_polls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sealed_ballots")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("live_sealed_ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_sealed_ballots_poll_id"), ["poll_id"], unique=False)


def downgrade():
    with op.batch_alter_table("live_sealed_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_sealed_ballots_poll_id"))
    op.drop_table("live_sealed_ballots")
