"""How personal data is shown: phones are masked unless explicitly revealed."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``; short numbers keep only the last two digits."""
    if not phone:
        return ""
    digits = _DIGITS.sub("", phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def normalize_phone(raw: str | None) -> str:
    """Keep digits and a leading plus, so that the same number always compares equal."""
    if not raw:
        return ""
    raw = raw.strip()
    plus = "+" if raw.startswith("+") else ""
    return plus + _DIGITS.sub("", raw)


PHONE_PATTERN = re.compile(r"^\+?\d{7,15}$")


def is_valid_phone(phone: str) -> bool:
    return bool(PHONE_PATTERN.match(phone))
