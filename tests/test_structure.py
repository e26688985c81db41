"""The package's shape: a feature's models and services load without any web layer, and
feature packages import each other in one direction only (no import circle).

Both read the source (ast) or run a fresh interpreter, so they need no app or database."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = "ideenwerkstatt"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
FEATURES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file())


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in ROOT.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return "TYPE_CHECKING" in ast.unparse(test)


def _imports(tree: ast.AST, *, in_function: bool = False):
    """(import node, inside a function?) for every import that runs, skipping the bodies
    of `if TYPE_CHECKING:` (never executed)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(
                    ast.Module(body=[child], type_ignores=[]), in_function=in_function
                )
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function
        function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _imports(node, in_function=in_function or function)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules of this package an import loads (a submodule loads its parents too)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.module else base
        else:
            target = node.module or ""
        names = [target] + [f"{target}.{alias.name}" for alias in node.names]
    loaded = set()
    for name in names:
        parts = name.split(".")
        loaded.update(".".join(parts[:i]) for i in range(2, len(parts) + 1))
    return sorted(name for name in loaded if name in MODULES)


def _unit(module: str) -> str | None:
    """The node a module belongs to: its feature package, or a core module by itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _package_graph() -> dict[str, dict[str, set[str]]]:
    """unit -> unit it imports at module level -> the module pairs responsible."""
    graph: dict[str, dict[str, set[str]]] = {}
    for module, path in MODULES.items():
        source = _unit(module)
        for node, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if in_function:
                continue
            for target in _targets(module, node):
                dest = _unit(target)
                if source and dest and dest != source:
                    graph.setdefault(source, {}).setdefault(dest, set()).add(
                        f"{module} -> {target}"
                    )
    return graph


def _circles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Strongly connected groups of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for other in graph.get(unit, {}):
            if other not in index:
                visit(other)
                low[unit] = min(low[unit], low[other])
            elif other in on_stack:
                low[unit] = min(low[unit], index[other])
        if low[unit] == index[unit]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == unit:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return found


def test_no_import_circle_between_feature_packages():
    graph = _package_graph()
    circles = _circles(graph)
    report = []
    for group in circles:
        report.append(" <-> ".join(group))
        for source in group:
            for dest in group:
                report.extend(f"    {pair}" for pair in sorted(graph.get(source, {}).get(dest, ())))
    assert not circles, "module-level imports go round in a circle:\n" + "\n".join(report)


def test_the_circle_check_finds_a_circle():
    # The check itself: two units importing each other are one circle, a chain is none.
    graph = {"a": {"b": {"x"}}, "b": {"c": {"y"}}, "c": {"a": {"z"}}, "d": {"a": {"w"}}}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _circles({"a": {"b": {"x"}}, "b": {}}) == []


def test_the_graph_sees_module_level_imports_only():
    edges = _package_graph()
    # events.validation reaches ideas and votes only inside a function (see its comment),
    # while ideas.models imports events.models at the top.
    assert "ideas" not in edges.get("events", {})
    assert "ideenwerkstatt.ideas.models -> ideenwerkstatt.events.models" in edges["ideas"]["events"]


def test_imports_inside_functions_in_feature_code_say_which_cycle_they_break():
    """An import inside a function is allowed only to break a real dependency cycle, and a
    comment right above it says which (the word "cycle")."""
    unexplained = []
    for module, path in MODULES.items():
        if module.count(".") < 2:
            continue  # core modules and the package itself
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, in_function in _imports(ast.parse("\n".join(lines))):
            if not in_function:
                continue
            above = "\n".join(lines[max(0, node.lineno - 5) : node.lineno - 1])
            if "cycle" not in above:
                unexplained.append(f"{module}:{node.lineno}: {ast.unparse(node)}")
    assert not unexplained, "imports inside functions without a reason:\n" + "\n".join(unexplained)


def _blueprint_modules() -> set[str]:
    """The modules that create a Flask blueprint (the web layer)."""
    found = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint":
                found.add(module)
    return found


def test_models_and_services_load_without_any_view():
    wanted = [
        f"{PACKAGE}.{feature}.{part}"
        for feature in FEATURES
        for part in ("models", "services")
        if f"{PACKAGE}.{feature}.{part}" in MODULES
    ]
    assert len(wanted) >= 20  # the check must not pass by importing nothing
    script = (
        "import importlib, json, sys\n"
        f"for name in {wanted!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(  # a fresh interpreter: nothing imported by other tests
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT.parent,
        timeout=120,
    )
    loaded = set(json.loads(result.stdout))
    assert set(wanted) <= loaded
    web = _blueprint_modules()
    assert f"{PACKAGE}.ideas.views" in web and f"{PACKAGE}.moderation.people" in web
    views = {name for name in loaded if name.startswith(PACKAGE) and name.endswith("views")}
    assert not views, f"views loaded with models and services: {sorted(views)}"
    assert not web & loaded, f"blueprint modules loaded: {sorted(web & loaded)}"


def test_the_readme_layout_names_every_feature_folder():
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    listed = {line[3:].split("/`", 1)[0] for line in layout.splitlines() if line.startswith("- `")}
    assert listed == set(FEATURES)
