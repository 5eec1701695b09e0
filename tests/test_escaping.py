"""User text shown through the translation function stays escaped.

Templates translate runtime messages with ``_(message)`` (flash messages,
operation errors that quote what someone typed). Jinja's gettext wraps its
result in Markup, so without care a username like ``<script>`` inside an error
message would reach the page as live markup.
"""
from flask import render_template_string


def test_translated_runtime_text_is_escaped(app):
    with app.test_request_context("/"):
        html = render_template_string("{{ _(message) }}", message='用户名「<script>alert(1)</script>」已被使用。')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_percent_sign_in_runtime_text_is_not_a_format_error(app):
    with app.test_request_context("/"):
        html = render_template_string("{{ _(message) }}", message="满意率 100% 了")
    assert html == "满意率 100% 了"


def test_literal_messages_with_variables_still_format_and_escape_the_values(app):
    with app.test_request_context("/"):
        html = render_template_string("{{ _('您好,%(name)s', name=name) }}", name="<b>张</b>")
    assert html == "您好,&lt;b&gt;张&lt;/b&gt;"


def test_an_error_quoting_a_username_is_escaped_on_the_page(client, auth, world):
    from roundtable.core.errors import OperationError
    from roundtable.core.http import error_response

    with client.application.test_request_context("/cases/"):
        body, status = error_response(400, OperationError('编号「<img src=x onerror=alert(1)>」已存在').message)
    assert "<img src=x" not in body and status == 400


def test_script_strings_carry_plain_text_not_entities(app):
    """Translations bound for scripts (shown with textContent) must not show &#39; to people."""
    with app.test_request_context("/?lang=en"):
        html = render_template_string("{{ {'a': _(text)}|text_json }}", text="It's <ok>")
    assert "&#39;" not in html and "&lt;" not in html
    assert "\\u0027" in html and "\\u003c" in html  # still safe inside <script>
