"""Forms of 退单, the secretary's decision and a community's escalation policy."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class ReturnForm(FlaskForm):
    reason = TextAreaField("退单理由", validators=[DataRequired("退单须说明理由。"), Length(max=2000, message="理由不能超过2000个字符。")])


class DeadlineField(DateTimeLocalField):
    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("时间格式不正确,应为 2026-12-01T18:00 这样的 年-月-日T时:分") from None


class DecideForm(FlaskForm):
    decision = RadioField("处理", choices=[("reassigned", "改派"), ("to_meeting", "退回会议重议")],
                          validators=[DataRequired("请选择改派或退回会议。")])
    unit = SelectField("改派给", validators=[Optional()], validate_choice=False)
    deadline = DeadlineField("新的完成期限(北京时间,可不填)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    note = TextAreaField("说明", validators=[Optional(), Length(max=2000, message="说明不能超过2000个字符。")])


class PolicyForm(FlaskForm):
    remind_before_hours = IntegerField(
        "期限前多少小时提醒",
        validators=[InputRequired("请填写小时数。"), NumberRange(min=1, max=2160, message="时长须在1到2160小时之间。")],
    )
    supervise_after_hours = IntegerField(
        "逾期多少小时后督办",
        validators=[InputRequired("请填写小时数。"), NumberRange(min=1, max=2160, message="时长须在1到2160小时之间。")],
    )
