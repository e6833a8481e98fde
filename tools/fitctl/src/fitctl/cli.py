"""fitctl entry point: builds the argparse tree from one module per command group and runs the handler.

Each module's `register(subparsers)` adds its commands with `parser.set_defaults(handler=...)`; a handler is
`handler(ctx: Context, args: argparse.Namespace) -> int`. Errors end as `fitctl: <what>` on stderr, exit 1.

A command group's module is imported only when one of its commands runs (all of them for `fitctl --help`):
the local commands (`analyze`, `truth`) start without loading gRPC, HTTP clients or auth code, which take
longer to import than a small file takes to analyse.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from .config import ConfigError, Context

#: Each command and the module that registers it (`register(subparsers)`), in `fitctl --help` order.
COMMANDS = {
    "upload": "fitctl.upload",
    "show": "fitctl.activities",
    "list": "fitctl.activities",
    "download": "fitctl.activities",
    "delete": "fitctl.activities",
    "token": "fitctl.devtoken",
    "analyze": "fitctl.analyze",
    "truth": "fitctl.truth",
    "admin": "fitctl.admin",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # reads the installed metadata: on demand

    try:
        return version("fitctl")
    except PackageNotFoundError:
        return "unknown"


class _VersionAction(argparse.Action):
    """`--version`, looking the version up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        parser.exit(message=f"{parser.prog} {_version()}\n")


def _add_connection_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    parser.add_argument(
        "--gateway",
        default=default,
        metavar="URL",
        help="gateway URL (default: $FITCOACH_GATEWAY_URL, else .fitcoach/stack.env)",
    )
    parser.add_argument(
        "--token",
        default=default,
        metavar="TOKEN",
        help="access token (default: $FITCOACH_TOKEN, else a dev token from .fitcoach/stack.env)",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or only with `command`'s group when it names one."""
    parser = argparse.ArgumentParser(
        prog="fitctl",
        description="FitCoach from the command line: upload FIT files, follow their analysis, read the advice.",
    )
    parser.add_argument("--version", action=_VersionAction)
    _add_connection_options(parser, default=None)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        importlib.import_module(module).register(subparsers)
    # --gateway/--token also after the command (`fitctl list --gateway URL`, `fitctl admin stats --token T`);
    # SUPPRESS keeps a value given before the command from being overwritten by the subparser's default.
    _accept_connection_options(subparsers)
    return parser


def _accept_connection_options(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for subparser in subparsers.choices.values():
        known = {opt for action in subparser._actions for opt in action.option_strings}
        if not {"--gateway", "--token"} & known:
            _add_connection_options(subparser, default=argparse.SUPPRESS)
        for action in subparser._actions:  # command groups (fitctl admin ...) have commands of their own
            if isinstance(action, argparse._SubParsersAction):
                _accept_connection_options(action)


def command_of(argv: Sequence[str]) -> str | None:
    """The command `argv` runs (past the global options), or None when it names none (--help, --version)."""
    pre = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    _add_connection_options(pre, default=None)
    pre.add_argument("command", nargs="?")
    try:
        known, _ = pre.parse_known_args(argv)
    except argparse.ArgumentError:
        return None  # the full parser reports it
    return known.command if known.command in COMMANDS else None


def _rpc_error_text(exc: Exception) -> str | None:
    """The description of a gRPC error, None for any other exception. gRPC is loaded only by the commands
    that call the gateway, so an exception of a run that never loaded it is no RpcError."""
    grpc = sys.modules.get("grpc")
    if grpc is None or not isinstance(exc, grpc.RpcError):  # grpc.aio.AioRpcError is a grpc.RpcError too
        return None
    from .client import describe_rpc_error

    return describe_rpc_error(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run fitctl with `argv` (default: sys.argv[1:]) and return the exit code; never calls sys.exit."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_of(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 0
    ctx = Context(gateway_flag=args.gateway, token_flag=args.token)
    try:
        return int(args.handler(ctx, args))
    except ConfigError as exc:
        print(f"fitctl: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("fitctl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`fitctl list | head`): stop quietly, and keep Python's exit-time flush of
        # stdout from raising the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        described = _rpc_error_text(exc)
        if described is None:
            raise
        print(f"fitctl: {described}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
