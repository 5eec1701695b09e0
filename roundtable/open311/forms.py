from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from roundtable.cases.models import CATEGORIES


class ServiceCodeForm(FlaskForm):
    external_code = StringField("对方系统的服务代码", validators=[DataRequired("请填写对方系统的服务代码。"),
                                                           Length(max=100, message="服务代码太长(最多 100 个字符)。")])
    category = SelectField("对应的类别", choices=[SelectChoice(code, lazy_gettext(label)) for code, label in CATEGORIES.items()],
                           validators=[DataRequired("请选择一个类别。")])


class RemoveMappingForm(FlaskForm):
    """No fields: it carries the CSRF token of the delete buttons."""
