"""Platform administration: people, their roles, and the places they work in.

Only administrators come in (everyone else gets 403). These pages are not any one
community's data, so they are not scoped to a current community; every change
that takes a role away ends the person's sessions (the operations see to that).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from roundtable.admin import queries
from roundtable.admin.forms import (
    CommunityForm,
    DepartmentLinkForm,
    MembershipForm,
    NameForm,
    NewPersonForm,
    OrganizationLinkForm,
    PersonEditForm,
    ResetPasswordForm,
    StreetForm,
    SupervisorAssignForm,
    SupervisorForm,
)
from roundtable.auth.models import User
from roundtable.auth.operations import (
    create_user,
    deactivate_user,
    reactivate_user,
    set_user_password,
    update_user,
)
from roundtable.communities.forms import choices_from
from roundtable.communities.models import (
    Community,
    Department,
    DepartmentMember,
    Membership,
    Organization,
    OrganizationMember,
    Street,
)
from roundtable.communities.operations import (
    add_department_member,
    add_organization_member,
    create_community,
    create_department,
    create_street,
    remove_department_member,
    remove_membership,
    remove_organization_member,
    rename_community,
    rename_department,
    rename_street,
    set_membership,
)
from roundtable.communities.permissions import can_administer
from roundtable.core.actions import Refused, act
from roundtable.core.permissions import guard_blueprint
from roundtable.escalation import operations as escalation
from roundtable.escalation.models import StreetSupervisor
from roundtable.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


guard_blueprint(bp, can_administer)


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _me() -> User:
    return current_user._get_current_object()


# ---------------------------------------------------------------- people


@bp.route("/people")
def people():
    text = request.args.get("q", "").strip()[:64]
    page = queries.search_people(text, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    return render_template("admin/people.html", page=page, q=text)


@bp.route("/people/new", methods=["GET", "POST"])
def create_person():
    form = NewPersonForm()
    if form.validate_on_submit():
        user = act(
            lambda: create_user(
            form.username.data,
            form.display_name.data,
            form.password.data,
            phone=form.phone.data,
            is_admin=form.is_admin.data,
        ),
            lambda user: _("已创建 %(name)s 的账号。", name=user.display_name),
            field=form.username,
        )
        if not isinstance(user, Refused):
            return redirect(url_for("admin.person", user_id=user.id))
    return render_template("admin/person_new.html", form=form), (400 if form.errors else 200)


def _choices(forms: dict) -> dict:
    forms["membership_form"].community_id.choices = choices_from((c.id, c.full_name) for c in queries.communities())
    forms["department_form"].department_id.choices = choices_from((d.id, d.name) for d in queries.departments())
    forms["organization_form"].organization_id.choices = choices_from(
        (o.id, f"{o.community.name} · {o.name}") for o in queries.organizations()
    )
    forms["supervisor_form"].street_id.choices = _street_choices()
    return forms


def _street_choices():
    return choices_from((s.id, s.name) for s in queries.streets())


def _person_forms(user: User, **bound) -> dict:
    blank = dict(formdata=None)
    forms = {
        "edit_form": PersonEditForm(obj=user, **blank),
        "password_form": ResetPasswordForm(**blank),
        "membership_form": MembershipForm(**blank),
        "department_form": DepartmentLinkForm(**blank),
        "organization_form": OrganizationLinkForm(**blank),
        "supervisor_form": SupervisorForm(**blank),
    }
    forms.update(bound)
    return _choices(forms)


def _person_page(user: User, **bound):
    forms = _person_forms(user, **bound)
    failed = any(form.errors for form in bound.values())
    return render_template("admin/person.html", person=user, supervised=queries.supervised_by(user.id), **forms), (
        400 if failed else 200)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def person(user_id: int):
    user = _get_or_404(User, user_id)
    if request.method == "GET":
        return _person_page(user)
    form = PersonEditForm()
    if form.validate_on_submit():
        if act(lambda: update_user(
            user,
            display_name=form.display_name.data,
            phone=form.phone.data,
            is_admin=form.is_admin.data,
            actor=_me(),
        ), _("已保存。"), field=form.display_name):
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, edit_form=form)


@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    user = _get_or_404(User, user_id)
    # Refusing to switch oneself off is a permission answer (the 403 page), not a form message.
    deactivate_user(user, actor=_me())
    db.session.commit()
    flash(_("%(name)s 的账号已停用,其所有登录已结束。", name=user.display_name), "success")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/people/<int:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int):
    user = _get_or_404(User, user_id)
    act(lambda: reactivate_user(user), _("%(name)s 的账号已恢复。", name=user.display_name))
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/people/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user = _get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done = _("已为 %(name)s 设置新密码,其所有登录已结束。", name=user.display_name)
        if act(lambda: set_user_password(user, form.password.data), done, field=form.password):
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, password_form=form)


# ---------------------------------------------------------------- roles and links


@bp.route("/people/<int:user_id>/memberships", methods=["POST"])
def give_membership(user_id: int):
    """Give a role in a community, or change the one the person has there."""
    user = _get_or_404(User, user_id)
    form = _person_forms(user, membership_form=MembershipForm())["membership_form"]
    if form.validate_on_submit():
        community = _get_or_404(Community, form.community_id.data)
        if act(lambda: set_membership(user, community, form.role.data), _("已保存社区角色。"), field=form.role):
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, membership_form=form)


@bp.route("/memberships/<int:membership_id>/remove", methods=["POST"])
def take_membership(membership_id: int):
    membership = _get_or_404(Membership, membership_id)
    user_id = membership.user_id
    act(lambda: remove_membership(membership), _("已移除社区角色,此人需重新登录。"))
    return redirect(url_for("admin.person", user_id=user_id))


@bp.route("/people/<int:user_id>/departments", methods=["POST"])
def give_department(user_id: int):
    user = _get_or_404(User, user_id)
    form = _person_forms(user, department_form=DepartmentLinkForm())["department_form"]
    if form.validate_on_submit():
        act(lambda: add_department_member(user, _get_or_404(Department, form.department_id.data)), _("已加入部门。"))
        return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, department_form=form)


@bp.route("/department-links/<int:link_id>/remove", methods=["POST"])
def take_department(link_id: int):
    link = _get_or_404(DepartmentMember, link_id)
    user_id = link.user_id
    act(lambda: remove_department_member(link), _("已移出部门,此人需重新登录。"))
    return redirect(url_for("admin.person", user_id=user_id))


@bp.route("/people/<int:user_id>/organizations", methods=["POST"])
def give_organization(user_id: int):
    user = _get_or_404(User, user_id)
    form = _person_forms(user, organization_form=OrganizationLinkForm())["organization_form"]
    if form.validate_on_submit():
        act(lambda: add_organization_member(user, _get_or_404(Organization, form.organization_id.data)), _("已加入单位。"))
        return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, organization_form=form)


@bp.route("/organization-links/<int:link_id>/remove", methods=["POST"])
def take_organization(link_id: int):
    link = _get_or_404(OrganizationMember, link_id)
    user_id = link.user_id
    act(lambda: remove_organization_member(link), _("已移出单位,此人需重新登录。"))
    return redirect(url_for("admin.person", user_id=user_id))


# ---------------------------------------------------------------- streets, communities, departments


def _places_page(**bound):
    forms = {
        "street_form": StreetForm(formdata=None),
        "community_form": CommunityForm(formdata=None),
        "department_form": NameForm(formdata=None),
        "rename_errors": {},
    }
    forms.update(bound)
    forms["community_form"].street_id.choices = choices_from((s.id, s.name) for s in queries.streets())
    failed = any(getattr(value, "errors", None) for value in bound.values()) or bool(forms["rename_errors"])
    page = render_template(
        "admin/places.html", streets=queries.streets(), departments=queries.departments(), **forms
    )
    return page, (400 if failed else 200)


@bp.route("/places")
def places():
    return _places_page()


@bp.route("/streets/new", methods=["POST"])
def new_street():
    form = StreetForm()
    if form.validate_on_submit():
        street = act(
            lambda: create_street(form.name.data, form.district.data),
            lambda street: _("已添加街道「%(name)s」。", name=street.name),
            field=form.name,
        )
        if not isinstance(street, Refused):
            return redirect(url_for("admin.places"))
    return _places_page(street_form=form)


@bp.route("/communities/new", methods=["POST"])
def new_community():
    form = CommunityForm()
    form.street_id.choices = choices_from((s.id, s.name) for s in queries.streets())
    if form.validate_on_submit():
        community = act(
            lambda: create_community(db.session.get(Street, form.street_id.data), form.name.data),
            lambda community: _("已添加社区「%(name)s」。", name=community.name),
            field=form.name,
        )
        if not isinstance(community, Refused):
            return redirect(url_for("admin.places"))
    return _places_page(community_form=form)


@bp.route("/departments/new", methods=["POST"])
def new_department():
    form = NameForm()
    if form.validate_on_submit():
        department = act(
            lambda: create_department(form.name.data),
            lambda department: _("已添加部门「%(name)s」。", name=department.name),
            field=form.name,
        )
        if not isinstance(department, Refused):
            return redirect(url_for("admin.places"))
    return _places_page(department_form=form)


def _rename(model, object_id: int, operation, key: str):
    """One rename form per row: on refusal the page shows the message beside that row."""
    obj = _get_or_404(model, object_id)
    form = NameForm()
    if form.validate_on_submit():
        if act(lambda: operation(obj, form.name.data), _("已改名为「%(name)s」。", name=obj.name), field=form.name):
            return redirect(url_for("admin.places"))
    return _places_page(rename_errors={f"{key}-{object_id}": form.name.errors})


@bp.route("/streets/<int:street_id>/rename", methods=["POST"])
def street_rename(street_id: int):
    return _rename(Street, street_id, rename_street, "street")


@bp.route("/communities/<int:community_id>/rename", methods=["POST"])
def community_rename(community_id: int):
    return _rename(Community, community_id, rename_community, "community")


@bp.route("/departments/<int:department_id>/rename", methods=["POST"])
def department_rename(department_id: int):
    return _rename(Department, department_id, rename_department, "department")


# ---------------------------------------------------------------- street supervisors (督办)


def _supervisors_page(form: SupervisorAssignForm | None = None):
    if form is None:
        form = SupervisorAssignForm(formdata=None)
    form.street_id.choices = _street_choices()
    return render_template("admin/supervisors.html", rows=queries.supervisors(), form=form), (
        400 if form.errors else 200)


@bp.route("/supervisors")
def supervisors():
    return _supervisors_page()


@bp.route("/supervisors", methods=["POST"])
def assign_supervisor():
    form = SupervisorAssignForm()
    form.street_id.choices = _street_choices()
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).where(User.username == form.username.data.strip()))
        if user is None:
            form.username.errors = [*form.username.errors, _("没有这个用户名。")]
        elif not isinstance(act(lambda: escalation.assign_supervisor(user, form.street_id.data),
                                _("已设为街道督办。"), field=form.username), Refused):
            return redirect(url_for("admin.supervisors"))
    return _supervisors_page(form)


@bp.route("/people/<int:user_id>/supervisor", methods=["POST"])
def give_supervisor(user_id: int):
    user = _get_or_404(User, user_id)
    form = _person_forms(user, supervisor_form=SupervisorForm())["supervisor_form"]
    if form.validate_on_submit():
        if not isinstance(act(lambda: escalation.assign_supervisor(user, form.street_id.data), _("已设为街道督办。"),
                              field=form.street_id), Refused):
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, supervisor_form=form)


@bp.route("/supervisors/<int:row_id>/remove", methods=["POST"])
def take_supervisor(row_id: int):
    row = _get_or_404(StreetSupervisor, row_id)
    user_id = row.user_id
    act(lambda: escalation.remove_supervisor(row), _("已取消街道督办,此人需重新登录。"))
    if request.form.get("back") == "person":
        return redirect(url_for("admin.person", user_id=user_id))
    return redirect(url_for("admin.supervisors"))
