"""The one helper for thin routes: call the operation, commit, or refuse with the operation's message."""
from __future__ import annotations

from typing import Callable

from flask import flash

from roundtable.core.errors import OperationError
from roundtable.extensions import db


def act(action: Callable[[], object], done: str) -> object | None:
    """Run one operation and commit; on refusal roll back and flash why (None). ``done`` is flashed on success."""
    try:
        result = action()
    except OperationError as error:
        db.session.rollback()
        flash(error.message, "error")
        return None
    db.session.commit()
    if done:
        flash(done, "success")
    return result if result is not None else True


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
