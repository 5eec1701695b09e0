"""Forms of the resolution pages. Unit choices are filled by the route; the operations check them again."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DeadlineField(DateTimeLocalField):
    """A browser without a date picker sends what was typed: say in Chinese what is wrong."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("时间格式不正确,应为 2026-12-01T18:00 这样的 年-月-日T时:分") from None


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ResolutionForm(FlaskForm):
    title = StringField("决议标题", validators=[DataRequired("请填写决议标题"), Length(max=200, message="决议标题不能超过200个字符")])
    agreed_points = TextAreaField("决议事项(每行一项)", validators=[Optional(), Length(max=20000, message="决议事项不能超过20000个字符")])


class CommitmentForm(FlaskForm):
    # The operation checks the unit against the community; a forged value gets its Chinese message.
    unit = SelectField("承诺单位", validators=[DataRequired("请选择承诺的部门或单位")], validate_choice=False)
    action = TextAreaField("承诺事项", validators=[DataRequired("请填写承诺事项"), Length(max=2000, message="承诺事项不能超过2000个字符")])
    deadline = DeadlineField("完成期限(北京时间)", format=DATETIME_FORMAT, validators=[InputRequired("请填写完成期限")])


class PublishForm(FlaskForm):
    reason = TextAreaField("未全部确认即发布的理由(将印在决议上)", validators=[Optional(), Length(max=2000, message="理由不能超过2000个字符")])


class ContestForm(FlaskForm):
    reason = TextAreaField("异议理由", validators=[DataRequired("提出异议须说明理由"), Length(max=2000, message="理由不能超过2000个字符")])


class ProgressForm(FlaskForm):
    note = TextAreaField("进展说明", validators=[Optional(), Length(max=4000, message="进展说明不能超过4000个字符")])
    done = BooleanField("已全部完成")
    files = MultipleFileField("证明材料(JPEG、PNG 或 PDF,每个不超过5MB,最多5个)")


class VerifyForm(FlaskForm):
    file = FileField("上传决议 PDF")
    sha256 = StringField("或输入文件的 SHA-256", validators=[Optional(), Length(max=100, message="SHA-256 应为64位十六进制字符")])
