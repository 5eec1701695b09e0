"""Isolation specs of the Open311 API: no login session, the api_key decides the community.

The community scoping of requests (a key of A never reads or files B's cases)
is covered in tests/open311/test_scoping.py.
"""
from tests.isolation import public

_KEYED = "Open311 API: answers only with an api_key, which scopes it to the key's community (tests/open311)"

SPECS = {
    "open311.discovery": public("Open311 discovery document: no community data"),
    "open311.services": public("Open311 service list: our categories, the same for every community"),
    "open311.list_requests": public(_KEYED),
    "open311.get_request": public(_KEYED),
    "open311.post_request": public(_KEYED),
}
