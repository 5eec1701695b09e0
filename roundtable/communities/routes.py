"""The secretary's own community: its residents and its organizations (物业, 产权单位).

Everything here works inside ``community_of_request()``; ids from another community
answer 404 through ``load_or_404``.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.forms import InviteResidentForm, NewResidentForm, OrganizationForm, RenameForm
from roundtable.communities.models import Membership, Organization
from roundtable.communities.operations import (
    add_resident,
    create_organization,
    create_resident,
    remove_resident,
    rename_organization,
)
from roundtable.communities.permissions import can_manage_cases, can_manage_community_item, can_remove_member
from roundtable.communities.queries import organizations_of, residents_of
from roundtable.core.actions import Refused, act
from roundtable.core.permissions import load_or_404

bp = Blueprint("community", __name__, url_prefix="/community")


def _people_page(new_form: NewResidentForm | None = None,
                 invite_form: InviteResidentForm | None = None) -> ResponseReturnValue:
    community = community_of_request()
    page = render_template(
        "communities/people.html",
        community=community,
        residents=residents_of(community),
        new_form=new_form or NewResidentForm(formdata=None),
        invite_form=invite_form or InviteResidentForm(formdata=None),
    )
    failed = (new_form and new_form.errors) or (invite_form and invite_form.errors)
    return page, (400 if failed else 200)


@bp.route("/people")
@community_required(can=can_manage_cases)
def people() -> ResponseReturnValue:
    return _people_page()


@bp.route("/people/new", methods=["POST"])
@community_required(can=can_manage_cases)
def create_person() -> ResponseReturnValue:
    form = NewResidentForm()
    if form.validate_on_submit():
        user = act(
            lambda: create_resident(
                community_of_request(), form.username.data, form.display_name.data, form.phone.data, form.password.data
            ),
            lambda user: _("已为 %(name)s 创建账号并加入本社区。", name=user.display_name),
            field=form.username,
        )
        if not isinstance(user, Refused):
            return redirect(url_for("community.people"))
    return _people_page(new_form=form)


@bp.route("/people/invite", methods=["POST"])
@community_required(can=can_manage_cases)
def invite_person() -> ResponseReturnValue:
    form = InviteResidentForm()
    if form.validate_on_submit():
        membership = act(
            lambda: add_resident(community_of_request(), form.username.data, form.phone.data),
            lambda membership: _("%(name)s 已加入本社区。", name=membership.user.display_name),
            field=form.username,
        )
        if not isinstance(membership, Refused):
            return redirect(url_for("community.people"))
    return _people_page(invite_form=form)


@bp.route("/people/<int:membership_id>/remove", methods=["POST"])
@community_required(can=can_manage_cases)
def remove_person(membership_id: int) -> ResponseReturnValue:
    membership = load_or_404(Membership, membership_id, can=can_remove_member)
    name = membership.user.display_name
    act(lambda: remove_resident(membership), _("%(name)s 已移出本社区。", name=name))
    return redirect(url_for("community.people"))


def _organizations_page(form: OrganizationForm | None = None,
                        rename_errors: dict[int, list[str]] | None = None) -> ResponseReturnValue:
    community = community_of_request()
    page = render_template(
        "communities/organizations.html",
        community=community,
        organizations=organizations_of(community),
        form=form or OrganizationForm(formdata=None),
        rename_errors=rename_errors or {},
    )
    return page, (400 if (form and form.errors) or rename_errors else 200)


@bp.route("/organizations")
@community_required(can=can_manage_cases)
def organizations() -> ResponseReturnValue:
    return _organizations_page()


@bp.route("/organizations/new", methods=["POST"])
@community_required(can=can_manage_cases)
def create_org() -> ResponseReturnValue:
    form = OrganizationForm()
    if form.validate_on_submit():
        organization = act(
            lambda: create_organization(community_of_request(), form.name.data, form.kind.data),
            lambda organization: _("已添加单位「%(name)s」。", name=organization.name),
            field=form.name,
        )
        if not isinstance(organization, Refused):
            return redirect(url_for("community.organizations"))
    return _organizations_page(form=form)


@bp.route("/organizations/<int:organization_id>/rename", methods=["POST"])
@community_required(can=can_manage_cases)
def rename_org(organization_id: int) -> ResponseReturnValue:
    organization = load_or_404(Organization, organization_id, can=can_manage_community_item)
    form = RenameForm()
    if form.validate_on_submit():
        renamed = act(
            lambda: rename_organization(organization, form.name.data),
            lambda _none: _("单位已改名为「%(name)s」。", name=organization.name),
            field=form.name,
        )
        if renamed:
            return redirect(url_for("community.organizations"))
    return _organizations_page(rename_errors={organization_id: form.name.errors})
