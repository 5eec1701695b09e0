"""Statement helpers: how many rows a guarded UPDATE or DELETE changed; ``column IN ids`` cheaply.

A claim ("set voted where not yet voted") is decided by the row count of the
UPDATE: of two requests at once, exactly one changes the row. ``Session.execute``
is typed to return a plain ``Result``; for data-changing statements SQLAlchemy
returns a ``CursorResult``, which is where ``rowcount`` lives.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, CursorResult, Integer, any_, literal
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from roundtable.extensions import db


def rows_changed(statement: UpdateBase) -> int:
    """Run ``statement`` (UPDATE or DELETE) in the current session and return its row count."""
    result = db.session.execute(statement)
    if not isinstance(result, CursorResult):  # pragma: no cover - SQLAlchemy always returns one for DML
        raise TypeError(f"{type(statement).__name__} did not return a cursor result")
    return result.rowcount


def any_of(column: Any, ids: Iterable[Any], item_type: type[TypeEngine[Any]] = Integer) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL ``column = ANY(array)``: one parameter for any number of ids.

    An IN list of a group's 500 voters is 500 parameters, and psycopg parses a
    statement that long again at every execution (it caches only short ones):
    a fifth of the server's work in a thousand-phone vote.
    """
    values = sorted(set(ids))
    result: ColumnElement[bool]
    if db.session.get_bind().dialect.name == "postgresql":
        result = column == any_(literal(values, ARRAY(item_type)))
    else:
        result = column.in_(values)
    return result
