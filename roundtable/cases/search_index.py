"""The text index behind case search, on both databases, and the one clause that uses it.

Chinese has no spaces to split words on, so the index is built from the text's
characters, not its words:

- **PostgreSQL**: a GIN index on the character bigrams of a case's number,
  description, address and complainant name (``roundtable_bigrams(...)``, an
  immutable SQL function, costed high so that the planner reads the index
  rather than computing it row by row). A query of n ≥ 2 characters asks for
  the cases whose bigrams contain all of the query's, then checks the
  substring itself (a two-character query needs no check: it is one bigram).
  pg_trgm was the obvious choice and the wrong one here: a two-character query
  (停车, 噪声) holds no trigram, so its GIN index cannot narrow anything and
  every such search reads the whole index.
- **SQLite**: an FTS5 table with the trigram tokenizer (substring matches for
  queries of three characters or more), kept by triggers; one- and
  two-character queries fall back to LIKE over the community's cases.

Both are maintained by the database itself (an expression index; triggers), so
every way a case is written — the form, imports, Open311, bulk inserts — keeps
the index in step, and deleting a case removes it. One-character queries use
LIKE everywhere. The objects are created by the migration and, for the tests'
``create_all``, by the metadata events below; ``is_index_object`` tells the
migration checks to leave them alone (Alembic cannot describe them).
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape
from sqlalchemy import event, func, literal, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from roundtable.cases.models import Case
from roundtable.extensions import db

SEARCHED_COLUMNS = ("external_number", "description", "address", "complainant_name")

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION roundtable_bigrams(content text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lower(content), position, 2)), '{}')
  FROM generate_series(1, char_length(content) - 1) AS position
$$
"""
# The index's expression: the statement below must repeat it exactly for PostgreSQL to use the index.
POSTGRESQL_DOCUMENT = (
    "coalesce(external_number, '') || ' ' || coalesce(description, '') || ' ' || "
    "coalesce(address, '') || ' ' || coalesce(complainant_name, '')"
)
POSTGRESQL_INDEX = "ix_cases_search_bigrams"
POSTGRESQL_CREATE = [
    POSTGRESQL_FUNCTION,
    f"CREATE INDEX IF NOT EXISTS {POSTGRESQL_INDEX} ON cases USING gin (roundtable_bigrams({POSTGRESQL_DOCUMENT}))",
]
POSTGRESQL_DROP = [
    f"DROP INDEX IF EXISTS {POSTGRESQL_INDEX}",
    "DROP FUNCTION IF EXISTS roundtable_bigrams(text)",
]

SQLITE_TABLE = "cases_search"
_COLUMNS = ", ".join(SEARCHED_COLUMNS)
_NEW = ", ".join(f"new.{name}" for name in SEARCHED_COLUMNS)
_OLD = ", ".join(f"old.{name}" for name in SEARCHED_COLUMNS)
SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5({_COLUMNS}, content='cases', "
    "content_rowid='id', tokenize='trigram case_sensitive 0')",
    f"CREATE TRIGGER IF NOT EXISTS cases_search_insert AFTER INSERT ON cases BEGIN "
    f"INSERT INTO {SQLITE_TABLE}(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER IF NOT EXISTS cases_search_delete AFTER DELETE ON cases BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER IF NOT EXISTS cases_search_update AFTER UPDATE OF {_COLUMNS} ON cases BEGIN "
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO {SQLITE_TABLE}(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",  # cases already there
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_search_insert",
    "DROP TRIGGER IF EXISTS cases_search_delete",
    "DROP TRIGGER IF EXISTS cases_search_update",
    f"DROP TABLE IF EXISTS {SQLITE_TABLE}",
]
# The shadow tables FTS5 keeps beside the virtual table.
SQLITE_TABLES = {SQLITE_TABLE, *(f"{SQLITE_TABLE}_{part}" for part in ("data", "idx", "docsize", "config", "content"))}


def create_statements(dialect: str) -> list[str]:
    return {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}.get(dialect, [])


def drop_statements(dialect: str) -> list[str]:
    return {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}.get(dialect, [])


def is_index_object(name: str | None, type_: str, parent_names: dict | None = None) -> bool:
    """The search index's own tables and index, which Alembic's model comparison must skip."""
    return (type_ == "table" and name in SQLITE_TABLES) or (type_ == "index" and name == POSTGRESQL_INDEX)


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's ``include_name``: everything but the search index."""
    return not is_index_object(name, type_, parent_names)


def _install(target, connection, **_kw) -> None:
    for statement in create_statements(connection.dialect.name):
        connection.execute(text(statement))


def _uninstall(target, connection, **_kw) -> None:
    for statement in drop_statements(connection.dialect.name):
        connection.execute(text(statement))


# create_all/drop_all (the tests' schema) build and remove the index with the cases table.
event.listen(Case.__table__, "after_create", _install)
event.listen(Case.__table__, "before_drop", _uninstall)


def text_match(query: str, columns: tuple[str, ...] = SEARCHED_COLUMNS, dialect: str | None = None):
    """The WHERE clause for cases whose ``columns`` contain ``query`` (case-insensitive), through the index."""
    dialect = dialect or db.session.get_bind().dialect.name
    substring = or_(*(getattr(Case, name).icontains(query, autoescape=True) for name in columns))
    if len(query) < 2:
        return substring
    if dialect == "postgresql":
        document = text(POSTGRESQL_DOCUMENT)
        bigrams = func.roundtable_bigrams(document, type_=ARRAY(Text))
        wanted = func.roundtable_bigrams(literal(query, Text), type_=ARRAY(Text))
        if any(char.isspace() for char in query) or columns != SEARCHED_COLUMNS:
            return bigrams.contains(wanted) & substring
        if len(query) == 2:
            # A two-character query is one bigram: containing it is containing the substring
            # (the spaces joining the columns never form a bigram without a space).
            return bigrams.contains(wanted)
        # One search in the joined text instead of four ILIKEs: a query without a space
        # cannot straddle two columns. Chinese has no case: lower() only when it matters.
        haystack = document if query.lower() == query.upper() else func.lower(document)
        return bigrams.contains(wanted) & (func.strpos(haystack, query.lower()) > 0)
    if dialect == "sqlite" and len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        scoped = "{" + " ".join(columns) + "}: " + phrase
        matched = select(text("rowid")).select_from(text(SQLITE_TABLE)).where(
            text(f"{SQLITE_TABLE} MATCH :search_phrase").bindparams(search_phrase=scoped)
        )
        return Case.id.in_(matched)
    if dialect == "sqlite" and query.lower() == query.upper() and not any(char.isspace() for char in query):
        # Shorter than a trigram: a scan, but one instr() over the joined text rather than four
        # lower() LIKEs (a caseless query such as 停车 needs no lower(); without a space it
        # cannot straddle two columns).
        joined = getattr(Case, columns[0])
        for name in columns[1:]:
            joined = joined.op("||")(" ").op("||")(getattr(Case, name))
        return func.instr(joined, query) > 0
    return substring


def highlight(value: str | None, query: str | None, width: int | None = None) -> Markup:
    """``value`` escaped, with each case-insensitive occurrence of ``query`` in ``<mark>``.

    With ``width``, a long text is cut to about that many characters around the
    first match (so the match is never cut off), with "…" where text was left out.
    """
    value = value or ""
    if width and len(value) > width:
        found = value.lower().find(query.lower()) if query else -1
        start = max(0, min(found - width // 3, len(value) - width)) if found > 0 else 0
        value = ("…" if start else "") + value[start:start + width] + ("…" if start + width < len(value) else "")
    if not query:
        return escape(value)
    pieces = re.split(f"({re.escape(query)})", value, flags=re.IGNORECASE)
    return Markup("").join(
        Markup("<mark>") + escape(piece) + Markup("</mark>") if index % 2 else escape(piece)
        for index, piece in enumerate(pieces)
    )
