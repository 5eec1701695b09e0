"""Forms of the case desk.

The case form checks nothing itself beyond CSRF: the rules live in
``roundtable.cases.validation`` so that forms, CSV imports and Open311 refuse
the same things with the same words. ``CaseForm.clean`` maps those answers
onto the form's fields.
"""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from roundtable.cases.models import (
    CATEGORIES,
    SOURCE_LABELS,
    SOURCES,
    STATUS_LABELS,
    URGENCIES,
    URGENCY_LABELS,
    Topic,
)
from roundtable.cases.operations import EDITABLE_FIELDS
from roundtable.cases.validation import CaseFieldErrors, CaseFields, clean_case_fields
from roundtable.communities.models import Department
from roundtable.core.errors import NotFound, OperationError
from roundtable.core.time import local
from roundtable.extensions import db


class Marked:
    """Marks a field as required (star, ``required`` attribute); the rule itself is in validation."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


def options(pairs, *, translate: bool = True) -> list[SelectChoice]:
    """Select options; fixed labels go through the catalog, people's names and titles do not."""
    return [SelectChoice(value, lazy_gettext(label) if translate else label) for value, label in pairs]


# What a person types; coordinates come only from Open311 and imports.
CASE_FIELD_NAMES = tuple(
    name for name in ("external_number", "source", *EDITABLE_FIELDS) if name not in ("latitude", "longitude")
)


class CaseForm(FlaskForm):
    external_number = StringField("12345工单编号", validators=[Marked()])
    source = SelectField(
        "来源", choices=options((s, SOURCE_LABELS[s]) for s in SOURCES if s in ("hotline", "walk_in")), validate_choice=False
    )
    category = SelectField(
        "类别", choices=options([("", "请选择"), *CATEGORIES.items()]), validators=[Marked()], validate_choice=False
    )
    urgency = SelectField(
        "紧急程度", choices=options((u, URGENCY_LABELS[u]) for u in URGENCIES), default="ordinary", validate_choice=False
    )
    description = TextAreaField("诉求内容", validators=[Marked()])
    address = StringField("地址(到楼栋)", validators=[Marked()])
    complainant_name = StringField("诉求人姓名")
    complainant_phone = StringField("诉求人电话", render_kw={"type": "tel", "autocomplete": "off"})
    received_at = StringField("受理时间(北京时间)", validators=[Marked()], render_kw={"type": "datetime-local"})
    version = HiddenField()

    def for_case(self, case) -> "CaseForm":
        """Keep an imported case's source (CSV, Open311) selectable, so saving never changes it."""
        if case.source not in {choice.value for choice in self.source.choices}:
            self.source.choices = [*self.source.choices, SelectChoice(case.source, SOURCE_LABELS.get(case.source, case.source))]
        return self

    def fill_from(self, case) -> None:
        """Show a stored case for editing; the phone stays empty so the page never carries it."""
        for name in CASE_FIELD_NAMES:
            if name != "complainant_phone":
                getattr(self, name).data = getattr(case, name)
        self.complainant_phone.data = ""
        self.received_at.data = local(case.received_at).strftime("%Y-%m-%dT%H:%M")
        self.version.data = str(case.version)

    def clean(self, case=None) -> CaseFields | None:
        """The validated fields, or ``None`` with each problem shown under its field.

        When editing ``case``, an empty phone box means "unchanged", and the
        coordinates an import brought (not on the form) are kept.
        """
        raw = {name: getattr(self, name).data for name in CASE_FIELD_NAMES}
        if case is not None:
            raw["latitude"], raw["longitude"] = case.latitude, case.longitude
            if not (raw["complainant_phone"] or "").strip():
                raw["complainant_phone"] = case.complainant_phone
        try:
            return clean_case_fields(raw)
        except CaseFieldErrors as errors:
            self.show(errors)
            return None

    def show(self, errors: CaseFieldErrors) -> None:
        for name, message in errors.errors.items():
            field = getattr(self, name, None)
            if field is None:
                continue
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]

    @property
    def expected_version(self) -> int | None:
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else None


class StatusForm(FlaskForm):
    # Any value is accepted here on purpose: the status machine refuses with a clear message.
    status = SelectField("新状态", choices=[], validate_choice=False)
    parent_number = StringField("原工单编号(重复件时填写)")
    note = TextAreaField("说明(退单、非本辖区必填)")

    def offer(self, case) -> "StatusForm":
        self.status.choices = options((s, STATUS_LABELS[s]) for s in case.allowed_transitions())
        return self


class NoteForm(FlaskForm):
    note = TextAreaField("备注", validators=[Marked()])


YES_NO = options([("yes", "是"), ("no", "否")])


class FollowUpForm(FlaskForm):
    resolved = RadioField("问题是否解决", choices=YES_NO, validate_choice=False)
    satisfied = RadioField("居民是否满意", choices=YES_NO, validate_choice=False)
    note = TextAreaField("回访记录")

    def answers(self) -> tuple[bool, bool]:
        """Both questions must be answered yes or no: a guessed default would skew the 三率."""
        if self.resolved.data not in ("yes", "no") or self.satisfied.data not in ("yes", "no"):
            raise OperationError("请回答“问题是否解决”和“居民是否满意”。")
        return self.resolved.data == "yes", self.satisfied.data == "yes"


def _chosen(model, raw, label: str, community_id: int | None = None):
    """The object picked in a select box, ``None`` for "none"; a forged value is refused."""
    raw = (raw or "").strip()
    if not raw:
        return None
    obj = db.session.get(model, int(raw)) if raw.isdigit() else None
    if obj is None or (community_id is not None and obj.community_id != community_id):
        raise NotFound("所选%(what)s不存在。", what=lazy_gettext(label))
    return obj


class DepartmentForm(FlaskForm):
    department_id = SelectField("责任部门", choices=[], validate_choice=False)

    def offer(self, departments, case) -> "DepartmentForm":
        self.department_id.choices = options([("", "未指定"), *((str(d.id), d.name) for d in departments)], translate=False)
        self.department_id.data = str(case.responsible_department_id or "")
        return self

    def chosen(self) -> Department | None:
        return _chosen(Department, self.department_id.data, "部门")


class TopicChoiceForm(FlaskForm):
    topic_id = SelectField("议题", choices=[], validate_choice=False)

    def offer(self, topics, case) -> "TopicChoiceForm":
        self.topic_id.choices = options([("", "不归入议题"), *((str(t.id), t.title) for t in topics)], translate=False)
        self.topic_id.data = str(case.topic_id or "")
        return self

    def chosen(self, community_id: int) -> Topic | None:
        return _chosen(Topic, self.topic_id.data, "议题", community_id)


class TopicForm(FlaskForm):
    title = StringField("议题名称", validators=[Marked()])
    description = TextAreaField("说明")
    theme_month = StringField("每月一题月份(可空)", render_kw={"type": "month", "placeholder": "2026-11"})


class ThemeForm(FlaskForm):
    theme_month = StringField("月份", render_kw={"type": "month"})
