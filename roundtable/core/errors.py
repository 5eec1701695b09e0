"""Errors that operations raise and every caller turns into a clear message."""
from __future__ import annotations

from flask import has_app_context
from flask_babel import gettext


class OperationError(Exception):
    """A request that cannot be carried out; ``message`` is shown to the user.

    Operations raise it *before* changing anything, so that the caller can roll
    back and report without a half-applied change. The text is a Chinese message
    id with named parameters (``OperationError("议题「%(title)s」已存在。", title=t)``),
    never an f-string: ``message`` translates it into the asker's language when it
    is shown, and ``code`` names the refusal for clients that translate themselves.
    """

    code = "invalid"
    status = 400

    def __init__(self, message: str, code: str | None = None, **params: object):
        super().__init__(message % params if params else message)
        self.msgid = message
        self.params = params
        if code:
            self.code = code

    @property
    def message(self) -> str:
        """The message in the current language (the Chinese text outside an application)."""
        if not has_app_context():
            return self.msgid % self.params if self.params else self.msgid
        return str(gettext(self.msgid, **self.params))


class NotAllowed(OperationError):
    code = "forbidden"
    status = 403


class NotFound(OperationError):
    code = "not_found"
    status = 404


class Conflict(OperationError):
    code = "conflict"
    status = 409
