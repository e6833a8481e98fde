"""fitctl entry point: builds the argparse tree from one module per command group and runs the handler.

Each module's `register(subparsers)` adds its commands with `parser.set_defaults(handler=...)`; a handler is
`handler(ctx: Context, args: argparse.Namespace) -> int`. Errors end as `fitctl: <what>` on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import grpc

from . import activities, analyze, devtoken, upload
from .client import describe_rpc_error
from .config import ConfigError, Context


def _version() -> str:
    try:
        return version("fitctl")
    except PackageNotFoundError:
        return "unknown"


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fitctl",
        description="FitCoach from the command line: upload FIT files, follow their analysis, read the advice.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _add_connection_options(parser, default=None)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    upload.register(subparsers)
    activities.register(subparsers)
    devtoken.register(subparsers)
    analyze.register(subparsers)
    # --gateway/--token also after the command (`fitctl list --gateway URL`); SUPPRESS keeps a value given
    # before the command from being overwritten by the subparser's default.
    for subparser in subparsers.choices.values():
        known = {opt for action in subparser._actions for opt in action.option_strings}
        if not {"--gateway", "--token"} & known:
            _add_connection_options(subparser, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run fitctl with `argv` (default: sys.argv[1:]) and return the exit code; never calls sys.exit."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 0
    ctx = Context(gateway_flag=args.gateway, token_flag=args.token)
    try:
        return int(args.handler(ctx, args))
    except ConfigError as exc:
        print(f"fitctl: {exc}", file=sys.stderr)
    except grpc.RpcError as exc:  # grpc.aio.AioRpcError is a grpc.RpcError too
        print(f"fitctl: {describe_rpc_error(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("fitctl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`fitctl list | head`): stop quietly, and keep Python's exit-time flush of
        # stdout from raising the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 1


if __name__ == "__main__":
    sys.exit(main())
