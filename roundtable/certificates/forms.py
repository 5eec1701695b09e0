"""Forms of the certificate pages; the operations check every value again."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from roundtable.resolutions.forms import DATETIME_FORMAT, DeadlineField


class KindForm(FlaskForm):
    name = StringField("证明名称", validators=[DataRequired("请填写证明名称"), Length(max=60, message="证明名称不能超过60个字符")])
    clause = TextAreaField(
        "所依据的决议条款", validators=[DataRequired("请填写所依据的决议条款"), Length(max=2000, message="条款不能超过2000个字符")]
    )
    eligibility = TextAreaField("谁可以申请", validators=[DataRequired("请填写谁可以申请"), Length(max=2000, message="内容不能超过2000个字符")])
    statement = TextAreaField("证明内容", validators=[DataRequired("请填写证明的内容"), Length(max=2000, message="内容不能超过2000个字符")])
    validity_days = IntegerField(
        "有效天数", default=1,
        validators=[InputRequired("请填写有效天数"), NumberRange(min=1, max=366, message="有效期须在1到366天之间")],
    )
    needs_plate = BooleanField("需要车牌号", default=True)
    department = SelectField("核验部门", validate_choice=False, validators=[Optional()])


class RequestForm(FlaskForm):
    applicant_name = StringField("申请人姓名", validators=[DataRequired("请填写申请人姓名"), Length(max=64, message="姓名不能超过64个字符")])
    plate = StringField("车牌号", validators=[Optional(), Length(max=12, message="车牌号过长")])
    window_start = DeadlineField("停车开始(北京时间)", format=DATETIME_FORMAT, validators=[InputRequired("请填写停车开始时间")])
    window_end = DeadlineField("停车结束(北京时间)", format=DATETIME_FORMAT, validators=[InputRequired("请填写停车结束时间")])
    reason = TextAreaField("原因", validators=[DataRequired("请填写申请原因"), Length(max=1000, message="原因不能超过1000个字符")])
    photo = FileField("照片(可选,JPEG、PNG 或 WebP,不超过3MB)")


class ReasonForm(FlaskForm):
    reason = TextAreaField("原因", validators=[DataRequired("请写明原因"), Length(max=1000, message="原因不能超过1000个字符")])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LookUpForm(FlaskForm):
    query = StringField("证明编号或车牌号", validators=[DataRequired("请输入证明编号或车牌号"), Length(max=40, message="输入过长")])
