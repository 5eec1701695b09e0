"""Open311 GeoReport v2 endpoints: discovery, services, reading and filing service requests.

Who sees what: discovery and services are public. Requests are filed only
with an ``api_key``, and a key belongs to one community, so a key only ever
reaches its own community's cases. ``jurisdiction_id`` (the community id) may
be sent as the spec allows; it must then be the key's own community. Reading
needs a key too, unless the deployment opted into public read mode
(``OPEN311_PUBLIC_READ``): then stock GeoReport clients read without a key and
get only the fields that carry no personal data (``PUBLIC_FIELDS``).
Errors come out in the spec's form through the central handler
(``roundtable.core.http``), in the format of the URL's extension.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from roundtable.cases.models import CATEGORIES
from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.models import Community
from roundtable.communities.permissions import can_manage_case, can_manage_cases
from roundtable.core.actions import act
from roundtable.core.errors import NotAllowed, NotFound
from roundtable.core.http import register_error_format
from roundtable.core.permissions import load_or_404
from roundtable.core.time import format_local
from roundtable.extensions import csrf_exempt, db
from roundtable.open311.formats import open311_errors, render, render_document
from roundtable.open311.forms import RemoveMappingForm, ServiceCodeForm
from roundtable.open311.models import ApiKey, ServiceCodeMapping
from roundtable.open311.operations import add_code_mapping, remove_code_mapping, submit_request
from roundtable.open311.queries import (
    RequestPage,
    as_service_request,
    community_mappings,
    filters_from,
    find_active_key,
    find_community,
    find_request,
    find_requests,
    list_services,
    service_code_map,
    service_request_id,
)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
codes_bp = Blueprint("open311_codes", __name__, url_prefix="/cases/open311-codes")


@bp.record_once
def _answer_errors_in_open311_format(_state: object) -> None:
    """Every error under /open311/ (404s, CSRF, refusals) in the spec's list format."""
    register_error_format("/open311/", open311_errors)

FORMAT = "<any(json, xml):fmt>"
CHANGESET = "2026-11-26T00:00:00+08:00"


def _params() -> dict[str, object]:
    """Query string and form together; a JSON body is accepted from clients that send one."""
    params: dict[str, object] = dict(request.values.to_dict())
    if request.is_json:
        body = request.get_json()  # unreadable, too deep or with NUL: 400
        if isinstance(body, dict):
            params.update({key: value for key, value in body.items() if isinstance(value, (str, int, float))})
    return params


def _authorized_key(params: Mapping[str, object]) -> ApiKey:
    """The caller's key, and the check that any ``jurisdiction_id`` sent is the key's community."""
    api_key = find_active_key(str(params.get("api_key") or "").strip())
    if api_key is None:
        raise NotAllowed("api_key 缺失、无效或已被吊销。")
    jurisdiction = str(params.get("jurisdiction_id") or "").strip()
    if jurisdiction:
        community = find_community(jurisdiction)
        if community is None or community.id != api_key.community_id:
            raise NotFound("jurisdiction_id 不存在或不属于这个 api_key。")
    return api_key


@dataclass
class Reader:
    """Who reads: a key's one community (every field), or the public (fewer fields, opted in)."""

    community_ids: list[int]
    public: bool

    @property
    def code_map(self) -> dict[str, str]:
        return service_code_map(self.community_ids[0]) if len(self.community_ids) == 1 else {}


def _reader(params: Mapping[str, object]) -> Reader:
    """A key, when one is sent (a wrong key is refused even in public mode); else public read, if on."""
    if str(params.get("api_key") or "").strip() or not current_app.config.get("OPEN311_PUBLIC_READ"):
        return Reader([_authorized_key(params).community_id], public=False)
    jurisdiction = str(params.get("jurisdiction_id") or "").strip()
    if jurisdiction:
        community = find_community(jurisdiction)
        if community is None:
            raise NotFound("jurisdiction_id 不存在。")
        return Reader([community.id], public=True)
    return Reader(list(db.session.scalars(select(Community.id))), public=True)


def _page_links(page: RequestPage) -> str:
    """The pagination extension's ``Link`` header: the next and previous pages of the same query."""
    links: list[str] = []
    if request.endpoint is None:  # only ever called from a matched route
        return ""
    for rel, number, present in (("next", page.page + 1, page.has_next), ("prev", page.page - 1, page.page > 1)):
        if present:
            args = {**request.args.to_dict(), "page": str(number), "page_size": str(page.page_size)}
            links.append(f'<{url_for(request.endpoint, _external=True, **(request.view_args or {}), **args)}>; rel="{rel}"')
    return ", ".join(links)


@bp.route(f"/discovery.{FORMAT}")
def discovery(fmt: str) -> ResponseReturnValue:
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")
    document = {
        "changeset": CHANGESET,
        "contact": "请联系所在社区的居委会(社区书记)。",
        "key_service": (
            "api_key 由社区签发(flask apikey create --community 社区名),每个 api_key 只属于一个社区。"
            "提交服务请求需要 api_key;读取也需要,除非本站开启了公开读取(不含个人信息的字段)。"
            "jurisdiction_id 是社区编号,可以不传,传了就必须是 api_key 所属的社区。"
            "输出中从不包含诉求人的姓名和电话。列表支持分页扩展 page、page_size。"
        ),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base + url_for("open311.discovery", fmt="json").rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render_document("discovery", document)


@bp.route(f"/services.{FORMAT}")
def services(fmt: str) -> ResponseReturnValue:
    jurisdiction = request.args.get("jurisdiction_id", "").strip()
    if jurisdiction and find_community(jurisdiction) is None:
        raise NotFound("jurisdiction_id 不存在。")
    return render("services", "service", list_services())


@bp.route(f"/requests.{FORMAT}", methods=["GET"])
def list_requests(fmt: str) -> ResponseReturnValue:
    reader = _reader(request.args)
    page = find_requests(reader.community_ids, filters_from(request.args, reader.code_map))
    response = render("service_requests", "request", [as_service_request(case, reader.public) for case in page.cases])
    links = _page_links(page)
    if links:
        response.headers["Link"] = links
    return response


@bp.route(f"/requests/<request_id>.{FORMAT}")
def get_request(request_id: str, fmt: str) -> ResponseReturnValue:
    reader = _reader(request.args)
    case = find_request(reader.community_ids, request_id)
    if case is None:
        raise NotFound("没有编号为「%(id)s」的服务请求。", id=request_id[:40])
    return render("service_requests", "request", [as_service_request(case, reader.public)])


@bp.route(f"/requests.{FORMAT}", methods=["POST"])
@csrf_exempt  # an API for other systems, authenticated by api_key, not by a browser session
def post_request(fmt: str) -> ResponseReturnValue:
    params = _params()
    case = submit_request(_authorized_key(params), params)
    db.session.commit()
    answer = {
        "service_request_id": service_request_id(case),
        "service_notice": _("已受理,将在 %(due)s(北京时间)前处理。", due=format_local(case.due_at)),
        "account_id": None,
    }
    return render("service_requests", "request", [answer], status=201)


@codes_bp.route("/", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def service_codes() -> ResponseReturnValue:
    """The community's mapping of other systems' service codes to our categories."""
    community = community_of_request()
    form = ServiceCodeForm()
    if form.validate_on_submit():
        mapping = act(
            lambda: add_code_mapping(community, form.external_code.data, form.category.data, current_user),
            lambda mapping: _("已将「%(code)s」对应到「%(category)s」。", code=mapping.external_code,
                              category=_(mapping.category_label)),
            field=form.external_code,
        )
        if mapping:
            return redirect(url_for("open311_codes.service_codes"))
    page = render_template("open311/service_codes.html", form=form, mappings=community_mappings(community),
                           remove_form=RemoveMappingForm(), categories=CATEGORIES)
    return page, (400 if form.errors else 200)


@codes_bp.route("/<int:mapping_id>/delete", methods=["POST"])
@community_required(can=can_manage_cases)
def remove_service_code(mapping_id: int) -> ResponseReturnValue:
    mapping = load_or_404(ServiceCodeMapping, mapping_id, can=can_manage_case)
    if not RemoveMappingForm().validate_on_submit():
        flash(_("请求已过期,请重试。"), "error")
        return redirect(url_for("open311_codes.service_codes"))
    act(lambda: remove_code_mapping(mapping), _("已删除「%(code)s」的对照。", code=mapping.external_code))
    return redirect(url_for("open311_codes.service_codes"))
