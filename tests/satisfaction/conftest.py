from tests.resolutions.conftest import concluded, drafted, login, published  # noqa: F401
