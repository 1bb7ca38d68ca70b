"""Dependencies point down (issue 26): the packages of ``app`` form layers, and a package
imports only from its own layer's packages below it. Every import counts, the ones inside
functions too, so a lazy import cannot hide a loop. The picture is in docs/development.md.

Read with ``ast``, not by importing: the test sees what the code says, whatever ran first.
"""

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).parent.parent / "app"

#: bottom to top. A package imports from packages in lower layers, never from its own layer
#: or a higher one. ``config`` and ``extensions`` are plumbing beside ``core``.
LAYERS: list[set[str]] = [
    {"config"},
    {"extensions"},
    {"core"},
    {"auth", "guides"},
    {"participants"},
    {"offers"},
    {"consent"},
    {"interviews"},
    {"transcripts"},
    {"releases"},
    {"codebook"},
    {"workspace"},
    {"rounds", "exchange"},
    {"themes"},
    {"reviews"},
    {"goals"},
    {"letters", "casereview"},
    {"privacy", "admin"},
    # the start page: what each of the user's roles has waiting, from any area
    {"main"},
    # the only packages above the areas: data built through every area's services
    {"demo", "benchdata"},
    # the factory and the command line (one root) put it all together
    {"app"},
]

#: the imports that still point up, each with why it is left; the list only shrinks
#: (an entry that no longer occurs fails the test too).
LEFT: dict[tuple[str, str], str] = {}


def _layer_of(package: str) -> int:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    raise AssertionError(f"app/{package} is in no layer: add it to LAYERS here")


#: the modules of the root, which call each other: the factory and its command line
_ROOT = {"__init__", "cli"}


def _package(path: Path) -> str:
    """``app/consent/gate.py`` -> ``consent``; ``app/config.py`` -> ``config``."""
    parts = path.relative_to(APP).parts
    name = parts[0] if len(parts) > 1 else Path(parts[0]).stem
    return "app" if name in _ROOT else name


def _imported(node, path: Path) -> list[str]:
    """The ``app`` modules (dotted, without ``app.``) that an import node names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:  # relative: resolve against the file's own package
            base = list(path.relative_to(APP.parent).with_suffix("").parts)[: -node.level]
            names = [".".join(base + ([node.module] if node.module else []))]
        else:
            names = [node.module or ""]
        if names == ["app"]:  # ``from app import config``; ``from app import create_app``
            names = [
                f"app.{alias.name}"
                if (APP / alias.name).is_dir() or (APP / f"{alias.name}.py").exists()
                else "app.__init__"
                for alias in node.names
            ]
    return [name.removeprefix("app.") for name in names if name.startswith("app.")]


def imports() -> list[tuple[str, str, str, int, bool]]:
    """Every import of another ``app`` package: (file, from, to, line, at module top)."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        source = _package(path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(node, path):
                target = name.split(".")[0]
                target = "app" if target in _ROOT else target
                if target != source:
                    rel = path.relative_to(APP).as_posix()
                    found.append((rel, source, target, node.lineno, id(node) in top))
    return found


def cycle(edges: set[tuple[str, str]]) -> list[str]:
    """One cycle in the package graph, or [] (a depth-first search)."""
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_every_import_points_down():
    up = {(f, b) for f, a, b, _line, _top in imports() if _layer_of(b) >= _layer_of(a)}
    new = sorted(f"app/{f} imports app.{b}" for f, b in up - LEFT.keys())
    gone = sorted(f"app/{f} -> app.{b}" for f, b in LEFT.keys() - up)
    assert not new, "imports that point up or sideways (invert them through a registry):\n" + (
        "\n".join(new)
    )
    assert not gone, "fixed, so take them out of LEFT:\n" + "\n".join(gone)


def test_no_cycle_between_the_packages_but_the_ones_left():
    left = {(f.split("/")[0].removesuffix(".py"), b) for f, b in LEFT}
    edges = {(a, b) for _f, a, b, _line, _top in imports()}
    assert cycle(edges - left) == []


def test_cross_package_imports_are_at_module_top():
    # The factory and the command line import the areas when they are called, so that
    # ``import app.config`` does not load every area; below them an import is a dependency,
    # and it is declared where a reader looks for it.
    inner = sorted(
        f"app/{f}:{line} imports app.{b}"
        for f, a, b, line, top in imports()
        if not top and a not in LAYERS[-1] and (f, b) not in LEFT
    )
    assert not inner, "move these to the top of the module:\n" + "\n".join(inner)
