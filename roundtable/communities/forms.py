from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from roundtable.auth.operations import MIN_PASSWORD_LENGTH
from roundtable.communities.models import ORGANIZATION_KIND_LABELS


def choices_from(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ChoiceField(SelectField):
    """A select whose refusal of a forged or stale value is a Chinese sentence, not WTForms' English."""

    data: Any  # what ``coerce`` made of the submitted value; None when it could not

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data not in {choice.value for choice in self.choices or ()}:
            raise ValidationError("请从列表中选择。")


class NewResidentForm(FlaskForm):
    """A resident without an account: the secretary creates one with a first password."""

    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名不能超过64个字符。")])
    display_name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=64, message="姓名不能超过64个字符。")])
    phone = StringField("手机号码", validators=[Optional(), Length(max=20, message="手机号码格式不正确。")])
    password = PasswordField(
        "初始密码",
        validators=[
            DataRequired("请输入初始密码"),
            Length(min=MIN_PASSWORD_LENGTH, message="密码至少需要8位。"),
            Length(max=128, message="密码不能超过128位。"),
        ],
    )


class InviteResidentForm(FlaskForm):
    """A resident who already has an account (perhaps from another community)."""

    username = StringField("已有账号的用户名", validators=[DataRequired("请输入用户名"), Length(max=64, message="用户名不能超过64个字符。")])
    # The person's own phone number, as a second thing only someone who knows them has: adding an
    # account must not tell whether a username exists, nor show a stranger's name and phone.
    phone = StringField("本人的手机号码", validators=[DataRequired("请输入本人的手机号码"), Length(max=20, message="手机号码不能超过20个字符。")])


class OrganizationForm(FlaskForm):
    name = StringField("单位名称", validators=[DataRequired("请输入单位名称"), Length(max=64, message="名称不能超过64个字符。")])
    kind = ChoiceField("类型", choices=choices_from(ORGANIZATION_KIND_LABELS.items()))


class RenameForm(FlaskForm):
    name = StringField("新名称", validators=[DataRequired("请输入名称"), Length(max=64, message="名称不能超过64个字符。")])
