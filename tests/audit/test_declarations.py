"""Every model names itself in the audit trail; the listener knows none of them.

Each mapped class declares ``__audit__`` (Audited or NotAudited) in its own
body, so a new model cannot be recorded under a guessed name, and a column that
holds personal data or a secret is declared secret before any entry can show it.
"""
from __future__ import annotations

import inspect
import re

import pytest
from sqlalchemy import inspect as sa_inspect

import roundtable.audit.listener as listener
from roundtable.core.audit_naming import REDACTED_VALUE, Audited, NotAudited
from roundtable.extensions import db

# Column names that carry personal data or a secret wherever they appear.
SECRET_NAMES = re.compile(r"phone|token|password|key_hash|receipt_key|idempotency_key|applicant_name|guest_name|address")


def _models(app) -> list[type]:
    with app.app_context():
        return sorted((mapper.class_ for mapper in db.Model.registry.mappers), key=lambda cls: cls.__name__)


@pytest.fixture
def models(app):
    return _models(app)


def test_every_model_declares_its_own_audit_naming(models):
    undeclared = [cls.__name__ for cls in models if not isinstance(cls.__dict__.get("__audit__"), (Audited, NotAudited))]
    assert undeclared == []


def test_declared_fields_exist_and_subjects_are_unique(models):
    subjects: dict[str, str] = {}
    for cls in models:
        naming = cls.__dict__["__audit__"]
        if isinstance(naming, NotAudited):
            assert naming.reason.strip(), cls.__name__
            continue
        columns = {attr.key for attr in sa_inspect(cls).column_attrs}
        named = set(naming.describe) | {column for column, _ in naming.on_change} | naming.secret
        assert named <= columns, (cls.__name__, named - columns)
        assert naming.subject not in subjects, (naming.subject, cls.__name__, subjects.get(naming.subject))
        subjects[naming.subject] = cls.__name__
        if naming.community_via:
            assert naming.community_via in sa_inspect(cls).relationships, cls.__name__


def test_personal_data_and_secrets_are_declared_secret(models):
    exposed = []
    for cls in models:
        naming = cls.__dict__["__audit__"]
        if isinstance(naming, NotAudited):
            continue
        for attr in sa_inspect(cls).column_attrs:
            if SECRET_NAMES.search(attr.key) and attr.key not in naming.secret:
                exposed.append(f"{cls.__name__}.{attr.key}")
    assert exposed == []


def test_the_listener_names_no_table_and_no_model(models):
    source = inspect.getsource(listener)
    for cls in models:
        assert f'"{cls.__tablename__}"' not in source
        assert re.search(rf"\b{cls.__name__}\b", source) is None, cls.__name__


def test_a_secret_field_is_recorded_only_as_changed(world):
    from roundtable.audit.listener import entries_for_flush

    world.a.case.complainant_phone = "13900001111"
    world.a.case.status = "contacted"
    [entry] = entries_for_flush(db.session())
    assert entry["action"] == "case.status"
    assert entry["data"]["changed"]["complainant_phone"] == REDACTED_VALUE
    assert "13900001111" not in repr(entry)
    db.session.rollback()
