"""Which package of mihub imports which: one line per package, read from the source (AST).

    python .ci/import_graph.py                 # the working tree
    python .ci/import_graph.py --rev 4d31dae   # any commit, read with git (no checkout)
    python .ci/import_graph.py --rev A --diff B  # the edges B adds and removes against A

A package is a directory with an __init__.py under hub, drivers, scenes or simulators
(`hub.api`, `drivers.miio`, `scenes`, ...). An edge A -> B means a module of A imports
a module of B; edges only made from inside functions (imported when first used) are
marked `(lazy)`. Tests and benchmarks are left out: they may import anything.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOTS = ("hub", "drivers", "scenes", "simulators")
REPO = Path(__file__).resolve().parent.parent

#: package -> {imported package: True when every import of it is inside a function}
Graph = dict[str, dict[str, bool]]


def _sources(rev: str | None) -> dict[str, str]:
    """Path -> text of every .py file under ROOTS, in the working tree or at `rev`."""
    if rev is None:
        return {
            str(path.relative_to(REPO)): path.read_text(encoding="utf-8")
            for root in ROOTS
            for path in sorted((REPO / root).rglob("*.py"))
        }
    listing = _git("ls-tree", "-r", "--name-only", rev, *ROOTS).split()
    return {path: _git("show", f"{rev}:{path}") for path in listing if path.endswith(".py")}


def _git(*args: str) -> str:
    # git itself, with the revision the user named: nothing untrusted runs.
    command = ["git", "-C", str(REPO), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603


def _package_of(module: str, packages: set[str]) -> str | None:
    """The innermost package holding `module` (a dotted name), or None if not ours."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in packages:
            return candidate
    return None


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[tuple[str, bool]]:
    """(imported module, made inside a function) for every import in `tree`."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from the module's own package upwards
                    anchor = module.split(".")
                    anchor = anchor[: len(anchor) - child.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                found.append((base, inner))
                found.extend((f"{base}.{alias.name}", inner) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def build(rev: str | None) -> Graph:
    sources = _sources(rev)
    packages = {
        path.removesuffix("/__init__.py").replace("/", ".")
        for path in sources
        if path.endswith("/__init__.py")
    }
    graph: Graph = {package: {} for package in packages}
    for path, text in sources.items():
        is_package = path.endswith("/__init__.py")
        module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        owner = _package_of(module, packages)
        if owner is None:
            continue
        edges: dict[str, bool] = defaultdict(lambda: True)
        for name, lazy in _imports(ast.parse(text, path), module, is_package):
            target = _package_of(name, packages)
            if target is not None and target != owner:
                edges[target] = edges[target] and lazy
        for target, lazy in edges.items():
            graph[owner][target] = graph[owner].get(target, True) and lazy
    return graph


def render(graph: Graph) -> list[str]:
    lines = []
    for package in sorted(graph):
        targets = [
            f"{target} (lazy)" if lazy else target
            for target, lazy in sorted(graph[package].items())
        ]
        lines.append(f"{package} -> {', '.join(targets) or '(nothing of ours)'}")
    return lines


def diff(before: Graph, after: Graph) -> list[str]:
    lines = []
    for package in sorted(set(before) | set(after)):
        old, new = before.get(package, {}), after.get(package, {})
        if package not in before:
            lines.append(f"+ package {package}")
        if package not in after:
            lines.append(f"- package {package}")
        for target in sorted(set(old) | set(new)):
            if target not in new:
                lines.append(f"- {package} -> {target}")
            elif target not in old:
                lines.append(f"+ {package} -> {target}{' (lazy)' if new[target] else ''}")
            elif old[target] != new[target]:
                lines.append(
                    f"~ {package} -> {target}: {'lazy' if new[target] else 'at import'} now"
                )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rev", help="read the packages at this commit (default: working tree)")
    parser.add_argument("--diff", metavar="REV", help="show what REV ('.' = working tree) changes")
    args = parser.parse_args()
    graph = build(args.rev)
    if args.diff is None:
        print("\n".join(render(graph)))
    else:
        changed = diff(graph, build(None if args.diff == "." else args.diff))
        print("\n".join(changed) or "no change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
