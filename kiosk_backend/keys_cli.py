"""``kiosk-backend keys …``: create, rotate, revoke and export the slip signing keys."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from kiosk_backend.config import BackendSettings, load_backend_settings
from kiosk_backend.db import make_engine, upgrade_to_head
from kiosk_backend.services import slip_keys
from kiosk_backend.services.slip_keys import MasterKey, SlipKeyError
from kiosk_backend.slips.serial import is_valid_serial

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE = 0, 1, 2


def _with_db(
    action: Callable[[Session, BackendSettings, argparse.Namespace], str],
) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        settings = load_backend_settings(args.config)
        url = settings.database_url()
        if settings.database.auto_migrate:
            upgrade_to_head(url)
        engine = make_engine(url)
        try:
            with Session(engine) as db, db.begin():
                print(action(db, settings, args))
        except SlipKeyError as exc:
            print(f"kiosk-backend: {exc.message}", file=sys.stderr)
            return EXIT_NEGATIVE
        except OSError as exc:
            print(f"kiosk-backend: {exc.filename or 'file'}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            engine.dispose()
        return EXIT_OK

    return handler


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _init(db: Session, settings: BackendSettings, _args: argparse.Namespace) -> str:
    master = MasterKey.load_or_create(settings.slip_master_key_path())
    row, created = slip_keys.init_keys(db, master, _now())
    if created:
        return f"created slip signing key {row.kid} (master key: {settings.slip_master_key_path()})"
    return f"slip signing key {row.kid} already exists; nothing changed"


def _rotate(db: Session, settings: BackendSettings, _args: argparse.Namespace) -> str:
    master = MasterKey.load(settings.slip_master_key_path())
    row = slip_keys.rotate_keys(db, master, _now(), settings.slips.validity_days)
    return f"new slip signing key {row.kid}; the previous key verifies until its not_after"


def _revoke(db: Session, _settings: BackendSettings, args: argparse.Namespace) -> str:
    row = slip_keys.revoke_key(db, args.kid, _now())
    return f"revoked slip signing key {row.kid}; its slips now verify as 已撤销"


def _revoke_serial(db: Session, _settings: BackendSettings, args: argparse.Namespace) -> str:
    if not is_valid_serial(args.serial):
        raise SlipKeyError("bad_serial", "a serial is 22 digits")
    slip_keys.revoke_serial(db, args.serial, args.reason, _now())
    return f"revoked slip {args.serial}"


def _export(db: Session, _settings: BackendSettings, args: argparse.Namespace) -> str:
    keys = slip_keys.export_keys(db, args.file)
    return f"wrote {len(keys.keys)} key(s) and {len(keys.revoked_serials)} revoked serial(s) to {args.file}"


def _list(db: Session, _settings: BackendSettings, _args: argparse.Namespace) -> str:
    published = slip_keys.published_keys(db)
    lines = [
        f"{k.kid}  not_before={k.not_before}  not_after={k.not_after}  {'REVOKED' if k.revoked else 'ok'}"
        for k in published.keys
    ]
    return "\n".join(lines) or "no slip signing keys; run `kiosk-backend keys init`"


def add_keys_commands(
    keys_commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register ``keys init|rotate|revoke|revoke-serial|export|list``."""
    init = keys_commands.add_parser("init", parents=[common], help="create the first slip signing key")
    init.set_defaults(handler=_with_db(_init))
    rotate = keys_commands.add_parser("rotate", parents=[common], help="new signing key; the old one keeps verifying")
    rotate.set_defaults(handler=_with_db(_rotate))
    revoke = keys_commands.add_parser("revoke", parents=[common], help="revoke a signing key by kid")
    revoke.add_argument("kid", metavar="KID")
    revoke.set_defaults(handler=_with_db(_revoke))
    serial = keys_commands.add_parser("revoke-serial", parents=[common], help="withdraw one slip")
    serial.add_argument("serial", metavar="SERIAL")
    serial.add_argument("--reason", default="", help="why (kept in the archive)")
    serial.set_defaults(handler=_with_db(_revoke_serial))
    export = keys_commands.add_parser("export", parents=[common], help="write the public keys file for verifiers")
    export.add_argument("file", type=Path, metavar="FILE")
    export.set_defaults(handler=_with_db(_export))
    listing = keys_commands.add_parser("list", parents=[common], help="list the slip signing keys")
    listing.set_defaults(handler=_with_db(_list))
