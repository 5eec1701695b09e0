"""Case desk pages (filled in by the case desk work)."""
from flask import Blueprint

from roundtable.communities.context import community_required

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.route("/")
@community_required("secretary", "auditor")
def list_cases():
    return "cases"


@bp.route("/topics")
@community_required("secretary", "auditor")
def list_topics():
    return "topics"
