from tests.live.conftest import host, phones, room  # noqa: F401
