"""Small readers the case desk tests share."""
from __future__ import annotations

from sqlalchemy import func, select

from roundtable.cases.models import Case, CaseEvent
from roundtable.extensions import db


def case_count() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def event_count() -> int:
    return db.session.scalar(select(func.count(CaseEvent.id)))


def html(response) -> str:
    return response.get_data(as_text=True)
