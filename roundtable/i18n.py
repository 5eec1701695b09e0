"""Language choice: Chinese first, English when the person asks for it.

An explicit choice wins: ``?lang=en`` or the switch in the header, kept in the
session and, when logged in, on the user. Without one, the browser's
``Accept-Language`` picks the best of the supported languages; a request that
names none of them (or no language at all) gets Chinese. Live sockets run in
their handshake's request, so the phone's refusals follow the same choice.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user
from markupsafe import escape


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # rendering in a worker (PDFs, messages): the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted is not None and wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return browser_locale(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def N_(message: str) -> str:
    """Mark a Chinese message id for extraction where it is stored or passed on and translated when shown."""
    return message


def community_language():
    """Write in the community's language (the default locale), whoever asks: for what is kept as a
    record (a resolution's or minutes' record, a PDF) rather than shown to one person."""
    from flask_babel import force_locale

    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def browser_locale(languages) -> str | None:
    """The supported language the browser ranks highest (``zh-CN``, ``zh``, ``en-GB`` and so on).

    ``zh`` of any region or script counts as zh_CN: the interface has one Chinese.
    """
    by_language: dict[str, str] = {}
    for code in languages:
        by_language.setdefault(code.split("_")[0].lower(), code)
    for value, quality in request.accept_languages:  # best first
        if quality <= 0:  # "q=0": not this one
            continue
        base = value.replace("_", "-").split("-")[0].lower()
        if value.replace("-", "_") in languages:
            return value.replace("-", "_")
        if base in by_language:
            return by_language[base]
    return None


def install_safe_gettext(app) -> None:
    """Make ``_()`` in templates escape what it translates.

    Flask-Babel installs Jinja's new-style gettext, which marks every
    translation as safe Markup and always applies ``% variables``: so
    ``{{ _(message) }}`` emitted user text (a username quoted in an error, a file
    name in a flash) as live HTML, and a message containing "100%" raised. Our
    callables escape the translation first and format only when variables are
    given (Markup's formatting escapes the values too).
    """
    from flask_babel import get_translations

    def gettext(string, **variables):
        text = escape(get_translations().ugettext(string))
        return text % variables if variables else text

    def ngettext(singular, plural, num, **variables):
        variables.setdefault("num", num)
        return escape(get_translations().ungettext(singular, plural, num)) % variables

    def pgettext(context, string, **variables):
        text = escape(get_translations().upgettext(context, string))
        return text % variables if variables else text

    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, newstyle=False
    )
