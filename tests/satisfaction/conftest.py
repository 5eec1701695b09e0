from tests.resolutions.conftest import concluded, drafted, login, published
