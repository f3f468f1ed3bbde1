"""Size and shape of the code, as the architecture issue measures it.

    python scripts/code_metrics.py [TREE]     # TREE: a checkout (default: this one)

Prints the modules over 400 lines and the functions over 60 (application code: migrations,
tests and demo data left out), the circles among top-level imports of the project's modules
(imports inside functions are not counted: they are how a lower floor reaches a higher one
lazily, and are listed apart), and the test functions per folder of tests/.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

APPS = ("betacowork", "members", "events", "collaborations", "api", "bench", "scripts")
MODULE_LIMIT, FUNCTION_LIMIT = 400, 60


def application_modules(root: Path) -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            rel = path.relative_to(root)
            if "migrations" in rel.parts or rel.name.startswith("demo") or "demo" in rel.parts:
                continue
            name = ".".join(rel.with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def long_functions(tree: ast.AST, module: str):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > FUNCTION_LIMIT:
                yield length, f"{module}.{node.name}"


def imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph(modules: dict[str, Path], trees: dict[str, ast.AST]):
    top, lazy = {}, set()
    for module, tree in trees.items():
        is_package = modules[module].name == "__init__.py"
        edges = set()
        for node in tree.body:  # module level only (and inside `if TYPE_CHECKING` is skipped)
            for name in imported(node, module, is_package):
                target = resolve(name, modules)
                if target and target != module:
                    edges.add(target)
        top[module] = edges
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    for name in imported(inner, module, is_package):
                        target = resolve(name, modules)
                        if target and target != module:
                            lazy.add((module, target))
    return top, lazy


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return found


def package_parents(module: str, modules: dict[str, Path]) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in modules}


def main(root: Path) -> None:
    modules = application_modules(root)
    trees = {m: ast.parse(p.read_text(), str(p)) for m, p in modules.items()}

    sizes = sorted(
        ((len(p.read_text().splitlines()), str(p.relative_to(root))) for p in modules.values()),
        reverse=True,
    )
    big = [(n, f) for n, f in sizes if n > MODULE_LIMIT]
    print(f"modules over {MODULE_LIMIT} lines: {len(big)}")
    for n, f in big:
        print(f"  {n:5d}  {f}")

    functions = sorted((f for m, t in trees.items() for f in long_functions(t, m)), reverse=True)
    print(f"functions over {FUNCTION_LIMIT} lines: {len(functions)}")
    for n, f in functions:
        print(f"  {n:5d}  {f}")

    top, lazy = import_graph(modules, trees)
    # A package importing its own submodules (re-exports) is not a circle of the design.
    graph = {m: {t for t in ts if m not in package_parents(t, modules)} for m, ts in top.items()}
    found = circles(graph)
    print(f"circles among top-level imports: {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))
    back = sorted((a, b) for a, b in lazy if a in graph.get(b, set()) or a in top.get(b, set()))
    print(f"function-level imports that close a loop with a top-level one: {len(back)}")
    for a, b in back:
        print(f"  {a} -> {b} (inside a function)")

    tests = Counter()
    for path in sorted((root / "tests").rglob("test_*.py")):
        folder = path.relative_to(root / "tests").parts[0]
        if folder.endswith(".py"):
            folder = "(top)"
        tree = ast.parse(path.read_text(), str(path))
        tests[folder] += sum(
            1
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name.startswith("test_")
        )
    print(f"test functions per folder of tests/ ({sum(tests.values())} in all):")
    for folder, count in sorted(tests.items()):
        print(f"  {count:5d}  {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent))
