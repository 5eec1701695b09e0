"""Case desk pages: community secretaries work here, auditors read along.

Every case and topic is looked up inside the caller's current community, so
another community's id answers 404. Reading needs the secretary or auditor
role; every change needs the secretary role (auditors get 403).
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roundtable.cases.forms import (
    CaseForm,
    DepartmentForm,
    FollowUpForm,
    NoteForm,
    StatusForm,
    ThemeForm,
    TopicChoiceForm,
    TopicForm,
)
from roundtable.cases.models import CATEGORIES, STATUS_LABELS, STATUSES, URGENCY_LABELS, Case, Topic
from roundtable.cases.operations import (
    add_note,
    assign_department,
    create_case,
    create_topic,
    record_follow_up,
    reveal_phone,
    set_theme_month,
    set_topic,
    transition_case,
    update_case,
    update_topic,
)
from roundtable.cases.queries import (
    SORT_LABELS,
    CaseFilters,
    all_departments,
    case_counts_by_topic,
    case_page,
    community_topics,
    status_counts,
    topic_cases,
)
from roundtable.cases.search_index import highlight
from roundtable.cases.validation import FIELD_LABELS, CaseFieldErrors
from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.permissions import can_manage_case, can_manage_cases, can_read_case, can_read_cases, can_reveal_phone
from roundtable.core.actions import Refused, act
from roundtable.core.errors import OperationError
from roundtable.core.permissions import load_or_404
from roundtable.core.time import format_local, utcnow
from roundtable.extensions import db
from roundtable.meetings.queries import meetings_for_case

bp = Blueprint("cases", __name__, url_prefix="/cases")
# Search results mark what matched (escaped text, <mark> around the query), on the desk and in the archive.
bp.add_app_template_filter(highlight, "highlight")

TIMELINE_FIELD_LABELS = {**FIELD_LABELS, "responsible_department": "责任部门"}


@bp.context_processor
def labels():
    return {"status_labels": STATUS_LABELS, "field_labels": TIMELINE_FIELD_LABELS}


@bp.route("/")
@community_required(can=can_read_cases)
def list_cases():
    community = community_of_request()
    filters = CaseFilters.from_args(request.args)
    if filters.topic_id:
        load_or_404(Topic, filters.topic_id, can=can_read_case)
    page = case_page(
        community, filters, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "cases/list.html",
        page=page,
        filters=filters,
        topics=community_topics(community),
        categories=CATEGORIES,
        urgencies=URGENCY_LABELS,
        statuses={s: STATUS_LABELS[s] for s in STATUSES},
        sorts=SORT_LABELS,
        can_manage=can_manage_cases(current_user, community.id),
        upload_endpoint="imports.upload" if "imports.upload" in current_app.view_functions else None,
        now=utcnow(),
    )


@bp.route("/new", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def new_case():
    form = CaseForm()
    if request.method == "GET":
        form.received_at.data = format_local(utcnow(), "%Y-%m-%dT%H:%M")
    elif (fields := form.clean()) is not None:
        try:
            case = create_case(community_of_request(), fields, current_user)
        except CaseFieldErrors as errors:
            db.session.rollback()
            form.show(errors)
        else:
            db.session.commit()
            flash(_("工单 %(number)s 已登记。", number=case.external_number))
            return redirect(url_for(".case_detail", case_id=case.id))
    return render_template("cases/form.html", form=form, case=None), (400 if form.errors else 200)


@bp.route("/<int:case_id>")
@community_required(can=can_read_cases)
def case_detail(case_id: int):
    return _detail_page(load_or_404(Case, case_id, can=can_read_case))


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def edit_case(case_id: int):
    case = load_or_404(Case, case_id, can=can_manage_case)
    form = CaseForm().for_case(case)
    status = 200
    if request.method == "GET":
        form.fill_from(case)
    elif (fields := form.clean(case)) is not None:
        try:
            update_case(case, fields, current_user, expected_version=form.expected_version)
        except CaseFieldErrors as errors:
            db.session.rollback()
            form.show(errors)
        except OperationError as error:
            # Someone else saved first (or the case is closed): show the case as it is now.
            db.session.rollback()
            flash(error.message, "error")
            form = CaseForm(formdata=None).for_case(case)
            form.fill_from(case)
            status = error.status
        else:
            db.session.commit()
            flash("工单已保存。")
            return redirect(url_for(".case_detail", case_id=case.id))
    return render_template("cases/form.html", form=form, case=case), (400 if form.errors else status)


@bp.route("/<int:case_id>/status", methods=["POST"])
@community_required(can=can_manage_cases)
def change_case_status(case_id: int):
    case = load_or_404(Case, case_id, can=can_manage_case)
    form = StatusForm()
    return _apply(
        case,
        lambda: transition_case(
            case, form.status.data or "", current_user, form.note.data or "", parent_number=form.parent_number.data or ""
        ),
        "状态已更新。",
        status_form=form,
    )


@bp.route("/<int:case_id>/notes", methods=["POST"])
@community_required(can=can_manage_cases)
def add_case_note(case_id: int):
    case = load_or_404(Case, case_id, can=can_manage_case)
    form = NoteForm()
    return _apply(case, lambda: add_note(case, current_user, form.note.data or ""), "备注已记录。", note_form=form)


@bp.route("/<int:case_id>/follow-up", methods=["POST"])
@community_required(can=can_manage_cases)
def follow_up(case_id: int):
    case = load_or_404(Case, case_id, can=can_manage_case)
    form = FollowUpForm()
    return _apply(
        case,
        lambda: record_follow_up(case, current_user, *form.answers(), (form.note.data or "").strip()),
        "回访结果已记录。",
        follow_up_form=form,
    )


@bp.route("/<int:case_id>/department", methods=["POST"])
@community_required(can=can_manage_cases)
def assign_case_department(case_id: int):
    case = load_or_404(Case, case_id, can=can_manage_case)
    form = DepartmentForm()
    return _apply(case, lambda: assign_department(case, form.chosen(), current_user), "责任部门已更新。")


@bp.route("/<int:case_id>/topic", methods=["POST"])
@community_required(can=can_manage_cases)
def assign_case_topic(case_id: int):
    case = load_or_404(Case, case_id, can=can_manage_case)
    form = TopicChoiceForm()
    return _apply(case, lambda: set_topic(case, form.chosen(case.community_id), current_user), "议题已更新。")


@bp.route("/<int:case_id>/reveal", methods=["POST"])
@community_required(can=can_manage_cases)
def reveal_case_phone(case_id: int):
    """The full number, once, on this response only; the timeline records who looked."""
    case = load_or_404(Case, case_id, can=can_manage_case)
    phone = reveal_phone(case, current_user)
    db.session.commit()
    response = make_response(_detail_page(case, revealed_phone=phone))
    response.headers["Cache-Control"] = "no-store"
    return response


def _apply(case: Case, action, done: str, **forms):
    """Run one operation on the case; a refusal re-shows the case page with the reason."""
    outcome = act(action, done)
    if isinstance(outcome, Refused):
        return _detail_page(case, outcome.status, **forms)
    return redirect(url_for(".case_detail", case_id=case.id))


def _detail_page(case: Case, status: int = 200, revealed_phone: str | None = None, **forms):
    community = community_of_request()
    can_manage = can_manage_cases(current_user, community.id)
    if can_manage:
        forms.setdefault("status_form", StatusForm(formdata=None))
        forms["status_form"].offer(case)
        forms.setdefault("note_form", NoteForm(formdata=None))
        forms.setdefault("follow_up_form", FollowUpForm(formdata=None))
        forms["department_form"] = DepartmentForm(formdata=None).offer(all_departments(), case)
        forms["topic_form"] = TopicChoiceForm(formdata=None).offer(community_topics(community), case)
    return (
        render_template(
            "cases/detail.html",
            case=case,
            can_manage=can_manage,
            can_reveal=can_reveal_phone(current_user, community.id),
            revealed_phone=revealed_phone,
            meetings=meetings_for_case(case),
            now=utcnow(),
            **forms,
        ),
        status,
    )


# Topics (议题) and the month's theme (每月一题).


@bp.route("/topics")
@community_required(can=can_read_cases)
def list_topics():
    community = community_of_request()
    return render_template(
        "cases/topics.html",
        topics=community_topics(community),
        counts=case_counts_by_topic(community),
        can_manage=can_manage_cases(current_user, community.id),
        this_month=format_local(utcnow(), "%Y-%m"),
    )


@bp.route("/topics/new", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def new_topic():
    form = TopicForm()
    return _topic_form(
        form,
        None,
        lambda: create_topic(community_of_request(), form.title.data or "", form.description.data or "", form.theme_month.data),
    )


@bp.route("/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def edit_topic(topic_id: int):
    topic = load_or_404(Topic, topic_id, can=can_manage_case)
    form = TopicForm(obj=topic)
    return _topic_form(
        form,
        topic,
        lambda: update_topic(topic, form.title.data or "", form.description.data or "", form.theme_month.data),
    )


def _topic_form(form: TopicForm, topic: Topic | None, save):
    status = 200
    if request.method == "POST":
        saved = act(save, lambda saved: _("议题「%(title)s」已保存。", title=saved.title))
        if isinstance(saved, Topic):
            return redirect(url_for(".topic_detail", topic_id=saved.id))
        status = saved.status if isinstance(saved, Refused) else status
    return render_template("cases/topic_form.html", form=form, topic=topic), status


@bp.route("/topics/<int:topic_id>")
@community_required(can=can_read_cases)
def topic_detail(topic_id: int):
    topic = load_or_404(Topic, topic_id, can=can_read_case)
    return _topic_page(topic)


@bp.route("/topics/<int:topic_id>/theme", methods=["POST"])
@community_required(can=can_manage_cases)
def set_topic_theme(topic_id: int):
    topic = load_or_404(Topic, topic_id, can=can_manage_case)
    form = ThemeForm()
    outcome = act(
        lambda: set_theme_month(topic, form.theme_month.data),
        lambda _none: _("已设为 %(month)s 的每月一题。", month=topic.theme_month) if topic.theme_month else _("已取消每月一题。"),
    )
    if isinstance(outcome, Refused):
        return _topic_page(topic, outcome.status)
    return redirect(url_for(".topic_detail", topic_id=topic.id))


def _topic_page(topic: Topic, status: int = 200):
    return (
        render_template(
            "cases/topic.html",
            topic=topic,
            counts=status_counts(topic),
            cases=topic_cases(topic),
            can_manage=can_manage_cases(current_user, topic.community_id),
            theme_form=ThemeForm(formdata=None),
            this_month=format_local(utcnow(), "%Y-%m"),
            now=utcnow(),
        ),
        status,
    )
