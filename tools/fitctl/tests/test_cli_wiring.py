"""Every command is registered by its module, its handler runs with the connection options accepted
after the command too, and a local command loads no network code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fitctl.cli import COMMANDS, build_parser, command_of, main


def _commands(parser: object) -> set[str]:
    return set(parser._subparsers._group_actions[0].choices)  # type: ignore[attr-defined]


def test_the_full_parser_has_every_command() -> None:
    assert _commands(build_parser()) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_is_registered_by_its_module(command: str) -> None:
    assert command in _commands(build_parser(command))


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["analyze", "x.fit", "--json"], "analyze"),
        (["--gateway", "http://h:1", "list"], "list"),
        (["--gateway=http://h:1", "--token", "t", "truth", "dir"], "truth"),
        (["--version"], None),
        (["--help"], None),
        (["nonsense"], None),
        ([], None),
    ],
)
def test_the_command_is_found_past_the_global_options(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


def test_connection_options_work_before_and_after_the_command() -> None:
    after = build_parser("list").parse_args(["list", "--gateway", "http://h:1"])
    before = build_parser("list").parse_args(["--gateway", "http://h:1", "list"])
    assert after.gateway == before.gateway == "http://h:1"


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nonsense"]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["analyze", "truth"])
def test_local_commands_load_no_grpc_http_or_auth_code(command: str) -> None:
    # The point of importing a command's module only when it runs: `fitctl analyze` starts fast.
    code = (
        "import sys; from fitctl.cli import main; "
        f"main([{command!r}, '/nonexistent/x.fit']); "
        "print(sorted(m for m in ('grpc', 'httpx', 'jwt', 'tqdm', 'fitcoach_runtime.auth') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_analyze_runs_through_the_cli_with_options_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_fit = tmp_path / "notes.fit"
    not_fit.write_bytes(b"not a FIT file at all")
    # --gateway after the command is accepted (and unused: analyze runs locally); a failed file → exit 1.
    assert main(["analyze", "--json", str(not_fit), "--gateway", "http://h:1"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["file"] == str(not_fit) and result["error"]
