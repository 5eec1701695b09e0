"""The periodic pass of the job worker: escalation steps that fell due, and minutes whose review period ended."""
from __future__ import annotations

from datetime import datetime

from roundtable.jobs.registry import periodic_task


@periodic_task("follow_up", "ESCALATION_INTERVAL")
def follow_up_pass(now: datetime | None = None) -> int:
    from roundtable.escalation.operations import escalate_due
    from roundtable.minutes.operations import approve_due

    return escalate_due(now) + approve_due(now)
