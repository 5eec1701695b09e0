"""Isolation spec of the health check."""
from tests.isolation import public

SPECS = {
    "health.healthz": public(
        "for the load balancer: says only whether the database, Redis and the worker answer, no community data"
    ),
}
