"""The checked-in migrations build the schema from empty, and match the models exactly.

A model change without its Alembic revision makes the drift test fail, on
SQLite and on PostgreSQL.
"""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from roundtable import create_app
from roundtable.cases.search_index import include_name
from roundtable.config import TestConfig
from roundtable.extensions import db
from tests.conftest import _fresh_postgres_database


@pytest.fixture
def empty_database_url(request, tmp_path):
    """A database with nothing in it, of the backend this run tests."""
    if request.config.getoption("--db") == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield from _fresh_postgres_database(request.config.getoption("--pg-url"))


@pytest.fixture
def migrated_app(empty_database_url):
    """An app whose database was built by `flask db upgrade` alone."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_builds_every_table_from_empty(migrated_app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_do_not_drift(migrated_app):
    with db.engine.connect() as connection:
        # The search index (FTS5 tables, a GIN expression index) is the migration's alone: Alembic cannot model it.
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], (
        "models and migrations differ; generate a revision with "
        f"`flask db migrate -m ...`: {differences}"
    )


def test_the_search_index_is_built_by_the_migration(migrated_app):
    names = set(inspect(db.engine).get_table_names())
    if db.engine.dialect.name == "sqlite":
        assert "cases_search" in names
    else:
        assert "ix_cases_search_bigrams" in {index["name"] for index in inspect(db.engine).get_indexes("cases")}


def test_downgrade_to_base_and_up_again(migrated_app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
