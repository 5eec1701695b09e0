"""Indexed Chinese case search (bigram GIN on PostgreSQL, FTS5 trigram on SQLite); Open311 service-code mapping

Revision ID: a16c0de5ea7c
Revises: 817f6381ece3
Create Date: 2026-12-01 21:10:00
"""
import sqlalchemy as sa
from alembic import op

from roundtable.core.types import UTCDateTime

revision = 'a16c0de5ea7c'
down_revision = '817f6381ece3'
branch_labels = None
depends_on = None

# The search index as the application defines it (roundtable/cases/search_index.py), frozen here:
# a later change to the index comes with a revision of its own.
POSTGRESQL_CREATE = [
    """
CREATE OR REPLACE FUNCTION roundtable_bigrams(content text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(content), position, 2)), '{}')
  FROM generate_series(1, char_length(content) - 1) AS position
$$
""",
    "CREATE INDEX IF NOT EXISTS ix_cases_search_bigrams ON cases USING gin (roundtable_bigrams("
    "coalesce(external_number, '') || ' ' || coalesce(description, '') || ' ' || "
    "coalesce(address, '') || ' ' || coalesce(complainant_name, '')))",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS ix_cases_search_bigrams",
    "DROP FUNCTION IF EXISTS roundtable_bigrams(text)",
]
_COLUMNS = "external_number, description, address, complainant_name"
_NEW = "new.external_number, new.description, new.address, new.complainant_name"
_OLD = "old.external_number, old.description, old.address, old.complainant_name"
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS cases_search USING fts5({_COLUMNS}, content='cases', "
    "content_rowid='id', tokenize='trigram case_sensitive 0')",
    f"CREATE TRIGGER IF NOT EXISTS cases_search_insert AFTER INSERT ON cases BEGIN "
    f"INSERT INTO cases_search(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER IF NOT EXISTS cases_search_delete AFTER DELETE ON cases BEGIN "
    f"INSERT INTO cases_search(cases_search, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER IF NOT EXISTS cases_search_update AFTER UPDATE OF {_COLUMNS} ON cases BEGIN "
    f"INSERT INTO cases_search(cases_search, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO cases_search(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
    "INSERT INTO cases_search(cases_search) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_search_insert",
    "DROP TRIGGER IF EXISTS cases_search_delete",
    "DROP TRIGGER IF EXISTS cases_search_update",
    "DROP TABLE IF EXISTS cases_search",
]


def _run(statements):
    for statement in statements:
        op.execute(sa.text(statement))


def upgrade():
    op.create_table(
        'open311_service_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('external_code', sa.String(length=100), nullable=False),
        sa.Column('category', sa.String(length=30), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('community_id', 'external_code'),
    )
    with op.batch_alter_table('open311_service_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_service_codes_community_id'), ['community_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        _run(POSTGRESQL_CREATE)
    elif dialect == 'sqlite':
        _run(SQLITE_CREATE)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        _run(POSTGRESQL_DROP)
    elif dialect == 'sqlite':
        _run(SQLITE_DROP)
    with op.batch_alter_table('open311_service_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_service_codes_community_id'))
    op.drop_table('open311_service_codes')
