"""The live fixtures (a room, phones) for the attacks on sockets."""
from tests.live.conftest import host, phones, room, servers  # noqa: F401 - re-exported fixtures
