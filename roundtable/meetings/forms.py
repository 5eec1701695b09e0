"""Forms of the meeting pages. Choices are filled by the route from the current community;
the operations check every id again, so a forged choice is refused with a message."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from roundtable.meetings.models import KINDS, MAJORITY_RULES

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _optional_int(value):
    """Select values arrive as strings; '' means "none chosen"."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(FlaskForm):
    kind = SelectField("会议类型", choices=list(KINDS.items()), default="roundtable")
    title = StringField("会议名称", validators=[DataRequired("请填写会议名称"), Length(max=120)])
    description = TextAreaField("会议说明", validators=[Optional(), Length(max=4000)])
    starts_at = DateTimeLocalField(
        "开始时间(北京时间)", format=DATETIME_FORMAT, validators=[InputRequired("请填写开始时间")]
    )
    duration_minutes = IntegerField(
        "预计时长(分钟)", default=60, validators=[InputRequired("请填写时长"), NumberRange(10, 600, "时长须在10到600分钟之间")]
    )
    venue = StringField("地点", validators=[Optional(), Length(max=200)])
    online_url = StringField("线上会议链接", validators=[Optional(), Length(max=300)])
    host_id = SelectField("主持人", coerce=_optional_int, validators=[DataRequired("请选择主持人")])
    topic_id = SelectField("议题", coerce=_optional_int, validators=[Optional()])
    previous_meeting_id = SelectField("接续的上一次会议", coerce=_optional_int, validators=[Optional()])
    case_ids = CheckboxListField("关联工单", coerce=int, validators=[Optional()])
    speech_minutes = IntegerField(
        "每次发言(分钟)", default=2, validators=[InputRequired("请填写发言时长"), NumberRange(1, 30, "须在1到30之间")]
    )
    speeches_per_motion = IntegerField(
        "每人每项动议发言次数", default=2, validators=[InputRequired("请填写发言次数"), NumberRange(1, 10, "须在1到10之间")]
    )
    quorum = IntegerField("法定人数(0为不限)", default=0, validators=[InputRequired("请填写法定人数"), NumberRange(0, 1000, "须在0到1000之间")])
    majority_rule = SelectField("表决规则", choices=list(MAJORITY_RULES.items()), default="more_yes_than_no")


class ReasonForm(FlaskForm):
    reason = TextAreaField("取消原因", validators=[DataRequired("请填写取消原因"), Length(max=1000)])


class AgendaItemForm(FlaskForm):
    title = StringField("议程", validators=[DataRequired("请填写议程名称"), Length(max=200)])
    minutes = IntegerField("时长(分钟)", default=15, validators=[InputRequired("请填写时长"), NumberRange(1, 240, "须在1到240分钟之间")])
    case_id = SelectField("相关工单", coerce=_optional_int, validators=[Optional()])
    notes = TextAreaField("说明", validators=[Optional(), Length(max=2000)])


class ResidentInviteForm(FlaskForm):
    user_id = SelectField("居民", coerce=_optional_int, validators=[DataRequired("请选择居民")])


class GuestInviteForm(FlaskForm):
    guest_name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=64)])
    guest_phone = StringField("电话", validators=[DataRequired("请填写电话"), Length(max=20)])


class DepartmentSummonForm(FlaskForm):
    department_id = SelectField("部门", coerce=_optional_int, validators=[DataRequired("请选择部门")])
    reply_due_at = DateTimeLocalField(
        "报到期限(北京时间)", format=DATETIME_FORMAT, validators=[InputRequired("请填写报到期限")]
    )


class OrganizationInviteForm(FlaskForm):
    organization_id = SelectField("单位", coerce=_optional_int, validators=[DataRequired("请选择单位")])


class ReportInForm(FlaskForm):
    attendee_names = StringField("参会人员(选填)", validators=[Optional(), Length(max=200)])


class ConfirmForm(FlaskForm):
    """A bare form: buttons that change data still carry the CSRF token."""
