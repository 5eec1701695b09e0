"""Notices kept as message ids with their values, shown in each reader's language

Rows written before keep their text and have no params: they are shown as written.

Revision ID: e5a7c3f1d9b2
Revises: e4a7c2b9d1f3
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e5a7c3f1d9b2"
down_revision = "e4a7c2b9d1f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("params")
