"""How a model appears in the audit trail, declared on the model itself as ``__audit__``.

Every mapped model says either ``Audited(...)`` (the subject name, the fields an
entry describes, the columns whose change names the action, the secret fields
whose values never enter the trail) or ``NotAudited(reason)``. The flush
listener (``roundtable.audit.listener``) reads only these declarations, so it
knows no table by name; a model whose entries need more than columns (a poll's
counts and receipts at its close) refines its own entry in ``refine_audit``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# An entry before it is chained: action, subject_type, subject_id, community_id, data.
AuditDraft = dict[str, Any]

# Columns that change with everything and mean nothing on their own.
BOOKKEEPING = frozenset({"updated_at", "version", "session_version", "last_login_at"})

# What the trail shows instead of a secret field's value.
REDACTED_VALUE = "<已隐去>"


@dataclass(frozen=True)
class Audited:
    """Changes to this model's rows are recorded as ``<subject>.<action>`` entries.

    ``describe``: the fields written when a row is created or deleted.
    ``on_change``: (column, action) pairs, the most meaningful first; an update
    that touches none of them is ``<subject>.edit``.
    ``secret``: fields whose values never enter the trail (personal data,
    tokens, documents); an entry says only that they changed.
    ``community_via``: the relationship whose ``community_id`` the entry files
    under, for rows without a community of their own.
    """

    subject: str
    describe: tuple[str, ...] = ()
    on_change: tuple[tuple[str, str], ...] = ()
    on_create: str = "create"
    secret: frozenset[str] = frozenset()
    community_via: str | None = None
    ignored: frozenset[str] = BOOKKEEPING


@dataclass(frozen=True)
class NotAudited:
    """The rows of this model are not audit events; ``reason`` says why."""

    reason: str


class RefinesAudit(Protocol):
    """A model that completes (or drops, by returning None) its generic entry."""

    def refine_audit(self, entry: AuditDraft) -> AuditDraft | None: ...
