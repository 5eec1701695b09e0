"""Errors that operations raise and every caller turns into a clear message."""
from __future__ import annotations


class OperationError(Exception):
    """A request that cannot be carried out; ``message`` is shown to the user.

    Operations raise it *before* changing anything, so that the caller can roll
    back and report without a half-applied change.
    """

    code = "invalid"
    status = 400

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotAllowed(OperationError):
    code = "forbidden"
    status = 403


class NotFound(OperationError):
    code = "not_found"
    status = 404


class Conflict(OperationError):
    code = "conflict"
    status = 409
