"""Sealed fund ballots: what was voted in an open secret budget vote, sealed to a key outside the database

Revision ID: d3f8e1a2b5c7
Revises: b7c1a9d2e4f0
Create Date: 2026-12-01 22:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "d3f8e1a2b5c7"
down_revision = "b7c1a9d2e4f0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fund_sealed_ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["fund_votes.id"], name=op.f("fk_fund_sealed_ballots_vote_id_fund_votes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_sealed_ballots")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("fund_sealed_ballots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_sealed_ballots_vote_id"), ["vote_id"], unique=False)


def downgrade():
    with op.batch_alter_table("fund_sealed_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_sealed_ballots_vote_id"))
    op.drop_table("fund_sealed_ballots")
