"""The one helper for thin routes: call the operation, commit, or refuse with the operation's message."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, overload

from flask import flash
from flask_babel import gettext as _

from roundtable.core.errors import OperationError
from roundtable.extensions import db

R = TypeVar("R")


@dataclass(frozen=True)
class Refused:
    """What ``act`` returns when the operation refused: false, with the HTTP status to answer."""

    status: int
    code: str

    def __bool__(self) -> Literal[False]:
        return False


@overload
def act(action: Callable[[], None], done: str | Callable[[None], str], *, field: Any = None) -> Literal[True] | Refused: ...
@overload
def act(action: Callable[[], R], done: str | Callable[[R], str], *, field: Any = None) -> R | Refused: ...
def act(
    action: Callable[[], R], done: str | Callable[[R], str], *, field: Any = None
) -> R | Literal[True] | Refused:
    """Run one operation and commit; on refusal roll back, flash why and return a false ``Refused``.

    ``done`` is flashed on success (nothing when empty); it may be a function of the
    operation's result. The result is returned, or True when the operation returns
    nothing, so a route can redirect to what it made. With ``field`` (a form field) the
    refusal is shown beside that field instead of flashed.
    """
    try:
        result = action()
    except OperationError as error:
        db.session.rollback()
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(error.message, "error")
        return Refused(error.status, error.code)
    db.session.commit()
    message = done(result) if callable(done) else done
    if message:
        flash(message, "success")
    return result if result is not None else True


def flash_form_errors(form: Any) -> None:
    """Each error of a submitted form as a message naming its field."""
    for field in form:
        for error in field.errors:
            flash(_("%(field)s:%(error)s", field=field.label.text, error=error), "error")
