"""Forms of the minutes pages; item notes arrive as ``note-<agenda position>`` fields beside the narrative."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class NarrativeForm(FlaskForm):
    narrative = TextAreaField("纪要说明", validators=[Optional(), Length(max=20000, message="纪要正文过长。")])


class ReviewForm(FlaskForm):
    verdict = RadioField("您的意见", choices=[("approve", "同意"), ("correct", "建议更正")],
                         validators=[DataRequired("请选择同意或建议更正。")])
    text = TextAreaField("更正建议", validators=[Optional(), Length(max=500, message="更正建议不能超过500个字符。")])


class AnswerForm(FlaskForm):
    decision = RadioField("处理", choices=[("accept", "采纳"), ("answer", "不采纳并答复")],
                          validators=[DataRequired("请选择采纳或答复。")])
    answer = TextAreaField("答复", validators=[Optional(), Length(max=2000, message="答复不能超过2000个字符。")])
