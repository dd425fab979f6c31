"""Every third-party module the code imports is a declared dependency in pyproject.toml.

An import satisfied only because another package happened to pull it in (httpx was) breaks on
the next lock update. The distribution behind each imported top-level module is found with
importlib.metadata, then looked up among `dependencies` and the `dev` extra (tests, bench).
"""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
RUNTIME = ["assets", "resources", "sensors", "service", "definitions.py"]
DEV = ["tests", "bench", ".ci"]
LOCAL = {
    "assets",
    "resources",
    "sensors",
    "service",
    "definitions",
    "fixtures",
    "bench",
    "deploy",
    "tests",
    *(p.stem for folder in ("tests", "bench") for p in (CHECKOUT / folder).glob("*.py")),
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]

    def names(specs):
        return {_norm(re.split(r"[\[<>=!~; ]", s, maxsplit=1)[0]) for s in specs}

    return names(project["dependencies"]), names(project["optional-dependencies"].get("dev", []))


def _imports(paths: list[str]) -> dict[str, str]:
    """top-level module -> a file importing it (absolute imports only)."""
    found: dict[str, str] = {}
    for entry in paths:
        root = CHECKOUT / entry
        files = [root] if root.is_file() else [*root.rglob("*.py")]
        for file in files:
            if ".venv" in file.parts:
                continue
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    mods = [node.module]
                else:
                    continue
                for mod in mods:
                    found.setdefault(mod.split(".")[0], str(file.relative_to(CHECKOUT)))
    return found


def undeclared(paths: list[str], allowed: set[str]) -> list[str]:
    dists = packages_distributions()
    missing = []
    for module, where in sorted(_imports(paths).items()):
        if module in LOCAL or module in sys.stdlib_module_names or module == "__future__":
            continue
        providers = {_norm(d) for d in dists.get(module, [])}
        if not providers:
            missing.append(f"{module} (imported in {where}): no installed distribution")
        elif not providers & allowed:
            missing.append(f"{module} (imported in {where}): from {sorted(providers)}, not declared")
    return missing


def test_runtime_imports_are_runtime_dependencies():
    runtime, _ = _declared()
    assert undeclared(RUNTIME, runtime) == []


def test_test_and_bench_imports_are_declared():
    runtime, dev = _declared()
    assert undeclared(DEV, runtime | dev) == []
