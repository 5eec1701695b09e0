"""Guarded UPDATE and DELETE statements: how many rows did this statement change?

A claim ("set voted where not yet voted") is decided by the row count of the
UPDATE: of two requests at once, exactly one changes the row. ``Session.execute``
is typed to return a plain ``Result``; for data-changing statements SQLAlchemy
returns a ``CursorResult``, which is where ``rowcount`` lives.
"""
from __future__ import annotations

from sqlalchemy import CursorResult
from sqlalchemy.sql.dml import UpdateBase

from roundtable.extensions import db


def rows_changed(statement: UpdateBase) -> int:
    """Run ``statement`` (UPDATE or DELETE) in the current session and return its row count."""
    result = db.session.execute(statement)
    if not isinstance(result, CursorResult):  # pragma: no cover - SQLAlchemy always returns one for DML
        raise TypeError(f"{type(statement).__name__} did not return a cursor result")
    return result.rowcount
