"""`fitctl token`: print a dev-mode access token, e.g. for grpcurl or buf curl against the local stack."""

from __future__ import annotations

import argparse
import uuid

from .config import DEV_TOKEN_TTL_S, Context


def _user_id(text: str) -> str:
    """A UUID as is; a name is the same dev user as the web app's "switch user" with that name."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        pass
    # Imported only here, as in Context.mint_token: the JWT libraries behind it are slow to load, and
    # `fitctl --help` builds this parser too.
    from fitcoach_runtime.auth import dev_user_id

    try:
        return dev_user_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "token",
        help="print a dev token (for grpcurl / buf curl)",
        description="Mint a Supabase-shaped HS256 token with the dev stack's secret (AUTH_MODE=dev only). "
        'Example: grpcurl -plaintext -H "authorization: Bearer $(fitctl token)" HOST:PORT '
        "fitcoach.activity.v1.ActivityService/ListActivities",
    )
    parser.add_argument(
        "--user",
        type=_user_id,
        metavar="UUID|NAME",
        help="act as this user, by id or by dev user name as in the web app (default: the dev user)",
    )
    parser.add_argument("--ttl", type=int, default=DEV_TOKEN_TTL_S, metavar="S", help="lifetime in seconds")
    parser.add_argument(
        "--operator",
        action="store_true",
        help="an operator's token (app_metadata.role=operator), for OpsService and `fitctl admin`",
    )
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    print(ctx.mint_token(user_id=args.user, ttl_s=args.ttl, operator=args.operator))
    return 0
