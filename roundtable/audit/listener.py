"""The generic hook: every flush that changes an audited model appends its entries.

Audited by default: a model added later by any domain is recorded without
anyone remembering to call us. What is *not* audited is listed, each with its
reason. Named and secret ballots above all: for a secret poll, one entry per
vote, in order, would rejoin who voted with what was voted; polls are recorded
when they open and when they close, with the counts and the list of receipts.

Actions get meaningful names from the columns that changed (``case.status``,
``invitation.report_in``); personal data never enters an entry, only the name
of the field that changed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import NO_VALUE

from roundtable.audit.chain import append_entries

# Tables whose rows are not audit events, and why.
NOT_AUDITED = {
    "audit_entries": "the trail itself",
    "audit_chain_head": "the trail's own bookkeeping",
    "live_ballots": "one entry per vote would time-stamp each voter's choice; the poll's close records counts and receipts",
    "live_secret_voters": "same: entries in voting order would rejoin secret voters and votes",
    "live_secret_votes": "same",
    "live_sealed_ballots": "same: sealed ballots, written beside their voters, opened and deleted at the close",
    "live_speaking_requests": "the queue of raised hands changes every few seconds and decides nothing",
    "jobs": "delivery machinery; what a job changes is audited on its own rows",
    "notifications": "copies of what happened, not events",
    "outbox_messages": "delivery machinery",
    "live_poll_options": "part of the poll; recorded in poll.open",
    "import_batches": "the cases an import creates are each audited; the pending batch is a draft",
    "fund_ballots": "like live ballots: the vote's count records the receipts, never who voted what",
    "fund_voters": "a personal link marked as voted, in order, would time-stamp each voter; the count records the receipts",
    "fund_sealed_ballots": "same: sealed budget ballots, written beside their voters, opened and deleted at the count",
    "ballot_channels": "written beside who voted (paper, proxy), like live_secret_voters: entries in voting order "
                       "would time-stamp each paper or proxy voter; the tally and the poll's close carry the counts",
}

# Fields whose values never enter the trail: personal data and secrets. The trail says they changed.
REDACTED = {
    "complainant_name",
    "complainant_phone",
    "guest_phone",
    "guest_name",
    "phone",
    "token",
    "watch_token",
    "password_hash",
    "key_hash",
    "receipt_key",
    "pdf",
    "data",
    "attendee_names",
    "address",
    "record",
    "plate",
    "applicant_name",
    "photo",
    "check_token",
    "idempotency_key",
    "choices",
    "result",  # a closed named poll's result lists who voted what; poll.close carries the counts instead
}
# Bookkeeping columns that change with everything and mean nothing on their own.
IGNORED = {"updated_at", "version", "session_version", "last_login_at"}


@dataclass(frozen=True)
class Naming:
    """How one model's changes are named: a subject type, and actions for columns that matter most first."""

    subject: str
    on_change: tuple[tuple[str, str], ...] = ()
    on_create: str = "create"
    community_via: str | None = None
    describe: tuple[str, ...] = field(default=())


NAMINGS: dict[str, Naming] = {
    "cases": Naming(
        "case",
        (("status", "status"), ("followed_up_at", "follow_up"), ("responsible_department_id", "assign"),
         ("topic_id", "topic"), ("parent_id", "duplicate_of")),
        describe=("external_number", "source", "category", "urgency", "status"),
    ),
    "case_events": Naming("case_event", community_via="case", describe=("kind", "case_id", "from_status", "to_status")),
    "topics": Naming("topic", (("theme_month", "theme"),), describe=("title", "theme_month")),
    "meetings": Naming("meeting", (("status", "status"),), describe=("kind", "title", "status", "starts_at")),
    "meeting_cases": Naming("meeting_case", on_create="link", community_via="meeting", describe=("meeting_id", "case_id")),
    "agenda_items": Naming("agenda_item", (("state", "state"),), community_via="meeting",
                           describe=("meeting_id", "position", "title", "state")),
    "invitations": Naming(
        "invitation",
        (("reported_at", "report_in"), ("summoned_at", "summon"), ("checked_in_at", "check_in"), ("rsvp", "rsvp")),
        describe=("meeting_id", "kind", "side", "user_id", "department_id", "organization_id"),
    ),
    "live_positions": Naming("position", (("hidden_at", "hide"),), on_create="post",
                             describe=("meeting_id", "invitation_id", "stance", "agenda_item_id")),
    "live_motions": Naming("motion", (("seconder_id", "second"), ("state", "state")), on_create="propose",
                           describe=("meeting_id", "proposer_id", "state")),
    "live_polls": Naming("poll", (("state", "close"),), on_create="open",
                         describe=("meeting_id", "motion_id", "kind", "secret", "rule", "quorum")),
    "resolutions": Naming("resolution", (("status", "status"),),
                          describe=("meeting_id", "version", "status", "title", "sha256")),
    "resolution_commitments": Naming(
        "commitment", (("done_at", "done"), ("state", "answer"), ("deadline", "deadline")),
        describe=("resolution_id", "department_id", "organization_id", "deadline", "state"),
    ),
    "resolution_commitment_reports": Naming("commitment_report", describe=("commitment_id", "marks_done")),
    "resolution_evidence_files": Naming("evidence", on_create="upload", describe=("report_id", "size", "sha256")),
    "login_attempts": Naming("login", describe=("username", "user_id", "reason", "succeeded", "address")),
    "users": Naming("user", (("password_hash", "password"), ("active", "active"), ("is_admin", "admin")),
                    describe=("username", "is_admin", "active")),
    "memberships": Naming("membership", (("role", "role"),), describe=("user_id", "community_id", "role")),
    "ballot_proxies": Naming("proxy", (("revoked_at", "revoke"),), on_create="grant", community_via="meeting",
                             describe=("meeting_id", "grantor_id", "holder_id", "consent_means")),
    "streets": Naming("street", describe=("name", "district")),
    "communities": Naming("community", describe=("name", "street_id")),
    "departments": Naming("department", describe=("name",)),
    "organizations": Naming("organization", describe=("name", "kind")),
    "department_members": Naming("department_member", describe=("user_id", "department_id")),
    "organization_members": Naming("organization_member", describe=("user_id", "organization_id")),
    "api_keys": Naming("api_key", (("revoked_at", "revoke"),), describe=("label",)),
    "funds": Naming("fund", describe=("name", "amount_fen", "period_start", "period_end")),
    "fund_proposals": Naming("fund_proposal", (("state", "review"),), on_create="propose",
                             describe=("fund_id", "title", "cost_fen", "origin", "state")),
    "fund_votes": Naming("fund_vote", (("state", "state"),),
                         describe=("fund_id", "mode", "form", "rule", "secret", "quorum", "state")),
    "certificate_kinds": Naming("certificate_kind", on_create="authorise",
                                describe=("resolution_id", "name", "validity_days", "department_id")),
    "certificates": Naming("certificate", (("revoked_at", "revoke"), ("number", "issue"), ("refusal_reason", "refuse"),
                                           ("pdf_sha256", "render")), on_create="request",
                           describe=("kind_id", "state", "number")),
}


def naming_for(table: str) -> Naming:
    return NAMINGS.get(table) or Naming(table.rstrip("s") if table.endswith("s") else table)


def _value(state, key):
    value = state.attrs[key].loaded_value
    return None if value is NO_VALUE else value


def _shown(key: str, value):
    return "<已隐去>" if key in REDACTED else value


def _community_of(obj, naming: Naming):
    community_id = getattr(obj, "community_id", None)
    if community_id is None and naming.community_via:
        parent = getattr(obj, naming.community_via, None)
        community_id = getattr(parent, "community_id", None)
    return community_id


def _subject_id(obj):
    """From the primary key attribute: in after_flush a new row has its id but not yet its identity key."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    if len(key) == 1 and isinstance(key[0], int):
        return key[0]
    return None


def _describe(obj, naming: Naming) -> dict:
    state = inspect(obj)
    return {key: _shown(key, _value(state, key)) for key in naming.describe if key in state.attrs}


def _changes(obj) -> dict:
    state = inspect(obj)
    changed = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in IGNORED:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new and history.deleted:
            continue
        changed[key] = "<已隐去>" if key in REDACTED else [old, new]
    return changed


def _created(obj, naming: Naming) -> dict:
    data = _describe(obj, naming)
    table = obj.__table__.name
    if table == "live_positions":
        data["text_sha256"] = hashlib.sha256((obj.text or "").encode("utf-8")).hexdigest()
    if table == "live_polls":
        data["options"] = [option.label for option in obj.options]
    if table == "case_events" and obj.kind == "phone_reveal":
        data["case_id"] = obj.case_id
    return data


def _poll_closed(obj) -> dict:
    """Counts, total and outcome, plus every receipt, so anyone holding one can find it; never who voted what."""
    from roundtable.live.models import Ballot

    result = obj.result or {}
    if obj.secret:
        receipts = [entry["receipt"] for entry in result.get("receipts", [])]
    else:
        session = inspect(obj).session
        receipts = list(session.scalars(select(Ballot.receipt).where(Ballot.poll_id == obj.id)))
    return {
        "counts": result.get("counts", {}),
        "total": result.get("total"),
        "result": result.get("result"),
        "quorum_met": result.get("quorum_met"),
        "receipts": sorted(receipts),
    }


def entries_for_flush(session: Session) -> list[dict]:
    entries = []
    for obj in list(session.new):
        entry = _entry(obj, "create")
        if entry:
            entries.append(entry)
    for obj in list(session.dirty):
        if session.is_modified(obj, include_collections=False):
            entry = _entry(obj, "update")
            if entry:
                entries.append(entry)
    for obj in list(session.deleted):
        entry = _entry(obj, "delete")
        if entry:
            entries.append(entry)
    return entries


def _entry(obj, kind: str) -> dict | None:
    table = getattr(getattr(obj, "__table__", None), "name", None)
    if table is None or table in NOT_AUDITED:
        return None
    naming = naming_for(table)
    base = {"subject_type": naming.subject, "subject_id": _subject_id(obj), "community_id": _community_of(obj, naming)}
    if kind == "create":
        data = _created(obj, naming)
        action = naming.on_create
        if table == "login_attempts":
            action = "login" if obj.succeeded else "login_failed"
        if table == "case_events":
            if obj.kind not in ("phone_reveal", "note"):
                return None  # the case's own entry already says what changed
            return {**base, "subject_type": "case", "subject_id": obj.case_id,
                    "action": f"case.{obj.kind}", "data": {"event_id": obj.id}}
        return {**base, "action": f"{naming.subject}.{action}", "data": data}
    if kind == "delete":
        return {**base, "action": f"{naming.subject}.delete", "data": _describe(obj, naming)}
    changed = _changes(obj)
    if not changed:
        return None
    action = next((name for column, name in naming.on_change if column in changed), "edit")
    data = {"changed": changed}
    if table == "live_polls" and action == "close":
        data.update(_poll_closed(obj))
    return {**base, "action": f"{naming.subject}.{action}", "data": data}


def _after_flush(session: Session, _flush_context) -> None:
    entries = entries_for_flush(session)
    if entries:
        append_entries(session, entries)


def install_listener() -> None:
    """Attach to every session (idempotent: the app factory may run many times in one process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
