"""The ``kiosk-backend`` command: serve the API, migrate, seed, register kiosks, manage slip keys."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk_backend.settings_files import ConfigError

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def _not_built(capability: str, issue: int) -> Handler:
    def handler(_args: argparse.Namespace) -> int:
        print(f"kiosk-backend: {capability} is not built yet (issue #{issue}).", file=sys.stderr)
        return EXIT_USAGE

    return handler


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk_backend.app import create_app
    from kiosk_backend.config import load_backend_settings
    from kiosk_backend.db import upgrade_to_head

    settings = load_backend_settings(args.config)
    if settings.database.auto_migrate:
        upgrade_to_head(settings.database_url())
    app = create_app(settings)
    if args.fd is not None:
        uvicorn.run(app, fd=args.fd, log_level=args.log_level, access_log=False)
    else:
        host = args.host or settings.server.host
        port = settings.server.port if args.port is None else args.port
        uvicorn.run(app, host=host, port=port, log_level=args.log_level, access_log=False)
    return EXIT_OK


def _migrate(args: argparse.Namespace) -> int:
    from kiosk_backend.config import load_backend_settings
    from kiosk_backend.db import upgrade_to_head

    settings = load_backend_settings(args.config)
    upgrade_to_head(settings.database_url())
    print("database schema is at the newest revision")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; every command has ``--help`` and takes ``--config PATH``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, metavar="PATH", help="backend TOML file (default: built-in)")

    parser = argparse.ArgumentParser(prog="kiosk-backend", description="社保自助终端 records backend")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="serve the /v1 API")
    serve.add_argument("--host", help="listen address (default from config: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default from config)")
    serve.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # an inherited listening socket (embedded use)
    serve.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", parents=[common], help="create or upgrade the database schema")
    migrate.set_defaults(handler=_migrate)

    seed = commands.add_parser("seed", parents=[common], help="load deterministic synthetic records")
    seed.add_argument("--persons", type=int, default=1000, help="how many people (default 1000)")
    seed.add_argument("--seed", type=int, default=1, help="random seed (same seed, same records)")
    seed.set_defaults(handler=_not_built("seeding synthetic records", 3))

    kiosk = commands.add_parser("kiosk", parents=[common], help="manage registered kiosks")
    kiosk_commands = kiosk.add_subparsers(dest="kiosk_command", required=True, metavar="ACTION")
    add = kiosk_commands.add_parser("add", parents=[common], help="register a kiosk and print its API token once")
    add.add_argument("kiosk_id", metavar="ID")
    add.set_defaults(handler=_not_built("kiosk registration", 3))

    keys = commands.add_parser("keys", parents=[common], help="manage slip signing keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    from kiosk_backend.keys_cli import add_keys_commands

    add_keys_commands(keys_commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 ok, 1 negative answer, 2 usage or configuration error."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"kiosk-backend: {exc}", file=sys.stderr)
        return EXIT_USAGE
