"""The generic hook: every flush that changes an audited model appends its entries.

The listener knows no table: each model declares ``__audit__``
(``roundtable.core.audit_naming``) with its subject name, the fields an entry
describes, the columns whose change names the action and the secret fields
whose values never enter the trail, or ``NotAudited(reason)``. A model whose
entry needs more than its columns completes it in ``refine_audit``. Actions
get meaningful names from the columns that changed (``case.status``,
``invitation.report_in``); a secret field's entry says only that it changed.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import NO_VALUE

from roundtable.audit.chain import append_entries
from roundtable.core.audit_naming import REDACTED_VALUE, AuditDraft, Audited, NotAudited


def declaration_of(obj: object) -> Audited | None:
    """The model's own ``__audit__``; None for what is not audited or not a mapped row."""
    declared = getattr(type(obj), "__audit__", None)
    if isinstance(declared, NotAudited) or getattr(obj, "__table__", None) is None:
        return None
    if not isinstance(declared, Audited):
        raise TypeError(f"{type(obj).__name__} declares no __audit__ (Audited or NotAudited)")
    return declared


def _loaded(state: Any, key: str) -> Any:
    value = state.attrs[key].loaded_value
    return None if value is NO_VALUE else value


def _describe(obj: object, naming: Audited) -> dict[str, Any]:
    state = inspect(obj)
    return {
        key: REDACTED_VALUE if key in naming.secret else _loaded(state, key)
        for key in naming.describe
        if key in state.attrs
    }


def _changes(obj: object, naming: Audited) -> dict[str, Any]:
    state = inspect(obj)
    changed: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in naming.ignored:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new and history.deleted:
            continue
        changed[key] = REDACTED_VALUE if key in naming.secret else [old, new]
    return changed


def _community_of(obj: object, naming: Audited) -> int | None:
    community_id = getattr(obj, "community_id", None)
    if community_id is None and naming.community_via:
        parent = getattr(obj, naming.community_via, None)
        community_id = getattr(parent, "community_id", None)
    return community_id


def _subject_id(obj: object) -> int | None:
    """From the primary key attribute: in after_flush a new row has its id but not yet its identity key."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    if len(key) == 1 and isinstance(key[0], int):
        return key[0]
    return None


def _entry(obj: object, kind: str) -> AuditDraft | None:
    naming = declaration_of(obj)
    if naming is None:
        return None
    if kind == "create":
        action, data = naming.on_create, _describe(obj, naming)
    elif kind == "delete":
        action, data = "delete", _describe(obj, naming)
    else:
        changed = _changes(obj, naming)
        if not changed:
            return None
        action = next((name for column, name in naming.on_change if column in changed), "edit")
        data = {"changed": changed}
    entry: AuditDraft = {
        "subject_type": naming.subject,
        "subject_id": _subject_id(obj),
        "community_id": _community_of(obj, naming),
        "action": f"{naming.subject}.{action}",
        "data": data,
    }
    refine = getattr(obj, "refine_audit", None)
    return refine(entry) if refine is not None else entry


def entries_for_flush(session: Session) -> list[AuditDraft]:
    changes = [(obj, "create") for obj in session.new]
    changes += [(obj, "update") for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    changes += [(obj, "delete") for obj in session.deleted]
    return [entry for obj, kind in changes if (entry := _entry(obj, kind)) is not None]


def _after_flush(session: Session, _flush_context: object) -> None:
    entries = entries_for_flush(session)
    if entries:
        append_entries(session, entries)


def install_listener() -> None:
    """Attach to every session (idempotent: the app factory may run many times in one process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
