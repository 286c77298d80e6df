"""The house rules, checked on the source (docs/architecture.md).

- Data flows one way: every import of a package module goes down (or sideways within a layer)
  in LAYERS; nothing below the command line imports ``cli``, nothing in the physics imports
  ``studies``, ``plots`` or ``report``.
- No import cycle between the package's modules (function-level imports included).
- The numba kernels import only numpy, numba, llvmlite, math and each other.
- No private name (``_x``) of one module is used in another.
- Library code never prints: only ``cli`` writes to the terminal.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "spinloss"

#: Layers, bottom to top; a module may import modules of its own layer or below.
LAYERS = [
    ("version", "errors"),
    ("units", "progress", "vectors", "names"),
    ("io", "config"),
    ("materials",),
    ("grids", "stack"),
    ("transport",),
    ("thermal",),
    ("dynamics",),
    ("device",),
    ("experiments", "lab", "pbits"),
    ("sweep",),
    ("cells",),
    ("arrays",),
    ("plots",),
    ("report", "studies"),
    ("cli", "__main__", "__init__"),
]
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
KERNELS = ("spinloss.dynamics.kernels", "spinloss.dynamics.rng", "spinloss.pbits.kernels")
KERNEL_IMPORTS = {"numpy", "numba", "llvmlite", "math", "__future__"}
#: Physics and engine layers: everything below studies/plots/report/cli.
PHYSICS_TOP = RANK["cells"]


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def resolve(mod: str, package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom refers to."""
    if node.level == 0:
        return node.module or ""
    base = mod.split(".") if package else mod.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(mod: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names, line) for every import in ``mod`` (any depth)."""
    path = MODULES[mod]
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.append((a.name, [], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            target = resolve(mod, is_package(path), node)
            names = [a.name for a in node.names]
            # "from pkg import submodule" imports the submodule
            subs = [n for n in names if f"{target}.{n}" in MODULES]
            for n in subs:
                out.append((f"{target}.{n}", [], node.lineno))
            rest = [n for n in names if n not in subs]
            if rest or not subs:
                out.append((target, rest, node.lineno))
    return out


def layer_of(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def internal(mod: str) -> bool:
    return mod == "spinloss" or mod.startswith("spinloss.")


def test_layers_exist():
    for mod in MODULES:
        assert layer_of(mod) in RANK, f"{mod}: add its layer to LAYERS (and docs/architecture.md)"


def test_imports_go_down_the_pipeline():
    bad = []
    for mod in MODULES:
        if mod == "spinloss":
            continue  # the public API re-exports from every layer
        rank = RANK[layer_of(mod)]
        for target, _, line in imports_of(mod):
            if not internal(target) or target == "spinloss":
                continue
            t_rank = RANK[layer_of(target)]
            if t_rank > rank:
                bad.append(f"{mod}:{line} imports {target} (layer {layer_of(target)} is above {layer_of(mod)})")
    assert not bad, "\n".join(bad)


def test_nothing_below_imports_cli_studies_plots_report():
    bad = []
    for mod in MODULES:
        if RANK[layer_of(mod)] > PHYSICS_TOP:
            continue
        for target, _, line in imports_of(mod):
            if internal(target) and layer_of(target) in ("cli", "studies", "plots", "report"):
                bad.append(f"{mod}:{line} imports {target}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph = {m: {t for t, _, _ in imports_of(m) if t in MODULES and t != m} for m in MODULES}
    graph["spinloss"] = set()  # the root package only re-exports (its lazy getattr imports nothing back)
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
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
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            strongconnect(v)
    assert not cycles, f"import cycles: {cycles}"


def test_kernels_are_pure():
    for mod in KERNELS:
        for target, _, line in imports_of(mod):
            top = target.split(".")[0]
            assert top in KERNEL_IMPORTS or target in KERNELS, f"{mod}:{line} imports {target}"


def test_no_private_name_used_across_modules():
    bad = []
    for mod in MODULES:
        tree = ast.parse(MODULES[mod].read_text())
        aliases = {}
        for target, names, line in imports_of(mod):
            if not internal(target) or target == mod:
                continue
            for n in names:
                if n.startswith("_") and not n.startswith("__"):
                    bad.append(f"{mod}:{line} imports private {target}.{n}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = resolve(mod, is_package(MODULES[mod]), node)
                for a in node.names:
                    full = f"{target}.{a.name}"
                    if full in MODULES:
                        aliases[a.asname or a.name] = full
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if internal(a.name):
                        aliases[a.asname or a.name.split(".")[0]] = a.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id in aliases and node.attr.startswith("_") and not node.attr.startswith("__"):
                bad.append(f"{mod}:{node.lineno} uses private {aliases[node.value.id]}.{node.attr}")
    assert not bad, "\n".join(bad)


PRINTERS = ("print", "echo", "tqdm")


def test_library_code_never_prints():
    bad = []
    for mod, path in MODULES.items():
        if layer_of(mod) in ("cli", "__main__"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name in PRINTERS:
                    bad.append(f"{mod}:{node.lineno} calls {name}()")
                if name == "write" and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute) \
                        and f.value.attr in ("stdout", "stderr"):
                    bad.append(f"{mod}:{node.lineno} writes to sys.{f.value.attr}")
        for target, _, line in imports_of(mod):
            if target.split(".")[0] in ("tqdm", "click"):
                bad.append(f"{mod}:{line} imports {target}")
    assert not bad, "\n".join(bad)


PLANTS = [
    (test_imports_go_down_the_pipeline, "def _planted():\n    from .cli import common  # noqa\n"),
    (test_nothing_below_imports_cli_studies_plots_report, "def _planted():\n    from . import plots  # noqa\n"),
    (test_no_import_cycles, "def _planted():\n    from . import device  # noqa\n"),
    (test_no_private_name_used_across_modules, "def _planted():\n    from .stack import _kind_pair_key  # noqa\n"),
    (test_library_code_never_prints, "def _planted():\n    print('x')\n"),
]


@pytest.mark.parametrize("rule,code", PLANTS, ids=[r.__name__ for r, _ in PLANTS])
def test_the_checks_bite(rule, code, tmp_path, monkeypatch):
    """A planted violation in transport.py is caught (the rules are not vacuous)."""
    text = (SRC / "transport.py").read_text() + "\n\n" + code
    (tmp_path / "transport.py").write_text(text)
    monkeypatch.setitem(MODULES, "spinloss.transport", tmp_path / "transport.py")
    with pytest.raises(AssertionError, match="transport"):
        rule()
