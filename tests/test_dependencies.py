"""constraints.txt pins every direct dependency (the venv and the Docker images install with it): every
package the workspace declares, and every third-party package its Python code imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", "node_modules", ".git", ".fitcoach"}
PROJECTS = sorted(ROOT.glob("*/*/pyproject.toml"))


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def _requirement_name(line: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line.strip())
    assert match, line
    return _normalized(match.group(0))


def _pinned() -> set[str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return {_requirement_name(line) for line in lines if "==" in line and not line.startswith("#")}


def _workspace() -> set[str]:
    return {_normalized(tomllib.loads(p.read_text())["project"]["name"]) for p in PROJECTS}


def _declared() -> dict[str, str]:
    """Requirement name → where it is declared (requirements-dev.txt and every pyproject.toml)."""
    declared = {}
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        if line.strip() and not line.startswith(("#", "-")):
            declared[_requirement_name(line)] = "requirements-dev.txt"
    for project in PROJECTS:
        for requirement in tomllib.loads(project.read_text())["project"].get("dependencies", []):
            declared.setdefault(_requirement_name(requirement), str(project.relative_to(ROOT)))
    return declared


def _python_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]


def _imported_modules() -> dict[str, str]:
    """Top-level module → a file importing it (absolute imports only)."""
    imported = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                imported.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return imported


def test_every_declared_dependency_is_pinned() -> None:
    unpinned = {name: where for name, where in _declared().items() if name not in _pinned() | _workspace()}
    assert unpinned == {}, "declared but not pinned in constraints.txt"


def test_every_imported_package_is_pinned() -> None:
    distributions = packages_distributions()
    files = _python_files()
    local = {p.stem for p in files} | {p.parent.name for p in files}  # modules and packages of this tree
    unpinned = {}
    for module, where in _imported_modules().items():
        if module in sys.stdlib_module_names:
            continue
        owners = {_normalized(d) for d in distributions.get(module, [])}
        if not owners:
            assert module in local, f"{where} imports {module}, which no installed package provides"
            continue
        if not owners & (_pinned() | _workspace()):
            unpinned[module] = (sorted(owners), where)
    assert unpinned == {}, "imported directly but not pinned in constraints.txt"
