"""One set of rules for case fields, whether they come from a form, a CSV row or Open311.

Each rule answers in Chinese, naming the field, so that a secretary reading an
import report or a form knows exactly what to fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext

from roundtable.cases.models import CATEGORIES, SOURCE_LABELS, SOURCES, URGENCIES, URGENCY_LABELS
from roundtable.core.privacy import is_valid_phone, normalize_phone
from roundtable.core.time import as_utc, utcnow
from roundtable.i18n import N_

FIELD_LABELS = {
    "external_number": "工单编号",
    "source": "来源",
    "category": "类别",
    "urgency": "紧急程度",
    "description": "诉求内容",
    "address": "地址",
    "complainant_name": "诉求人姓名",
    "complainant_phone": "诉求人电话",
    "received_at": "受理时间",
    "latitude": "纬度",
    "longitude": "经度",
}

MAX_LENGTHS = {
    "external_number": 40,
    "description": 4000,
    "address": 200,
    "complainant_name": 64,
}

# Clocks of other systems may run a little ahead of ours.
_CLOCK_SKEW = timedelta(minutes=5)

DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    # Chinese Excel writes dates like this when a cell is formatted as 中文日期.
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


class CaseFieldErrors(Exception):
    """The fields that failed, each with its message: ``{field: message}``."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in errors.items()))
        self.errors = errors

    def summary(self) -> str:
        """The same, in the current language (the messages are Chinese message ids or already translated)."""
        return "; ".join(f"{gettext(FIELD_LABELS.get(k, k))}: {gettext(v)}" for k, v in self.errors.items())


@dataclass
class CaseFields:
    external_number: str
    source: str
    category: str
    urgency: str
    description: str
    address: str
    complainant_name: str = ""
    complainant_phone: str = ""
    received_at: datetime = field(default_factory=utcnow)
    latitude: float | None = None
    longitude: float | None = None

    def as_dict(self) -> dict:
        """JSON-safe form, to keep validated rows between preview and import."""
        data = self.__dict__.copy()
        data["received_at"] = self.received_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CaseFields:
        data = dict(data)
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        return cls(**data)


def parse_datetime(value) -> datetime:
    """Accept ISO 8601 (with or without zone) and the usual Chinese spreadsheet formats.

    A time without a zone is Beijing time, as on every 12345 work order.
    """
    if isinstance(value, datetime):
        return as_utc(value)
    text = str(value or "").strip()
    if not text:
        raise ValueError("不能为空")
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    for fmt in DATETIME_FORMATS:
        try:
            return as_utc(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError(gettext("无法识别的时间「%(text)s」,请用 2026-11-20 14:30 这样的格式", text=text[:30]))


def _text(raw: dict, name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def _code(value: str, codes, labels: dict[str, str]) -> str:
    """The code for a value given as code, as label, or as the label without its note.

    Spreadsheets carry the labels people see (「紧急」 for 「紧急(2小时)」), not our codes;
    an unknown value comes back unchanged for the caller to report.
    """
    if value in codes:
        return value
    for code, label in labels.items():
        if value in (label, label.split("(")[0]):
            return code
    return value


def clean_case_fields(raw: dict, *, default_source: str = "hotline", now: datetime | None = None) -> CaseFields:
    """Validate and normalize raw case fields; raise ``CaseFieldErrors`` listing every problem."""
    errors: dict[str, str] = {}
    values: dict = {}

    for name in ("external_number", "description", "address"):
        value = _text(raw, name)
        if not value:
            errors[name] = N_("不能为空")
        values[name] = value
    for name, limit in MAX_LENGTHS.items():
        value = values.get(name, _text(raw, name))
        if len(value) > limit:
            errors[name] = gettext("不能超过%(limit)s个字符", limit=limit)
        values[name] = value

    source = _code(_text(raw, "source") or default_source, SOURCES, SOURCE_LABELS)
    if source not in SOURCES:
        errors["source"] = gettext("未知来源「%(value)s」", value=source[:20])
    values["source"] = source

    category = _code(_text(raw, "category"), CATEGORIES, CATEGORIES)
    if category not in CATEGORIES:
        errors["category"] = N_("请选择类别") if not category else gettext("未知类别「%(value)s」", value=category[:20])
    values["category"] = category

    urgency = _code(_text(raw, "urgency") or "ordinary", URGENCIES, URGENCY_LABELS)
    if urgency not in URGENCIES:
        errors["urgency"] = gettext("未知紧急程度「%(value)s」", value=urgency[:20])
    values["urgency"] = urgency

    typed_phone = _text(raw, "complainant_phone")
    phone = normalize_phone(typed_phone)
    # Text without digits ("见备注") is not "no phone": it is a phone we cannot use.
    if (phone or typed_phone) and not is_valid_phone(phone):
        errors["complainant_phone"] = N_("电话号码格式不正确")
    values["complainant_phone"] = phone

    try:
        received_at = parse_datetime(raw.get("received_at") or (now or utcnow()))
        if received_at > (now or utcnow()).replace(microsecond=0) + _CLOCK_SKEW:
            errors["received_at"] = N_("受理时间不能晚于现在")
        values["received_at"] = received_at
    except ValueError as exc:
        errors["received_at"] = str(exc)

    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        text = _text(raw, name)
        if not text:
            values[name] = None
            continue
        try:
            number = float(text)
            if not low <= number <= high:
                raise ValueError
            values[name] = number
        except ValueError:
            errors[name] = N_("必须是有效的坐标数字")

    if errors:
        raise CaseFieldErrors(errors)
    return CaseFields(**values)

