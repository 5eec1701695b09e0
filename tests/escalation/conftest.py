"""A published resolution whose commitments the tests let run towards and past their deadlines."""
from tests.resolutions.conftest import concluded, drafted, login, published
