"""The package layers of rag/: a module imports only from its own layer or lower ones.

Upward arrows and cycles are how packages end up importable only together (ingest needed
retrieval, which needed ingest); this walk keeps them out. Every import counts, also one
inside a function or under TYPE_CHECKING: a lazy import is still a dependency, only a
later one. docs/architecture.md describes the layers; this table is the one that is checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAG = ROOT / "rag"

# Lowest first. A name is a module or a package (with everything below it).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("rag.errors", "rag.types", "rag.paths"),
    ("rag.text",),
    ("rag.settings",),
    ("rag.components",),
    ("rag.retrieval",),
    ("rag.ingest",),  # the indexer keeps retrieval's Snapshot fresh: that arrow points down
    ("rag.answer",),
    ("rag.service",),
    ("rag.factory",),
    ("rag.cli", "rag.web", "rag.integrations", "rag.__main__", "rag"),  # "rag": the facade, __init__.py
)
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit(module: str) -> str:
    """The entry of LAYERS a module belongs to: the longest one that is it or holds it."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYER_OF:
            return ".".join(parts[:n])
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every rag module ``path`` imports, anywhere in the file."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) for every rag module ``source``, a module of ``package``, imports.

    Relative imports are resolved, and ``from rag import paths`` names the module
    rag.paths (a name that is no module, ``from rag import Settings``, names the facade).
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((node.lineno, sub if _is_module(sub) else base))
        elif isinstance(node, ast.Call) and _dynamic(node):  # importlib.import_module("rag.x")
            found.append((node.lineno, node.args[0].value))
    return [(line, m) for line, m in found if m == "rag" or m.startswith("rag.")]


def _dynamic(node: ast.Call) -> bool:
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    return (
        name in ("import_module", "__import__")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def edges() -> list[tuple[str, int, str]]:
    """(file, line, imported module) for every import of a rag module by a rag module."""
    return [
        (str(path.relative_to(ROOT)), line, target)
        for path in sorted(RAG.rglob("*.py"))
        for line, target in imported(path)
    ]


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {unit(module_name(p)): set() for p in RAG.rglob("*.py")}
    for file, _, target in edges():
        source, dest = unit(module_name(ROOT / file)), unit(target)
        if dest != source:
            graph[source].add(dest)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def test_no_module_imports_from_a_higher_layer():
    upward = [
        f"{file}:{line} imports {target} (layer {LAYER_OF[unit(target)]}, "
        f"above {unit(module_name(ROOT / file))}'s {LAYER_OF[unit(module_name(ROOT / file))]})"
        for file, line, target in edges()
        if LAYER_OF[unit(target)] > LAYER_OF[unit(module_name(ROOT / file))]
    ]
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_no_cycle_between_packages():
    found = cycles(package_graph())
    assert not found, "cycles between packages: " + "; ".join(" <-> ".join(g) for g in found)


def test_the_walk_sees_lazy_relative_and_from_package_imports():
    source = """
import json
from rag import paths, Settings
from . import reader
from ..retrieval.retriever import Snapshot
def f():
    import rag.answer.checks
    from rag.service import RagService
    importlib.import_module("rag.web.ui")
"""
    assert imports_in(source, "rag.ingest") == [
        (3, "rag.paths"),
        (3, "rag"),
        (4, "rag.ingest.reader"),
        (5, "rag.retrieval.retriever"),
        (7, "rag.answer.checks"),
        (8, "rag.service"),
        (9, "rag.web.ui"),
    ]
    assert unit("rag.text.words") == "rag.text" and unit("rag.paths") == "rag.paths" and unit("rag") == "rag"


def test_cycles_are_found_between_packages_only():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def print_graph() -> None:
    """The package graph, lowest layer first: ``python tests/test_layers.py``."""
    graph = package_graph()
    for name in sorted(graph, key=lambda n: (LAYER_OF[n], n)):
        below = ", ".join(sorted(graph[name], key=lambda n: (LAYER_OF[n], n))) or "-"
        print(f"{LAYER_OF[name]} {name:18} -> {below}")


if __name__ == "__main__":
    print_graph()
