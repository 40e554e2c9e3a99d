"""The house rules of `importer/`: no import circles, layers that import only downwards, rooms of a size.

Every import is read from the source (module level, inside functions and under TYPE_CHECKING alike), so a
lazy import cannot hide a circle. The layers are the README's "Layout" section, lowest first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "importer"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "exitcodes", "model", "sandbox"),
    ("normalize", "readers", "dex", "report"),
    ("mapping",),
    ("send",),
    ("journal",),
    ("plan",),
    ("preview", "importing"),
    ("demo", "cli", "__init__", "__main__"),
)
"""Each room (a folder, or a module directly in importer/) may import only from its own layer and those above."""

MAX_LINES = 450
MAX_TOP_MODULES = 12


def module_name(path: Path, root: Path = ROOT) -> str:
    """Returns the dotted name of `path` under `root` (``importer.plan.merge``; a package is its __init__)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> Iterator[str]:
    """Yields every module of the `importer` package that `path` imports, wherever the import statement is."""
    package = module_name(path, root).split(".") if path.name == "__init__.py" else module_name(path, root).split(
        ".")[:-1]
    known = {module_name(p, root) for p in root.rglob("*.py")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            # `from importer.plan import merge` imports the module importer.plan.merge
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in names:
            if name == "importer" or name.startswith("importer."):
                while name not in known and "." in name:
                    name = name.rsplit(".", 1)[0]
                yield name


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Returns each module of the package and the package modules it imports (itself left out)."""
    return {module_name(p, root): set(imports_of(p, root)) - {module_name(p, root)} for p in root.rglob("*.py")}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Returns one circle through each strongly connected group of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def room(module: str) -> str:
    """Returns the room of `module`: its folder under importer/, or its own name for a top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer(room_name: str) -> int:
    """Returns the layer `room_name` sits in (0 is the lowest)."""
    for n, rooms in enumerate(LAYERS):
        if room_name in rooms:
            return n
    raise AssertionError(f"importer/{room_name} is in no layer: add it to LAYERS and to the README's Layout")


def test_no_module_imports_itself_around_a_circle() -> None:
    assert cycles(graph()) == []


def test_no_folder_imports_itself_around_a_circle() -> None:
    rooms: dict[str, set[str]] = {}
    for module, targets in graph().items():
        rooms.setdefault(room(module), set()).update(room(t) for t in targets if room(t) != room(module))
    assert cycles(rooms) == []


def test_every_import_goes_to_the_same_layer_or_a_lower_one() -> None:
    upward = sorted(f"{module} imports {target}" for module, targets in graph().items() for target in targets
                    if layer(room(target)) > layer(room(module)))
    assert upward == []


def test_the_sandbox_imports_nothing_else_of_the_importer() -> None:
    outside = sorted(f"{module} imports {target}" for module, targets in graph().items()
                     if room(module) == "sandbox" for target in targets if room(target) != "sandbox")
    assert outside == []


def test_every_module_is_of_a_readable_size() -> None:
    long = sorted(f"{p.relative_to(ROOT.parent)}: {n} lines" for p in ROOT.rglob("*.py")
                  if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES)
    assert long == []


def test_few_modules_sit_directly_in_the_package() -> None:
    top = sorted(p.name for p in ROOT.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_every_folder_says_what_is_in_it() -> None:
    bare = sorted(str(p.relative_to(ROOT.parent)) for p in ROOT.glob("*/__init__.py")
                  if len((ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or "").split()) < 15)
    assert bare == []


@pytest.mark.parametrize("edges, circle", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set(), "c": {"b"}}, []),
    ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
])
def test_cycles_finds_each_circle_and_nothing_else(edges: dict[str, set[str]], circle: list[list[str]]) -> None:
    assert sorted(cycles(edges)) == circle


def test_a_lazy_import_inside_a_function_still_counts(tmp_path: Path) -> None:
    pkg = tmp_path / "importer"
    (pkg / "plan").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "plan" / "__init__.py").write_text("")
    (pkg / "plan" / "plan.py").write_text("def f():\n    from importer.preview import g\n")
    (pkg / "preview.py").write_text("from importer.plan.plan import f\nfrom . import model\n")
    (pkg / "model.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .plan import plan\n")
    edges = graph(pkg)
    assert edges["importer.plan.plan"] == {"importer.preview"}
    assert edges["importer.preview"] == {"importer.plan.plan", "importer.model"}
    assert edges["importer.model"] == {"importer.plan.plan"}
    assert cycles(edges) == [["importer.model", "importer.plan.plan", "importer.preview"]]
