"""Filters and globals the templates use: local time, labels, the current community."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import gettext
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from wtforms.widgets import Select

from roundtable.communities.context import current_community, current_membership, current_role
from roundtable.core.privacy import mask_phone
from roundtable.core.time import format_local
from roundtable.i18n import select_locale


def _url_with(**changes) -> str:
    """The current URL with some query arguments replaced (pagination, filters)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    from urllib.parse import urlencode

    query = urlencode(args, doseq=True)
    return f"{request.path}?{query}" if query else request.path


def _plain(value):
    """Translations arrive as escaped Markup; JSON for scripts wants the plain text back."""
    if isinstance(value, Markup):
        return value.unescape()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _text_json(value) -> Markup:
    """``tojson`` for script data built from translated text (still safe inside <script>)."""
    return htmlsafe_json_dumps(_plain(value))


def _iso_local(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time kept as ISO text in a JSON record (minutes, resolutions), shown in Beijing time."""
    from datetime import datetime

    if not value:
        return ""
    try:
        return format_local(datetime.fromisoformat(value), fmt)
    except (TypeError, ValueError):
        return ""


class TranslatedSelect(Select):
    """A select whose option labels are shown in the reader's language.

    Choices are written as Chinese message ids (``KIND_LABELS.items()``) or people's
    data (a topic's name); gettext turns the first into English and leaves the second.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        label = choice.label
        if isinstance(label, str) and label:
            choice = choice._replace(label=gettext(label))
        return super().render_option(choice, **kwargs)


def _render_field(field, **kwargs) -> Markup:
    """``field(**kwargs)``, with a select's options translated."""
    widget = getattr(field, "widget", None)
    if isinstance(widget, Select) and not isinstance(widget, TranslatedSelect):
        return TranslatedSelect(multiple=widget.multiple)(field, **kwargs)
    return field(**kwargs)


def _live_label_words() -> dict[str, str]:
    """The words of codes a live snapshot or broadcast carries (meeting status, case category), translated.

    A broadcast reaches phones in several languages at once, so the room gets codes and each page its words.
    """
    from roundtable.cases.models import CATEGORIES
    from roundtable.meetings.models import MEETING_STATUS_LABELS

    words = {f"meeting_status_{code}": gettext(label) for code, label in MEETING_STATUS_LABELS.items()}
    words.update({f"category_{code}": gettext(label) for code, label in CATEGORIES.items()})
    return words


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["isotime"] = _iso_local
    app.jinja_env.filters["text_json"] = _text_json
    app.jinja_env.filters["mask_phone"] = mask_phone
    from roundtable.cases.models import STATUS_LABELS
    from roundtable.certificates.permissions import can_look_up_certificates
    from roundtable.communities.permissions import (
        can_administer,
        can_manage_cases,
        can_read_audit_trail,
        can_read_cases,
    )

    # The same named predicates the routes ask, so a link and the route behind it agree.
    app.jinja_env.globals.update(
        can_administer=can_administer,
        can_look_up_certificates=can_look_up_certificates,
        can_manage_cases=can_manage_cases,
        can_read_audit_trail=can_read_audit_trail,
        can_read_cases=can_read_cases,
        case_status_labels=STATUS_LABELS,
        current_community=current_community,
        current_membership=current_membership,
        current_role=current_role,
        url_with=_url_with,
        render_field=_render_field,
        live_label_words=_live_label_words,
    )

    @app.context_processor
    def language_context():
        return {
            "languages": current_app.config["LANGUAGES"],
            "current_locale": select_locale(),
        }
