"""Language choice: Chinese first, English when the person asks for it.

The choice is kept in the session (and on the user, when logged in) and can be
changed from every page with ``?lang=en`` or the switch in the header.
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
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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
