"""The docs say what the code does: every variable a service reads is in the configuration table, and every
test docs/reliability.md cites as evidence exists.

The full configuration table is docs/architecture.md's ("Processes and configuration"); README.md's
"Configuration" table shows the main variables and points to it, so it may name only documented ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from advisor_service.settings import AdvisorSettings
from analyzer_service.settings import AnalyzerSettings
from fitcoach_runtime.settings import env_names
from fitcoach_web.settings import WebSettings
from upload_service.settings import UploadSettings

ROOT = Path(__file__).resolve().parents[1]
# What each process loads at start (load_settings in its main).
SETTINGS = (UploadSettings, AnalyzerSettings, AdvisorSettings, WebSettings)
# Documented on purpose as read by nobody (the row says why).
NOT_READ = {"R2_PUBLIC_URL"}


def _table_variables(path: Path, heading: str) -> set[str]:
    """The variables named in the first column of the table under `heading`."""
    section = path.read_text().split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|") and not line.startswith("| ---")]
    return {name for row in rows[1:] for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


@pytest.fixture(scope="module")
def documented() -> set[str]:
    return _table_variables(ROOT / "docs" / "architecture.md", "## Processes and configuration")


def test_every_variable_a_service_reads_is_in_the_configuration_table(documented: set[str]) -> None:
    read = {name for settings in SETTINGS for name in env_names(settings)}
    assert sorted(read - documented) == []
    assert sorted(documented - read - NOT_READ) == []  # and no row for a variable nothing reads


def test_the_readme_names_only_documented_variables(documented: set[str]) -> None:
    named = _table_variables(ROOT / "README.md", "## Configuration")
    assert named and sorted(named - documented) == []


def _cited_tests() -> list[tuple[str, str | None]]:
    """(file, test name or None) for each file and test docs/reliability.md cites: `path/test_x.py::test_y`,
    `::test_z` (of the test module named last), or a file alone."""
    cited: list[tuple[str, str | None]] = []
    last_module = ""
    for token in re.findall(r"`([^`\s]+)`", (ROOT / "docs" / "reliability.md").read_text()):
        path, _, name = token.partition("::")
        if path.endswith(".py") and "/" in path:
            if Path(path).name.startswith("test_"):
                last_module = path
        elif not (path == "" and name):
            continue
        cited.append((path or last_module, re.sub(r"\[.*\]$", "", name) or None))
    return cited


def test_every_test_the_reliability_doc_cites_exists() -> None:
    cited = _cited_tests()
    assert len(cited) > 100  # the doc's evidence was found at all
    missing = []
    for path, name in cited:
        files = sorted(ROOT.glob(path.replace("/.../", "/**/")))
        if not files:
            missing.append(path)
        elif name and not re.search(rf"^(async )?def {name}\(", files[0].read_text(), re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []


def test_every_test_the_reliability_doc_names_bare_exists() -> None:
    """Tests named without their file (`test_x`) are defined in some test module."""
    text = (ROOT / "docs" / "reliability.md").read_text()
    bare = set(re.findall(r"`(test_\w+)`", text))
    defined = {
        name
        for module in ROOT.glob("*/**/test_*.py")
        if ".venv" not in module.parts and "node_modules" not in module.parts
        for name in re.findall(r"^(?:async )?def (test_\w+)\(", module.read_text(), re.MULTILINE)
    }
    assert bare and sorted(bare - defined) == []
