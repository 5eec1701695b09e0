"""Isolation specs of the Open311 API: no login session, the api_key decides the community.

The community scoping of requests (a key of A never reads or files B's cases)
is covered in tests/open311/test_scoping.py.
"""
from roundtable.extensions import db
from roundtable.open311.models import ServiceCodeMapping
from tests.isolation import foreign, own, public

_KEYED = "Open311 API: answers only with an api_key, which scopes it to the key's community (tests/open311)"



def world_extras(world):
    """A service-code mapping of community B."""
    mapping = ServiceCodeMapping(community_id=world.b.community.id, external_code="road", category="roads",
                                 created_by_id=world.b.secretary.id)
    db.session.add(mapping)
    db.session.flush()
    world.b.extra["service_code_mapping"] = mapping


SPECS = {
    "open311.discovery": public("Open311 discovery document: no community data"),
    "open311.services": public("Open311 service list: our categories, the same for every community"),
    "open311.list_requests": public(_KEYED),
    "open311.get_request": public(_KEYED),
    "open311.post_request": public(_KEYED),
    "open311_codes.service_codes": own("lists and adds mappings of the caller's own current community"),
    "open311_codes.remove_service_code": foreign(
        lambda w: [("POST", f"/cases/open311-codes/{w.b.extra['service_code_mapping'].id}/delete")]),
}
