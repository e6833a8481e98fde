"""Command groups written elsewhere (fitctl.analyze) plug in through `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys
import types

import pytest
from fitctl.cli import build_parser, main


def test_optional_analyze_group_is_wired(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[argparse.Namespace] = []
    fake = types.ModuleType("fitctl.analyze")

    def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        parser = subparsers.add_parser("analyze", help="analyze locally")
        parser.add_argument("file")
        parser.set_defaults(handler=lambda args: calls.append(args) or 3)

    fake.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fitctl.analyze", fake)
    assert main(["analyze", "x.fit", "--gateway", "http://h:1"]) == 3
    assert calls[0].file == "x.fit" and calls[0].gateway == "http://h:1"


def test_cli_builds_with_whatever_analyze_module_is_installed() -> None:
    # With the real fitctl.analyze present this registers it; without it the other commands still work.
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"upload", "show", "list", "token"} <= set(commands)
