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


# Mobile numbers (with or without +86) and landlines with an area code, as typed into free text.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
PHONE_PLACEHOLDER = "〔电话已隐去〕"


def scrub_phones(text: str | None) -> str:
    """A phone number typed into a position or an agreed point never reaches the published document."""
    return _PHONE_IN_TEXT.sub(PHONE_PLACEHOLDER, text or "")
