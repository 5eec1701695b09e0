"""Forms of the fund pages; the operations check every value again."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from roundtable.resolutions.forms import DATETIME_FORMAT, DeadlineField


class FundForm(FlaskForm):
    name = StringField("经费名称", validators=[DataRequired("请填写经费名称"), Length(max=100, message="经费名称不能超过100个字符")])
    amount = StringField("金额(元)", validators=[DataRequired("请填写金额")])
    period_start = DateField("使用期间开始", validators=[InputRequired("请填写开始日期")])
    period_end = DateField("使用期间结束", validators=[InputRequired("请填写结束日期")])
    source = StringField("经费来源", validators=[Optional(), Length(max=200, message="经费来源不能超过200个字符")])


class ProposalForm(FlaskForm):
    title = StringField("项目名称", validators=[DataRequired("请填写项目名称"), Length(max=100, message="项目名称不能超过100个字符")])
    description = TextAreaField("项目说明", validators=[Optional(), Length(max=2000, message="项目说明不能超过2000个字符")])
    cost = StringField("估算费用(元)", validators=[DataRequired("请填写估算费用")])
    place = StringField("地点", validators=[Optional(), Length(max=100, message="地点不能超过100个字符")])
    photo = FileField("照片(可选,JPEG、PNG 或 WebP,不超过3MB)")


class SecretaryProposalForm(ProposalForm):
    origin = SelectField("来源", choices=[("secretary", "社区提出"), ("case", "由诉求转来"), ("topic", "由议题转来")])
    source_id = SelectField("对应的诉求或议题", validate_choice=False, validators=[Optional()])


class ReviewForm(FlaskForm):
    decision = SelectField("审核结果", choices=[("accepted", "列入表决"), ("merged", "与其他项目合并"), ("declined", "不采纳")])
    merge_into = SelectField("合并进", validate_choice=False, validators=[Optional()])
    reason = TextAreaField("原因(不采纳时必填,提议人会看到)", validators=[Optional(), Length(max=500, message="原因不能超过500个字符")])


class VoteForm(FlaskForm):
    mode = SelectField("表决方式", choices=[("period", "一段时间内用个人链接投票"), ("live", "在会议上用手机现场投票")])
    form = SelectField("选票形式", choices=[("approval", "在预算内勾选项目"), ("points", "分配积分")])
    rule = SelectField("计票规则", choices=[("greedy", "常用规则(得票多者优先,钱用完为止)"),
                                        ("equal_shares", "均分份额法(每位投票人的份额用于其支持的项目)")])
    secret = BooleanField("无记名投票", default=True)
    quorum = IntegerField(
        "最低投票人数(一段时间投票时)", default=0,
        validators=[InputRequired("请填写最低投票人数"), NumberRange(min=0, max=100000, message="最低投票人数不合理")],
    )
    points = IntegerField(
        "每人积分(分配积分时)", default=10,
        validators=[InputRequired("请填写每人积分"), NumberRange(min=1, max=100, message="每人积分须在1到100之间")],
    )
    opens_at = DeadlineField("开始时间(北京时间)", format=DATETIME_FORMAT, validators=[Optional()])
    closes_at = DeadlineField("截止时间(北京时间)", format=DATETIME_FORMAT, validators=[Optional()])


class OpenLiveForm(FlaskForm):
    meeting = SelectField("正在进行的会议", validate_choice=False, validators=[DataRequired("请选择会议")])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class HandOffForm(FlaskForm):
    meeting = SelectField("决议所属的会议(已结束)", validate_choice=False, validators=[DataRequired("请选择会议")])
