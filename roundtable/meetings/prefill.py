"""What a new meeting's form starts with when it is opened from a case, a returned commitment or a
flagged satisfaction answer: the cases and the context, for the secretary to check and edit.

Everything is looked up within the current community: an id of another community gives None
(the route answers 404), never a hint that it exists.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from roundtable.cases.models import Case
from roundtable.core.time import format_local
from roundtable.escalation.models import RETURN_TO_MEETING, CommitmentReturn
from roundtable.extensions import db
from roundtable.resolutions.models import Commitment
from roundtable.satisfaction.models import SatisfactionRequest

MAX_CASES = 20
DESCRIPTION_MAX = 4000


@dataclass
class Prefill:
    cases: list[Case] = field(default_factory=list)
    title: str = ""
    description: str = ""
    previous_meeting_id: int | None = None
    notes: list[str] = field(default_factory=list)


def _add_case(prefill: Prefill, case: Case) -> None:
    if all(known.id != case.id for known in prefill.cases):
        prefill.cases.append(case)


def prefill_from(community_id: int, case_ids: list[int], commitment_id: int | None,
                 satisfaction_id: int | None) -> Prefill | None:
    prefill = Prefill()
    for case_id in case_ids[:MAX_CASES]:
        case = db.session.get(Case, case_id)
        if case is None or case.community_id != community_id:
            return None
        _add_case(prefill, case)
    if commitment_id is not None:
        commitment = db.session.get(Commitment, commitment_id)
        if commitment is None or commitment.community_id != community_id:
            return None
        _from_commitment(prefill, commitment)
    if satisfaction_id is not None:
        answer = db.session.get(SatisfactionRequest, satisfaction_id)
        if answer is None or answer.community_id != community_id or answer.answered_at is None:
            return None
        _from_satisfaction(prefill, answer)
    prefill.description = prefill.description[:DESCRIPTION_MAX]
    return prefill


def _from_commitment(prefill: Prefill, commitment: Commitment) -> None:
    """A commitment taken back to a meeting (退回会议重议): its meeting's cases, and why it came back."""
    meeting = commitment.resolution.meeting
    for case in meeting.cases:
        _add_case(prefill, case)
    prefill.previous_meeting_id = meeting.id
    prefill.title = _("重议:%(action)s", action=commitment.action[:60])[:120]
    lines = [_("%(unit)s的承诺「%(action)s」,期限 %(deadline)s,出自会议「%(meeting)s」(%(date)s)。",
               unit=commitment.unit_name, action=commitment.action, deadline=format_local(commitment.deadline),
               meeting=meeting.title, date=format_local(meeting.starts_at, "%Y-%m-%d"))]
    returned = db.session.scalar(select(CommitmentReturn).where(CommitmentReturn.commitment_id == commitment.id)
                                 .order_by(CommitmentReturn.returned_at.desc(), CommitmentReturn.id.desc()))
    if returned is not None:
        lines.append(_("%(unit)s于 %(at)s 退单,理由:%(reason)s", unit=returned.from_unit_name,
                       at=format_local(returned.returned_at), reason=returned.reason))
        if returned.state == RETURN_TO_MEETING and returned.decision_note:
            lines.append(_("书记说明:%(note)s", note=returned.decision_note))
    else:
        prefill.notes.append(_("这项承诺没有退单记录。"))
    prefill.description = "\n".join(lines)


def _from_satisfaction(prefill: Prefill, answer: SatisfactionRequest) -> None:
    """A case whose follow-up answer was unresolved or unsatisfied: the case, and the answer (not the
    respondent's own words, which stay on the satisfaction page)."""
    case = answer.case
    _add_case(prefill, case)
    if not prefill.title:
        prefill.title = _("工单%(number)s再议", number=case.external_number)[:120]
    line = _("工单%(number)s的回访(%(who)s,%(at)s):%(resolved)s,%(satisfied)s。", number=case.external_number,
             who=_(answer.respondent_label), at=format_local(answer.answered_at),
             resolved=_(answer.resolved_label), satisfied=_(answer.satisfied_label))
    prefill.description = "\n".join(filter(None, [prefill.description, line]))
