from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from roundtable.auth.operations import MIN_PASSWORD_LENGTH
from roundtable.communities.forms import ChoiceField, choices_from
from roundtable.communities.models import ROLE_LABELS

_PASSWORD_CHECKS = [
    Length(min=MIN_PASSWORD_LENGTH, message="密码至少需要8位。"),
    Length(max=128, message="密码不能超过128位。"),
]


def _name(*, label: str, message: str):
    return StringField(label, validators=[DataRequired(message), Length(max=64, message="不能超过64个字符。")])


class PersonEditForm(FlaskForm):
    display_name = _name(label="显示名", message="请输入显示名")
    phone = StringField("手机号码", validators=[Optional(), Length(max=20, message="手机号码格式不正确。")])
    is_admin = BooleanField("平台管理员(可管理人员)")


class NewPersonForm(PersonEditForm):
    username = _name(label="用户名", message="请输入用户名")
    password = PasswordField("初始密码", validators=[DataRequired("请输入初始密码"), *_PASSWORD_CHECKS])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), *_PASSWORD_CHECKS])


class MembershipForm(FlaskForm):
    community_id = ChoiceField("社区", coerce=int)
    role = ChoiceField("角色", choices=choices_from(ROLE_LABELS.items()))


class DepartmentLinkForm(FlaskForm):
    department_id = ChoiceField("部门", coerce=int)


class OrganizationLinkForm(FlaskForm):
    organization_id = ChoiceField("单位", coerce=int)


class StreetForm(FlaskForm):
    name = _name(label="街道名称", message="请输入街道名称")
    district = StringField("所属区", validators=[Optional(), Length(max=64, message="不能超过64个字符。")])


class CommunityForm(FlaskForm):
    street_id = ChoiceField("街道", coerce=int)
    name = _name(label="社区名称", message="请输入社区名称")


class NameForm(FlaskForm):
    name = _name(label="名称", message="请输入名称")



class SupervisorForm(FlaskForm):
    """街道督办: the street whose overdue commitments this person supervises."""

    street_id = ChoiceField("街道", coerce=int)


class SupervisorAssignForm(FlaskForm):
    """On the supervisors' page: a person (by username) and a street."""

    username = StringField("用户名", validators=[DataRequired("请填写用户名。"), Length(max=64)])
    street_id = ChoiceField("街道", coerce=int)
