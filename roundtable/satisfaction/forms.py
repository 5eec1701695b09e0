from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from roundtable.satisfaction.models import RESOLVED_ANSWERS, SATISFIED_ANSWERS


class AnswerForm(FlaskForm):
    resolved = RadioField("是否解决", choices=list(RESOLVED_ANSWERS.items()), validators=[DataRequired("请选择是否解决。")])
    satisfied = RadioField("是否满意", choices=list(SATISFIED_ANSWERS.items()), validators=[DataRequired("请选择是否满意。")])
    comment = TextAreaField("其他意见(可不填)", validators=[Optional(), Length(max=300, message="意见不能超过300个字符。")])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
