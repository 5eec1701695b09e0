"""Proxies can be withdrawn (撤销委托): when, by what means and by whom; one proxy in force per resident

Revision ID: e4a7c2b9d1f3
Revises: d3f8e1a2b5c7
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

import roundtable.core.types

revision = "e4a7c2b9d1f3"
down_revision = "d3f8e1a2b5c7"
branch_labels = None
depends_on = None

ACTIVE = sa.text("revoked_at IS NULL")


def upgrade():
    with op.batch_alter_table("ballot_proxies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", roundtable.core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoke_means", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_grantor", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("revoke_note", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_ballot_proxies_revoked_by_id_users"), "users", ["revoked_by_id"], ["id"])
        batch_op.drop_constraint("uq_ballot_proxies_meeting_id_grantor_id", type_="unique")
        batch_op.create_index("uq_ballot_proxies_active_grantor", ["meeting_id", "grantor_id"], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    # The old schema knew one proxy per resident and meeting: withdrawn ones cannot stay beside a new one.
    op.execute("UPDATE ballot_channels SET proxy_id = NULL WHERE proxy_id IN "
               "(SELECT id FROM ballot_proxies WHERE revoked_at IS NOT NULL)")
    op.execute("DELETE FROM ballot_proxies WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table("ballot_proxies", schema=None) as batch_op:
        batch_op.drop_index("uq_ballot_proxies_active_grantor")
        batch_op.create_unique_constraint("uq_ballot_proxies_meeting_id_grantor_id", ["meeting_id", "grantor_id"])
        batch_op.drop_constraint(batch_op.f("fk_ballot_proxies_revoked_by_id_users"), type_="foreignkey")
        batch_op.drop_column("revoke_note")
        batch_op.drop_column("revoked_by_grantor")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoke_means")
        batch_op.drop_column("revoked_at")
