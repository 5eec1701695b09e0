from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

FORMAT_CHOICES = (
    ("", "自动识别"),
    ("csv", "CSV 表格"),
    ("open311_json", "Open311 JSON"),
    ("open311_xml", "Open311 XML"),
)


class UploadForm(FlaskForm):
    file = FileField("工单文件", validators=[FileRequired("请选择要上传的文件")])
    file_format = SelectField(
        "文件类型", choices=[SelectChoice(value, lazy_gettext(label)) for value, label in FORMAT_CHOICES], default=""
    )


class ConfirmForm(FlaskForm):
    """No fields: it carries the CSRF token of the confirm and discard buttons."""
