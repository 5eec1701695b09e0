"""The secretary's own community: its residents and its organizations (物业, 产权单位).

Everything here works inside ``current_community()``; ids from another community
answer 404 through ``get_in_community_or_404``.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from roundtable.communities.context import community_required, current_community, get_in_community_or_404
from roundtable.communities.forms import InviteResidentForm, NewResidentForm, OrganizationForm, RenameForm
from roundtable.communities.models import Membership, Organization
from roundtable.communities.operations import (
    add_resident,
    create_organization,
    create_resident,
    remove_resident,
    rename_organization,
)
from roundtable.communities.queries import organizations_of, residents_of
from roundtable.core.errors import OperationError
from roundtable.extensions import db

bp = Blueprint("community", __name__, url_prefix="/community")


def _people_page(new_form=None, invite_form=None):
    community = current_community()
    page = render_template(
        "communities/people.html",
        community=community,
        residents=residents_of(community),
        new_form=new_form or NewResidentForm(formdata=None),
        invite_form=invite_form or InviteResidentForm(formdata=None),
    )
    failed = (new_form and new_form.errors) or (invite_form and invite_form.errors)
    return page, (400 if failed else 200)


def _refused(form, field, exc: OperationError) -> None:
    db.session.rollback()
    getattr(form, field).errors.append(exc.message)


@bp.route("/people")
@community_required("secretary")
def people():
    return _people_page()


@bp.route("/people/new", methods=["POST"])
@community_required("secretary")
def create_person():
    form = NewResidentForm()
    if form.validate_on_submit():
        try:
            user = create_resident(
                current_community(), form.username.data, form.display_name.data, form.phone.data, form.password.data
            )
        except OperationError as exc:
            _refused(form, "username", exc)
        else:
            db.session.commit()
            flash(_("已为 %(name)s 创建账号并加入本社区。", name=user.display_name), "success")
            return redirect(url_for("community.people"))
    return _people_page(new_form=form)


@bp.route("/people/invite", methods=["POST"])
@community_required("secretary")
def invite_person():
    form = InviteResidentForm()
    if form.validate_on_submit():
        try:
            membership = add_resident(current_community(), form.username.data, form.phone.data)
        except OperationError as exc:
            _refused(form, "username", exc)
        else:
            db.session.commit()
            flash(_("%(name)s 已加入本社区。", name=membership.user.display_name), "success")
            return redirect(url_for("community.people"))
    return _people_page(invite_form=form)


@bp.route("/people/<int:membership_id>/remove", methods=["POST"])
@community_required("secretary")
def remove_person(membership_id: int):
    membership = get_in_community_or_404(Membership, membership_id)
    name = membership.user.display_name
    remove_resident(membership)
    db.session.commit()
    flash(_("%(name)s 已移出本社区。", name=name), "success")
    return redirect(url_for("community.people"))


def _organizations_page(form=None, rename_errors=None):
    community = current_community()
    page = render_template(
        "communities/organizations.html",
        community=community,
        organizations=organizations_of(community),
        form=form or OrganizationForm(formdata=None),
        rename_errors=rename_errors or {},
    )
    return page, (400 if (form and form.errors) or rename_errors else 200)


@bp.route("/organizations")
@community_required("secretary")
def organizations():
    return _organizations_page()


@bp.route("/organizations/new", methods=["POST"])
@community_required("secretary")
def create_org():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            organization = create_organization(current_community(), form.name.data, form.kind.data)
        except OperationError as exc:
            _refused(form, "name", exc)
        else:
            db.session.commit()
            flash(_("已添加单位「%(name)s」。", name=organization.name), "success")
            return redirect(url_for("community.organizations"))
    return _organizations_page(form=form)


@bp.route("/organizations/<int:organization_id>/rename", methods=["POST"])
@community_required("secretary")
def rename_org(organization_id: int):
    organization = get_in_community_or_404(Organization, organization_id)
    form = RenameForm()
    if form.validate_on_submit():
        try:
            rename_organization(organization, form.name.data)
        except OperationError as exc:
            _refused(form, "name", exc)
        else:
            db.session.commit()
            flash(_("单位已改名为「%(name)s」。", name=organization.name), "success")
            return redirect(url_for("community.organizations"))
    return _organizations_page(rename_errors={organization_id: form.name.errors})
