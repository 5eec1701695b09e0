"""speaking requests state a stance; host overrides of the proposed speaker keep their reason

Revision ID: a10c5e7d2b41
Revises: c741cad4b3ca
Create Date: 2026-12-01 21:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a10c5e7d2b41'
down_revision = 'c741cad4b3ca'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_speaking_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stance', sa.String(length=10), nullable=False, server_default='other'))
        batch_op.add_column(sa.Column('override_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('live_speaking_requests', schema=None) as batch_op:
        batch_op.drop_column('override_reason')
        batch_op.drop_column('stance')
