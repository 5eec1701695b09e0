"""Ids in addresses: only numbers a database id can be, so an absurd one is a 404, not a 500.

SQLite's integers end at 2^63 and PostgreSQL's ``integer`` columns at 2^31:
binding a larger number raises inside the driver. Every ``<int:...>`` in a
route goes through ``BoundedIntConverter``, so ``/r/99999999999999999999.pdf``
simply matches no route.
"""
from __future__ import annotations

import secrets

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1


def random_id() -> str:
    """Primary key for secret-ballot rows: random, so that key order says nothing about time."""
    return secrets.token_hex(16)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` with the range of a PostgreSQL ``integer`` unless the rule says otherwise."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def install_id_converter(app: Flask) -> None:
    """Must run before any blueprint is registered: rules bind their converters when added."""
    app.url_map.converters["int"] = BoundedIntConverter


