"""The import structure of roundtable/ (docs/structure.md): no import circles, and no package
importing one of a higher layer, apart from the listed ones that are still to be undone.

Imports are read from the source with ``ast`` (also those inside functions: a lazy import is
a dependency all the same); imports under ``if TYPE_CHECKING:`` are left out, they exist only
for the type checker (two models that point at each other need them).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "roundtable"

# Lowest first. A module may import its own package and any package of a lower layer.
# "<app>" is the application's own top: roundtable/__init__.py, models.py, cli.py, demo/, templating.py.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("config", "extensions", "i18n"),
    ("core",),
    ("auth",),
    ("communities",),
    ("notifications",),
    ("audit",),
    ("cases",),
    ("meetings",),
    ("ballots",),
    ("live",),
    ("health",),
    ("jobs",),
    ("satisfaction",),
    ("resolutions",),
    ("minutes",),
    ("escalation",),
    ("certificates",),
    ("funds",),
    ("archive",),
    ("open311",),
    ("imports",),
    ("admin",),
    ("<app>",),
)
APP_MODULES = {"roundtable", "models", "cli", "demo", "templating"}

# Imports that still run up a layer: each is work left, not a choice. The test fails when a
# new one appears, and when one listed here is gone (take it off the list).
STILL_UPWARD: dict[tuple[str, str], str] = {
    # The meeting's page shows what later packages hold about it (proxies, outcome, minutes,
    # resolution, satisfaction): to become sections those packages register with meetings.
    ("roundtable.meetings.routes", "roundtable.ballots.routes"): "meeting page: proxies",
    ("roundtable.meetings.routes", "roundtable.live.outcome"): "invitation page: outcome",
    ("roundtable.meetings.routes", "roundtable.minutes.permissions"): "invitation page: minutes review",
    ("roundtable.meetings.routes", "roundtable.minutes.queries"): "meeting page: minutes",
    ("roundtable.meetings.routes", "roundtable.resolutions.queries"): "invitation page: resolution",
    ("roundtable.meetings.routes", "roundtable.satisfaction.queries"): "invitation page: questions",
    ("roundtable.meetings.operations", "roundtable.minutes.operations"): "concluding starts the minutes",
    ("roundtable.meetings.prefill", "roundtable.escalation.models"): "a follow-up meeting's agenda from returns",
    ("roundtable.meetings.prefill", "roundtable.resolutions.models"): "a follow-up meeting's agenda from commitments",
    ("roundtable.meetings.prefill", "roundtable.satisfaction.models"): "a follow-up meeting's agenda from answers",
    ("roundtable.live.routes", "roundtable.resolutions.queries"): "summary page: the resolution",
    ("roundtable.cases.routes", "roundtable.meetings.queries"): "case page: its meetings",
    ("roundtable.auth.home", "roundtable.meetings.models"): "home page: my meetings",
    ("roundtable.auth.home", "roundtable.meetings.queries"): "home page: my meetings",
    ("roundtable.auth.home", "roundtable.resolutions.queries"): "home page: my resolutions",
    ("roundtable.auth.routes", "roundtable.communities.context"): "log-in picks the community",
    ("roundtable.auth.routes", "roundtable.communities.permissions"): "log-in picks the community",
    ("roundtable.auth.cli", "roundtable.communities.models"): "create-user joins a community",
    ("roundtable.auth.cli", "roundtable.communities.operations"): "create-user joins a community",
    ("roundtable.core.permissions", "roundtable.communities.context"): "community_required's current community",
    ("roundtable.audit.anchor", "roundtable.resolutions.pdf"): "reading the record embedded in a PDF",
    ("roundtable.audit.routes", "roundtable.cases.models"): "an auditor's read of a case",
    ("roundtable.resolutions.operations", "roundtable.escalation.models"): "a returned commitment cannot be deleted",
    ("roundtable.resolutions.routes", "roundtable.escalation.queries"): "resolution page: escalations",
    ("roundtable.resolutions.routes", "roundtable.escalation.routes"): "resolution page: escalation forms",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def import_graph() -> dict[str, set[str]]:
    """Module → the roundtable modules it imports."""
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        imported = _imported(ast.parse(path.read_text(encoding="utf-8")), module, path.name == "__init__.py")
        graph[module] = {name for name in imported if name in files and name != module}
    return graph


def package_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in APP_MODULES:
        return "<app>"
    return parts[1]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    layer = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
    upward = set()
    for module, imported in graph.items():
        for target in imported:
            if layer[package_of(target)] > layer[package_of(module)]:
                upward.add((module, target))
    return upward


def test_every_package_has_a_layer():
    layered = {package for packages in LAYERS for package in packages}
    packages = {package_of(module) for module in import_graph()}
    assert packages - layered == set(), "place the new package in LAYERS (and in docs/structure.md)"
    assert layered - packages == set(), "LAYERS names a package that is gone"


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_no_new_upward_import():
    upward = upward_imports(import_graph())
    assert sorted(upward - set(STILL_UPWARD)) == [], "an import runs up a layer: see docs/structure.md"
    assert sorted(set(STILL_UPWARD) - upward) == [], "undone: take it off STILL_UPWARD"


def test_the_check_sees_circles_and_upward_imports():
    """The checks themselves: a made-up circle and a made-up upward import are found."""
    graph = {
        "roundtable.core.a": {"roundtable.cases.models"},
        "roundtable.cases.models": {"roundtable.core.a"},
        "roundtable.cases.queries": {"roundtable.cases.models"},
    }
    assert circles(graph) == [["roundtable.cases.models", "roundtable.core.a"]]
    assert upward_imports(graph) == {("roundtable.core.a", "roundtable.cases.models")}
    lazy = ast.parse("def f():\n    from roundtable.cases import models\nif TYPE_CHECKING:\n    import roundtable.live\n")
    assert _imported(lazy, "roundtable.core.a", False) == {"roundtable.cases", "roundtable.cases.models"}
