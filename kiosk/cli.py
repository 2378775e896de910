"""The ``kiosk`` command: run the kiosk, simulate a card, read a card, verify a slip, diagnose, check the journal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk_backend.settings_files import ConfigError

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def _run(args: argparse.Namespace) -> int:
    from kiosk.config import load_kiosk_settings
    from kiosk.journal import JournalUnavailable
    from kiosk.runtime import run_kiosk

    settings = load_kiosk_settings(args.config)
    try:
        return run_kiosk(settings, demo=args.demo)
    except JournalUnavailable as exc:  # a kiosk that cannot keep its journal must not serve
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_NEGATIVE


def _doctor(args: argparse.Namespace) -> int:
    from kiosk.config import load_kiosk_settings
    from kiosk.services.diagnostics import run_diagnostics

    settings = load_kiosk_settings(args.config)
    all_ok = True
    for check in run_diagnostics(settings):
        all_ok &= check.ok
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    return EXIT_OK if all_ok else EXIT_NEGATIVE


def _journal_verify(args: argparse.Namespace) -> int:
    from kiosk.config import load_kiosk_settings
    from kiosk.journal import Journal, JournalUnavailable

    directory: Path = args.dir or load_kiosk_settings(args.config).resolved_data_dir() / "journal"
    if not (directory / "journal.sqlite3").is_file():
        print(f"kiosk: no journal in {directory}", file=sys.stderr)
        return EXIT_USAGE
    try:
        journal = Journal(directory)
    except JournalUnavailable as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = journal.verify()
    journal.close()
    if result.ok:
        print(f"journal ok: {result.entries} entries, chain and head intact ({directory})")
        return EXIT_OK
    print(f"JOURNAL TAMPERED OR DAMAGED: {result.problem} ({directory})")
    return EXIT_NEGATIVE


def _card_sim(args: argparse.Namespace) -> int:
    from kiosk.cardreader.emulator.sim import main_entry

    return main_entry(args.card, args.vpcd)


def _card_info(args: argparse.Namespace) -> int:
    import getpass
    import json

    from kiosk.cardreader.errors import CardError, PinFormatError
    from kiosk.cardreader.pcsc import PcscTransport, list_readers
    from kiosk.cardreader.pin import Pin
    from kiosk.services.card_info import first_reader_with_card, read_card_info

    def ask_pin() -> Pin | None:
        digits = getpass.getpass("PIN (v3 card; Enter = card identification only): ", stream=sys.stderr).strip()
        return Pin(digits) if digits else None

    try:
        readers = [args.reader] if args.reader else list_readers()
        transport = first_reader_with_card(readers, PcscTransport)
        try:
            info = read_card_info(transport, ask_pin)
        finally:
            transport.disconnect()
    except PinFormatError as exc:
        print(f"kiosk card-info: {exc.message('zh')} / {exc.message('en')}", file=sys.stderr)
        return EXIT_USAGE
    except CardError as exc:
        print(f"kiosk card-info: {exc.message('zh')} / {exc.message('en')} [{exc.code}]", file=sys.stderr)
        return EXIT_NEGATIVE
    print(json.dumps({"reader": transport_reader(transport), **info}, ensure_ascii=False, indent=2))
    return EXIT_OK


def transport_reader(transport: object) -> str | None:
    """The reader name of a PC/SC transport."""
    return getattr(transport, "reader", None)


def _verify_slip(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from kiosk.services.slip_verification import UnreadableSlip, describe, printed_mismatches, verify_source
    from kiosk_backend.slips.verify import Keyring

    if args.public_key is not None:
        try:
            keyring = Keyring.from_json(args.public_key.read_bytes())
        except (OSError, ValidationError, ValueError):
            print(f"kiosk: {args.public_key} is not a slip keys file (kiosk-backend keys export)", file=sys.stderr)
            return EXIT_USAGE
    else:  # only the keys of the backend this kiosk is configured for, never a host named inside the QR
        from kiosk.backend_client.http_client import HttpBackend
        from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
        from kiosk.config import load_kiosk_settings

        settings = load_kiosk_settings(args.config)
        backend = HttpBackend(settings.backend.url, timeout_s=settings.backend.timeout_s)
        try:
            keyring = Keyring.from_wire(backend.slip_keys())
        except (BackendUnavailable, BackendRejected) as exc:
            print(
                f"kiosk: cannot get the slip keys from {settings.backend.url}: {exc}; use --public-key", file=sys.stderr
            )
            return EXIT_USAGE
        finally:
            backend.close()
    try:
        verification = verify_source(args.slip, keyring)
    except UnreadableSlip as exc:
        print(f"kiosk: unreadable slip: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(describe(verification)))
    altered = printed_mismatches(args.slip, verification) if verification.genuine else []
    if altered:
        print("印刷内容与签名内容不一致 / printed text differs from the signed content: " + ", ".join(altered))
        return EXIT_NEGATIVE
    return EXIT_OK if verification.genuine else EXIT_NEGATIVE


def _staff_passphrase(args: argparse.Namespace) -> int:
    """Print the argon2 hash for ``[staff] passphrase_hash``; the passphrase is read without echo (or from stdin)."""
    import getpass

    from kiosk.services.staff_auth import hash_passphrase

    if args.stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
    else:
        passphrase = getpass.getpass("maintenance passphrase: ")
        if getpass.getpass("again: ") != passphrase:
            print("kiosk: the two entries differ", file=sys.stderr)
            return EXIT_USAGE
    try:
        print(hash_passphrase(passphrase))
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; every command has ``--help`` and takes ``--config PATH``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, metavar="PATH", help="kiosk TOML file (default: built-in)")

    parser = argparse.ArgumentParser(prog="kiosk", description="社保自助终端 social security self-service kiosk")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="run the kiosk full screen")
    run.add_argument("--demo", action="store_true", help="embedded backend, virtual card reader, directory printer")
    run.set_defaults(handler=_run)

    sim = commands.add_parser("card-sim", parents=[common], help="put a virtual card into a real pcscd (vpcd)")
    sim.add_argument("--card", metavar="NAME", help="card id from config/demo-cards.toml (default: the first)")
    sim.add_argument("--vpcd", metavar="HOST:PORT", default="127.0.0.1:35963", help="vpcd address")
    sim.set_defaults(handler=_card_sim)

    verify = commands.add_parser("verify-slip", parents=[common], help="verify a record slip (exit 0 genuine)")
    verify.add_argument("slip", metavar="PDF|PNG|QR-TEXT")
    verify.add_argument("--public-key", type=Path, metavar="PATH", help="exported slip keys file")
    verify.set_defaults(handler=_verify_slip)

    info = commands.add_parser("card-info", parents=[common], help="print the card in the first reader (masked)")
    info.add_argument("--reader", metavar="NAME", help="PC/SC reader name (default: the first with a card)")
    info.set_defaults(handler=_card_info)

    doctor = commands.add_parser("doctor", parents=[common], help="check configuration and connections")
    doctor.set_defaults(handler=_doctor)

    journal = commands.add_parser("journal", parents=[common], help="the electronic journal")
    journal_commands = journal.add_subparsers(dest="journal_command", required=True, metavar="ACTION")
    verify_journal = journal_commands.add_parser("verify", parents=[common], help="check the hash chain")
    verify_journal.add_argument("--dir", type=Path, metavar="DIR", help="a journal directory (e.g. an export)")
    verify_journal.set_defaults(handler=_journal_verify)

    staff = commands.add_parser(
        "staff-passphrase", parents=[common], help="print the argon2 hash of a maintenance passphrase"
    )
    staff.add_argument("--stdin", action="store_true", help="read the passphrase from standard input (no prompt)")
    staff.set_defaults(handler=_staff_passphrase)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 ok, 1 negative answer, 2 usage or configuration error."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE
