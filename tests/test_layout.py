"""The import order of the apps: core <- agencies <- journeys <- consent <- features <- config.
Every module's imports are read (ast), so a new back-edge, a feature reaching into another
feature's models, or an import of the demo data fails here with the file and line.

Run `python -m tests.test_layout` for the edge counts between apps."""

from __future__ import annotations

import ast
import collections
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    ["core"],
    ["agencies"],
    ["journeys"],
    ["consent"],
    ["duplicates", "concerns", "portal", "advocates"],
    ["config"],
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
FEATURES = set(LAYERS[-2])
# Demo and benchmark data may use everything, and nothing may use it.
DEVDATA = "devdata"
APPS = set(RANK) | {DEVDATA}

# The only imports against the order, each with its reason: (importing app, imported module).
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("agencies", "consent.policy"): "every role gate is the policy's; it reads agencies' models only",
    ("journeys", "consent.policy"): "every read and write of case data is scoped by the policy (rule 11)",
    ("journeys", "consent.models"): "the policy's words (categories, bases) name what a record shows",
    ("journeys", "consent.access_log"): "a record shown is logged in the same request (rule 7)",
    ("journeys", "consent.selectors"): "a person's record page lists their consent grants",
    ("consent", "advocates.models"): "rule 3: an advocate sees only the families assigned to them",
}


@dataclass(frozen=True)
class Edge:
    source: str  # module path, e.g. "portal/views.py"
    line: int
    target: str  # dotted module imported, e.g. "consent.policy"
    in_function: bool

    @property
    def apps(self) -> tuple[str, str]:
        return self.source.split("/")[0], self.target.split(".")[0]


def modules():
    for app in sorted(APPS):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix()


def _imports(module: str):
    tree = ast.parse((ROOT / module).read_text())
    package = module.rsplit("/", 1)[0].split("/")
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            dotted = ".".join([*base, node.module] if node.module else base)
            # `from consent import policy` imports the module consent.policy.
            targets = [f"{dotted}.{a.name}" for a in node.names] if dotted in APPS else [dotted]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in APPS:
                yield Edge(module, node.lineno, target, id(node) not in top_level)


def _module(dotted: str) -> str:
    """The app's module an import names: `consent.policy` for `consent.policy.Viewer`."""
    return ".".join(dotted.split(".")[:2])


def edges() -> list[Edge]:
    return [edge for module in modules() for edge in _imports(module) if edge.apps[0] != edge.apps[1]]


def problem(edge: Edge) -> str | None:
    """Why this import breaks the order, or None when it keeps it."""
    source, target = edge.apps
    if (source, _module(edge.target)) in EXCEPTIONS:
        return None
    if target == DEVDATA:
        return "nothing imports the demo data"
    if source == DEVDATA:
        return None
    if RANK[target] > RANK[source]:
        return f"{source} sits below {target}"
    if source in FEATURES and target in FEATURES and edge.target.endswith(".models"):
        return "a feature asks another feature's selectors or services, never its models"
    if RANK[target] == RANK[source] and source not in FEATURES:
        return f"{source} and {target} sit on one floor"
    return None


def counts(found: list[Edge]) -> str:
    tally = collections.Counter(edge.apps for edge in found)
    return "\n".join(f"  {source} -> {target}: {n}" for (source, target), n in sorted(tally.items()))


def test_apps_import_each_other_in_one_direction_only():
    found = edges()
    broken = [f"  {e.source}:{e.line} imports {e.target}: {problem(e)}" for e in found if problem(e)]
    assert not broken, "Imports against the layer order:\n" + "\n".join(broken) + "\nEdges:\n" + counts(found)


def test_no_import_inside_a_function_hides_an_edge():
    """An import moved into a function to dodge a cycle still ties the apps: imports of other
    apps stand at the top of the module, except in an AppConfig's ready() (apps.py)."""
    hidden = [
        f"  {e.source}:{e.line} imports {e.target}"
        for e in edges()
        if e.in_function and not e.source.endswith("/apps.py")
    ]
    assert not hidden, "Function-level imports of other apps:\n" + "\n".join(hidden)


def _file(dotted: str, files: set[str]) -> str | None:
    """The module file an import names: `consent/policy.py` for `consent.policy.Viewer`."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        for candidate in ("/".join(parts[:n]) + ".py", "/".join(parts[:n]) + "/__init__.py"):
            if candidate in files:
                return candidate
    return None


def _reached_from(start: str, graph: dict[str, set[str]]) -> set[str]:
    reached, todo = set(), [start]
    while todo:
        for module in graph[todo.pop()] - reached:
            reached.add(module)
            todo.append(module)
    return reached


def test_no_declared_exception_closes_a_loop_of_modules():
    """An exception lets an app reach up to a module that never reaches back: between modules
    (journeys.models <- consent.policy <- journeys.selectors) the imports stay one way."""
    files = set(modules())
    graph = collections.defaultdict(set)
    for module in files:
        graph[module] |= {_file(e.target, files) for e in _imports(module)} - {None, module}
    loops = [
        f"  {e.source}:{e.line} imports {e.target}, which imports {e.source} back"
        for e in edges()
        if (e.apps[0], _module(e.target)) in EXCEPTIONS
        and e.source in _reached_from(_file(e.target, files), graph)
    ]
    assert not loops, "Declared exceptions that close a loop:\n" + "\n".join(loops)


def test_every_declared_exception_is_still_needed():
    used = {(e.apps[0], _module(e.target)) for e in edges()}
    assert not set(EXCEPTIONS) - used, "Exceptions no import needs any more; remove them."


if __name__ == "__main__":
    sys.stdout.write("Edges between apps (import statements):\n" + counts(edges()) + "\n")
