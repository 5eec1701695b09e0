"""Tenant isolation specs: one entry per endpoint, collected by tests/test_isolation.py.

Each area keeps its own module here exporting ``SPECS``. An entry says how a
user of community A could reach community B's objects through that endpoint
(``foreign``), or why the endpoint has no community object to leak
(``public``: anyone may call it, e.g. the login page or a token link that is
tested separately; ``own``: it only touches the caller's own session or
account).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# A request aimed at community B: (method, url) or (method, url, form_data).
Request = tuple


@dataclass
class Spec:
    kind: str
    reason: str = ""
    build: Callable | None = None
    as_users: tuple[str, ...] = field(default=("a_secretary",))


def foreign(build: Callable, *, as_users: tuple[str, ...] = ("a_secretary", "a_resident", "a_auditor")) -> Spec:
    """``build(world)`` returns requests at community B's objects; each must answer 403 or 404.

    ``world`` is tests.factories.World (world.b has B's case, topic, organization,
    and world.b.extra for objects other areas add with ``world_extras``).
    """
    return Spec("foreign", build=build, as_users=as_users)


def public(reason: str) -> Spec:
    return Spec("public", reason=reason)


def own(reason: str) -> Spec:
    return Spec("own", reason=reason)


def collect_specs() -> dict[str, Spec]:
    import importlib
    import pkgutil

    specs: dict[str, Spec] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for endpoint, spec in getattr(module, "SPECS", {}).items():
            assert endpoint not in specs, f"{endpoint} has two isolation specs"
            specs[endpoint] = spec
    return specs


def collect_world_extras() -> list[Callable]:
    """Functions ``extra(world)`` that add area objects for community B to world.b.extra."""
    import importlib
    import pkgutil

    extras = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        if hasattr(module, "world_extras"):
            extras.append(module.world_extras)
    return extras
