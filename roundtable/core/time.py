"""Time helpers: everything is stored in UTC and shown in Asia/Shanghai."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import overload
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """Interpret a naive datetime as Beijing time (what people type) and convert to UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(timezone.utc)


@overload
def local(moment: datetime) -> datetime: ...


@overload
def local(moment: None) -> None: ...


def local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TZ)


def iso(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 text for JSON (None stays None)."""
    return moment.isoformat() if moment else None


def format_local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    shown = local(moment)
    return shown.strftime(fmt) if shown else ""
