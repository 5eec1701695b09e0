"""Error pages and error bodies: every failure gets a clear answer, never a bare 500.

Pages get an HTML page in the person's language; JSON endpoints get
``{ok: false, error, message}``; an API with its own error format (Open311's
``[{code, description}]``) registers it with ``register_error_format`` for its path.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable, Iterable

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from roundtable.core import safe_json
from roundtable.core.errors import OperationError
from roundtable.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求有误。",
    401: "请先登录。",
    403: "您没有权限进行此操作。",
    404: "找不到该页面或对象。",
    405: "不支持该请求方式。",
    409: "数据已被他人修改,请刷新后重试。",
    413: "上传的文件过大。",
    415: "不支持的提交格式。",
    429: "操作过于频繁,请稍后再试。",
    500: "服务器出错了,我们已记录此问题。",
}


# Bearer links (invitation, ballot, watch tokens): longer input is refused before any lookup.
TOKEN_MAX_LENGTH = 64


ErrorFormat = Callable[[int, str], ResponseReturnValue]
_error_formats: dict[str, ErrorFormat] = {}


def register_error_format(path_prefix: str, answer: ErrorFormat) -> None:
    """Errors under ``path_prefix`` are answered by ``answer(status, message)`` (an API's own format)."""
    _error_formats[path_prefix] = answer


def wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def error_response(status: int, message: str, code: str | None = None) -> ResponseReturnValue:
    for prefix, answer in _error_formats.items():
        if request.path.startswith(prefix):
            return answer(status, message)
    if wants_json():
        return jsonify(ok=False, error=code or str(status), message=message), status
    return render_template("errors/error.html", status=status, message=message), status


_JSON_NUL = re.compile(rb"\x00|\\u0000", re.IGNORECASE)


def _has_nul(values: Iterable[Any]) -> bool:
    return any("\x00" in value for value in values)


def reject_nul_bytes() -> ResponseReturnValue | None:
    """Refuse text with NUL characters before it reaches the database.

    PostgreSQL cannot store NUL in text columns and raises an error deep inside a
    write; SQLite would store it silently. Neither is what anyone meant to send.
    """
    view_args = (request.view_args or {}).values()
    if (
        _has_nul(request.args.values())
        or _has_nul(request.form.values())
        or _has_nul(str(value) for value in view_args)
        or "\x00" in request.path
        or "%00" in request.query_string.decode("latin-1")
        or (request.is_json and _JSON_NUL.search(request.get_data(cache=True)))
    ):
        return error_response(400, "提交的内容含有无效字符。", "invalid_characters")
    return None


class GuardedJSONProvider(DefaultJSONProvider):
    """Request bodies decoded with bounded depth and without NUL characters (400 otherwise)."""

    def loads(self, s, **kwargs):
        return safe_json.loads(s, **kwargs)


def install_json_provider(app: Flask) -> None:
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)


# Addresses that read a JSON body; every other one takes forms (and WTForms would choke on JSON).
JSON_BODY_PREFIXES = ("/open311/",)


def reject_json_bodies_on_forms():
    """A JSON body sent to a form's address is refused (415) instead of being fed to WTForms."""
    if request.is_json and request.content_length != 0 and not request.path.startswith(JSON_BODY_PREFIXES):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return error_response(415, "此地址只接受表单提交。", "unsupported_media_type")
    return None


def install_error_handlers(app: Flask) -> None:
    from roundtable.core.headers import install_security_headers

    install_security_headers(app)
    install_json_provider(app)
    app.before_request(reject_nul_bytes)
    app.before_request(reject_json_bodies_on_forms)
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        message = MESSAGES.get(error.code or 500, error.description or "")
        if error.code == 429 and error.description:
            message = error.description
        return error_response(error.code or 500, message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return error_response(400, "页面已过期(安全校验失败),请刷新页面后重新提交。", "csrf")

    @app.errorhandler(OperationError)
    def operation_error(error: OperationError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(error.status, error.message, error.code)

    @app.errorhandler(StaleDataError)
    def stale(error: StaleDataError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(409, MESSAGES[409], "conflict")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, MESSAGES[500], "internal")
