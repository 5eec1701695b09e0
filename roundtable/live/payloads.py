"""Checking what phones send, in one place, before any handler sees it.

A malformed payload is an ordinary event (old app version, a curious user, a
fuzzer), so it must end in an ``{ok: false, error: "invalid"}`` ack, never in
an exception in the server log.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import has_app_context
from flask_babel import gettext

from roundtable.core.errors import OperationError


class InvalidPayload(OperationError):
    """A field the phone sent wrong; ``field`` is the field's Chinese label, translated with the message."""

    code = "invalid"

    @property
    def message(self) -> str:
        if "field" in self.params and has_app_context():
            return str(gettext(self.msgid, **{**self.params, "field": gettext(str(self.params["field"]))}))
        return super().message


@dataclass(frozen=True)
class Field:
    kind: str  # "int", "bool", "text", "choice", "ints", "texts"
    required: bool = True
    default: Any = None
    max_length: int = 500
    max_items: int = 50
    choices: tuple = ()
    label: str = ""

    def clean(self, name: str, value: Any) -> Any:
        label = self.label or name
        checker = getattr(self, f"_{self.kind}")
        return checker(label, value)

    def _int(self, label, value):
        # bool is an int in Python, but never a meaningful id or count here.
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) < value < 2**31:
            raise InvalidPayload("「%(field)s」应为整数。", field=label)
        return value

    def _bool(self, label, value):
        if not isinstance(value, bool):
            raise InvalidPayload("「%(field)s」应为是或否。", field=label)
        return value

    def _text(self, label, value):
        if not isinstance(value, str):
            raise InvalidPayload("「%(field)s」应为文字。", field=label)
        value = value.strip()
        if not value:
            raise InvalidPayload("「%(field)s」不能为空。", field=label)
        if "\x00" in value:
            raise InvalidPayload("「%(field)s」含有无效字符。", field=label)
        if len(value) > self.max_length:
            raise InvalidPayload("「%(field)s」不能超过%(max)s个字符。", field=label, max=self.max_length)
        return value

    def _choice(self, label, value):
        if value not in self.choices:
            raise InvalidPayload("「%(field)s」只能是:%(choices)s。", field=label, choices=", ".join(self.choices))
        return value

    def _ints(self, label, value):
        if not isinstance(value, list) or len(value) > self.max_items:
            raise InvalidPayload("「%(field)s」应为不超过%(max)s项的列表。", field=label, max=self.max_items)
        return [self._int(label, item) for item in value]

    def _texts(self, label, value):
        if not isinstance(value, list) or len(value) > self.max_items:
            raise InvalidPayload("「%(field)s」应为不超过%(max)s项的列表。", field=label, max=self.max_items)
        return [self._text(label, item) for item in value]


def clean(schema: dict[str, Field], data: Any) -> dict[str, Any]:
    """The payload reduced to the declared fields, each checked; unknown fields are ignored."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidPayload("请求内容应为一个对象。")
    cleaned = {}
    for name, field in schema.items():
        if data.get(name) is None:
            if field.required:
                raise InvalidPayload("缺少「%(field)s」。", field=field.label or name)
            cleaned[name] = field.default
            continue
        cleaned[name] = field.clean(name, data[name])
    return cleaned


def integer(label: str = "", **kw) -> Field:
    return Field("int", label=label, **kw)


def text(label: str = "", max_length: int = 500, **kw) -> Field:
    return Field("text", label=label, max_length=max_length, **kw)


def choice(values, label: str = "", **kw) -> Field:
    return Field("choice", choices=tuple(values), label=label, **kw)


def integers(label: str = "", max_items: int = 50, **kw) -> Field:
    return Field("ints", label=label, max_items=max_items, **kw)


def texts(label: str = "", max_items: int = 20, max_length: int = 100, **kw) -> Field:
    return Field("texts", label=label, max_items=max_items, max_length=max_length, **kw)


def flag(label: str = "", **kw) -> Field:
    return Field("bool", label=label, **kw)
