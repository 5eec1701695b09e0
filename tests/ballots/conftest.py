from tests.live.conftest import host, phones, room
