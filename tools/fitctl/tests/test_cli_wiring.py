"""Every command module is wired into the one parser, and its handler runs with the connection options
accepted after the command too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fitctl.cli import build_parser, main


def test_every_command_is_registered() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(commands) == {"upload", "show", "list", "token", "analyze"}


def test_analyze_runs_through_the_cli_with_options_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_fit = tmp_path / "notes.fit"
    not_fit.write_bytes(b"not a FIT file at all")
    # --gateway after the command is accepted (and unused: analyze runs locally); a failed file → exit 1.
    assert main(["analyze", "--json", str(not_fit), "--gateway", "http://h:1"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["file"] == str(not_fit) and result["error"]
