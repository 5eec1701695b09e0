"""Isolation specs of the archive: reach is the street for auditors, the own community for secretaries.

Community B is in A's street, so A's auditor may read it (tests/archive);
the objects aimed at here belong to a community of *another* street, which
nobody of A may read (B out of reach for A's secretary: tests/archive).
"""
from roundtable.communities.operations import create_community, get_or_create_street
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.resolutions.models import Resolution
from tests.factories import make_case, make_meeting, make_user
from tests.isolation import foreign


def world_extras(world):
    """A community of 前门街道 with a case and a published resolution."""
    street = get_or_create_street("前门街道", "东城区")
    community = create_community(street, "草厂社区")
    secretary = make_user("c_secretary", community, "secretary")
    case = make_case(community, secretary, description="草厂胡同超时停车")
    meeting = make_meeting(community, secretary, cases=())
    resolution = Resolution(community_id=community.id, meeting_id=meeting.id, title="草厂停车决议",
                            status="published", published_at=utcnow(), sha256="cd" * 32)
    db.session.add(resolution)
    db.session.flush()
    world.b.extra.update(other_street_case=case, other_street_community=community,
                         other_street_resolution=resolution)


def _other(w):
    return w.b.extra


SPECS = {
    "archive.index": foreign(lambda w: [("GET", f"/archive/?q=停车&community={_other(w)['other_street_community'].id}")]),
    "archive.case": foreign(lambda w: [("GET", f"/archive/cases/{_other(w)['other_street_case'].id}")]),
    "archive.resolution": foreign(
        lambda w: [("GET", f"/archive/resolutions/{_other(w)['other_street_resolution'].id}")]
    ),
    "archive.dashboard": foreign(
        lambda w: [("GET", f"/archive/dashboard?community={_other(w)['other_street_community'].id}")]
    ),
    "archive.export": foreign(
        lambda w: [("GET", f"/archive/dashboard/communities.csv?community={_other(w)['other_street_community'].id}"),
                   ("GET", f"/archive/dashboard/overdue.xlsx?community={_other(w)['other_street_community'].id}")]
    ),
}

