"""JSON from strangers: bounded nesting, no NUL characters, a ValueError for anything else.

Python's parser recurses once per level: a body nested a few thousand levels
deep raises ``RecursionError`` (a 500 on a page, a traceback and no ack on a
socket) instead of a decoding error. The depth is therefore measured first,
without recursion, and anything refused is a ``ValueError``, which Flask
turns into a 400 and the live packet decoder into an ``invalid`` ack.
NUL characters (``\\u0000``) are refused as in forms: PostgreSQL cannot store
them and nobody means to send them.
"""
from __future__ import annotations

import json
import re

MAX_DEPTH = 64

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class UnsafeJSON(ValueError):
    """JSON refused before or after decoding: too deep or with NUL characters."""


def nesting_depth(text: str) -> int:
    """The deepest level of arrays and objects in ``text``, counted without recursion."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def has_nul(value) -> bool:
    """True when any string (value or key) inside a decoded JSON value holds a NUL character."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def check_text(text: str | bytes, max_depth: int = MAX_DEPTH) -> str:
    """The text, when it is safe to give to ``json.loads``; ``UnsafeJSON`` otherwise."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnsafeJSON("JSON is not UTF-8") from error
    if "\x00" in text:
        raise UnsafeJSON("NUL character in JSON")
    if nesting_depth(text) > max_depth:
        raise UnsafeJSON(f"JSON nested deeper than {max_depth} levels")
    return text


def check_value(value):
    """A decoded value, when it carries no NUL character; ``UnsafeJSON`` otherwise."""
    if has_nul(value):
        raise UnsafeJSON("NUL character in JSON")
    return value


def loads(text: str | bytes, max_depth: int = MAX_DEPTH, **kwargs):
    """``json.loads`` for untrusted input: ValueError (never RecursionError) for what it refuses."""
    return check_value(json.loads(check_text(text, max_depth), **kwargs))


def dumps(value, **kwargs) -> str:
    return json.dumps(value, **kwargs)
