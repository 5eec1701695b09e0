"""Community tests: one g per request, as on a real server."""
from tests.auth.conftest import fresh_g_per_request  # noqa: F401  (autouse)
