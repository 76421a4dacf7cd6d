"""The package's layers, checked on the source: every import (inside functions too) points down.

1. core: ``qdesign.quantum``, ``qdesign.codes``, ``qdesign.optim``, ``qdesign.plugins``
2. solvers: ``qdesign.synthesis``, ``qdesign.reduction``, ``qdesign.qec``
3. environments: ``qdesign.envs``
4. agents and curricula: ``qdesign.agents``, ``qdesign.curricula`` (neither imports the other)
5. harness and one-call API: everything else (tasks, api, training, runs, cli, registry, ...)

No module may import a higher layer, and no set of modules may import each other in a cycle.
``experiments/`` and ``tests/`` sit outside the package and may import anything; nothing installed
may import them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: import name -> source folder (setup.py's package_dir)
PACKAGE_DIRS = {"qdesign": "qdesign", "qdesign.envs": "envs", "qdesign.agents": "agents",
                "qdesign.curricula": "curricula"}
LAYERS: dict[str, int] = {
    "qdesign.quantum": 1, "qdesign.codes": 1, "qdesign.optim": 1, "qdesign.plugins": 1,
    "qdesign.synthesis": 2, "qdesign.reduction": 2, "qdesign.qec": 2,
    "qdesign.envs": 3,
    "qdesign.agents": 4, "qdesign.curricula": 4,
}
HARNESS = 5


def layer_of(module: str) -> tuple[int, str]:
    """(layer, the layer's package) of a module; the harness is everything not listed."""
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix], prefix
    return HARNESS, "qdesign"


def source_modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg, folder in PACKAGE_DIRS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if pkg == "qdesign" and parts and parts[0] in ("envs", "agents", "curricula"):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join([pkg, *parts])] = path
    return mods


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every qdesign module ``name`` imports, wherever the import statement sits."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        out |= {t for t in targets if t == "qdesign" or t.startswith("qdesign.")}
    out.discard(name)
    return out


def import_graph() -> dict[str, set[str]]:
    mods = source_modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def test_modules_found():
    graph = import_graph()
    for expected in ("qdesign.quantum.gatesets", "qdesign.synthesis.mitm", "qdesign.reduction.beam",
                     "qdesign.envs.weight_reduce.seed_env", "qdesign.agents.factory", "qdesign.tasks.base"):
        assert expected in graph
    assert sum(len(v) for v in graph.values()) > 150


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import in ``graph`` that points to a higher layer or across agents/curricula."""
    bad = []
    for module, targets in graph.items():
        layer, pkg = layer_of(module)
        for target in targets:
            t_layer, t_pkg = layer_of(target)
            if t_layer > layer:
                bad.append(f"{module} (layer {layer}) imports {target} (layer {t_layer})")
            elif t_layer == layer == 4 and t_pkg != pkg:
                bad.append(f"{module} imports {target}: agents and curricula are independent")
    return sorted(bad)


def test_no_import_points_up():
    bad = violations(import_graph())
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    # a package's own __init__ importing its submodules is not a cycle of ideas; the plain
    # module-to-module graph must be acyclic
    cycles = _cycles(import_graph())
    assert not cycles, f"import cycles: {cycles}"


def test_installed_code_never_imports_experiments():
    bad = []
    for name, path in source_modules().items():
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(m == "experiments" or m.startswith("experiments.") for m in mods):
                    bad.append(name)
        if "sys.path.insert" in text or "sys.path.append" in text:
            bad.append(f"{name} (edits sys.path)")
    assert not bad, bad


@pytest.mark.parametrize("graph, expected", [
    ({"qdesign.envs.x": {"qdesign.tasks.y"}}, "layer 3) imports qdesign.tasks.y (layer 5"),
    ({"qdesign.synthesis.a": {"qdesign.envs.b"}}, "layer 2) imports qdesign.envs.b (layer 3"),
    ({"qdesign.quantum.a": {"qdesign.api.compile"}}, "layer 1) imports qdesign.api.compile (layer 5"),
    ({"qdesign.agents.a": {"qdesign.curricula.b"}}, "independent"),
])
def test_checker_catches_bad_arrows(graph, expected):
    """The check itself can fail: one bad arrow in a made-up graph is reported."""
    bad = violations(graph)
    assert len(bad) == 1 and expected in bad[0]
    assert violations({"qdesign.tasks.y": {"qdesign.envs.x", "qdesign.quantum.a"}}) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
