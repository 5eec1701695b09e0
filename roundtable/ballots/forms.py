from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from roundtable.ballots.models import CONSENT_MEANS, OWN_PHONE, REVOKE_MEANS


class ConsentTimeField(DateTimeLocalField):
    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("时间格式不正确,应为 2026-12-01T18:00 这样的 年-月-日T时:分") from None


class ProxyForm(FlaskForm):
    grantor_id = SelectField("委托人", coerce=int, validators=[DataRequired("请选择委托人。")], validate_choice=False)
    holder_id = SelectField("受托人(邻居或楼门长)", coerce=int, validators=[DataRequired("请选择受托人。")], validate_choice=False)
    consent_means = SelectField("委托的确认方式", choices=list(CONSENT_MEANS.items()), validators=[DataRequired("请选择委托的确认方式。")])
    consent_at = ConsentTimeField("确认时间(北京时间,不填为现在)", format="%Y-%m-%dT%H:%M", validators=[Optional()])


class RevokeProxyForm(FlaskForm):
    """The secretary withdraws a proxy: how the resident said so, or that it was recorded in error."""

    revoke_means = SelectField("撤销方式", choices=[(k, v) for k, v in REVOKE_MEANS.items() if k != OWN_PHONE],
                               validators=[DataRequired("请选择撤销委托的方式。")])
    revoke_note = StringField("说明(登记有误时必填)", validators=[Optional(), Length(max=200, message="说明不能超过200字。")])
