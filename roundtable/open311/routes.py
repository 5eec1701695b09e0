"""Open311 GeoReport v2 endpoints: discovery, services, reading and filing service requests.

Who sees what: discovery and services are public. Requests are read and filed
only with an ``api_key``, and a key belongs to one community, so a key only
ever reaches its own community's cases. ``jurisdiction_id`` (the community id)
may be sent as the spec allows; it must then be the key's own community.
Errors come out in the spec's form through the central handler
(``roundtable.core.http``), in the format of the URL's extension.
"""
from __future__ import annotations

from flask import Blueprint, current_app, request, url_for

from roundtable.communities.models import Community
from roundtable.core.errors import NotAllowed, NotFound
from roundtable.core.time import format_local
from roundtable.extensions import csrf, db
from roundtable.open311.formats import render, render_document
from roundtable.open311.models import ApiKey
from roundtable.open311.operations import submit_request
from roundtable.open311.queries import (
    as_service_request,
    filters_from,
    find_active_key,
    find_community,
    find_request,
    find_requests,
    list_services,
    service_request_id,
)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMAT = "<any(json, xml):fmt>"
CHANGESET = "2026-11-26T00:00:00+08:00"


def _params():
    """Query string and form together; a JSON body is accepted from clients that send one."""
    params = request.values.to_dict()
    if request.is_json:
        body = request.get_json()  # unreadable, too deep or with NUL: 400
        if isinstance(body, dict):
            params.update({key: value for key, value in body.items() if isinstance(value, (str, int, float))})
    return params


def _authorized_key(params) -> ApiKey:
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


def _key_community(params) -> Community:
    return db.session.get(Community, _authorized_key(params).community_id)


@bp.route(f"/discovery.{FORMAT}")
def discovery(fmt: str):
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root.rstrip("/")
    document = {
        "changeset": CHANGESET,
        "contact": "请联系所在社区的居委会(社区书记)。",
        "key_service": (
            "api_key 由社区签发(flask apikey create --community 社区名),每个 api_key 只属于一个社区。"
            "读取和提交服务请求都需要 api_key,只涉及该社区的工单;"
            "jurisdiction_id 是社区编号,可以不传,传了就必须是 api_key 所属的社区。"
            "输出中从不包含诉求人的姓名和电话。"
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
def services(fmt: str):
    jurisdiction = request.args.get("jurisdiction_id", "").strip()
    if jurisdiction and find_community(jurisdiction) is None:
        raise NotFound("jurisdiction_id 不存在。")
    return render("services", "service", list_services())


@bp.route(f"/requests.{FORMAT}", methods=["GET"])
def list_requests(fmt: str):
    community = _key_community(request.args)
    cases = find_requests(community, filters_from(request.args))
    return render("service_requests", "request", [as_service_request(case) for case in cases])


@bp.route(f"/requests/<request_id>.{FORMAT}")
def get_request(request_id: str, fmt: str):
    community = _key_community(request.args)
    case = find_request(community, request_id)
    if case is None:
        raise NotFound(f"没有编号为「{request_id[:40]}」的服务请求。")
    return render("service_requests", "request", [as_service_request(case)])


@bp.route(f"/requests.{FORMAT}", methods=["POST"])
@csrf.exempt  # an API for other systems, authenticated by api_key, not by a browser session
def post_request(fmt: str):
    params = _params()
    case = submit_request(_authorized_key(params), params)
    db.session.commit()
    answer = {
        "service_request_id": service_request_id(case),
        "service_notice": f"已受理,将在 {format_local(case.due_at)}(北京时间)前处理。",
        "account_id": None,
    }
    return render("service_requests", "request", [answer], status=201)
