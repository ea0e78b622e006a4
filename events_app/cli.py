"""The operator's command line, `events-app`. Run `events-app --help` for the subcommands."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import sys
from pathlib import Path

from events_app.settings import SettingsError


def _setup_database() -> None:
    """Create the SQLite file's folder and switch it to WAL, so readers never wait for a writer."""
    from events_app.settings import get_settings

    settings = get_settings()
    if settings.is_sqlite:
        import sqlite3

        Path(settings.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(settings.sqlite_path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    _setup_database()
    result = await run_forwards(app_name="events_app")
    if not result.success:
        raise SystemExit(f"migrations failed: {result.message}")


def cmd_migrate(args: argparse.Namespace) -> None:
    asyncio.run(migrate())
    print("migrations applied")


async def _demo() -> dict[str, int]:
    from events_app.domain.seed import load_demo

    return await load_demo()


def cmd_demo(args: argparse.Namespace) -> None:
    from events_app.settings import get_settings

    # The demo accounts' password is printed in the README: never on a production site by accident.
    if not get_settings().dev and not getattr(args, "yes", False):
        raise SystemExit(
            "events-app: the demo creates accounts with a published password; "
            "run it with DEV=1, or pass --yes if you really mean it"
        )
    asyncio.run(migrate())
    added = asyncio.run(_demo())
    print("demo data loaded: " + ", ".join(f"{count} {name}" for name, count in added.items()))


def cmd_seed(args: argparse.Namespace) -> None:
    from events_app.domain.seed import load_seed

    asyncio.run(migrate())
    added = asyncio.run(load_seed())
    print("seed loaded: " + ", ".join(f"{count} {name}" for name, count in added.items()))


def cmd_staff_create(args: argparse.Namespace) -> None:
    from events_app.domain import staff
    from events_app.domain.audit import Actor
    from events_app.domain.errors import DomainError

    password = args.password
    if password is None:
        if not sys.stdin.isatty():
            raise SystemExit("error: give --password, or run in a terminal to be asked for it")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise SystemExit("error: the two passwords differ")
    try:
        asyncio.run(
            staff.create_staff(
                email=args.email,
                name=args.name,
                role=args.role,
                password=password,
                actor=Actor.system(f"command line ({getpass.getuser()})"),
            )
        )
    except DomainError as error:
        raise SystemExit(f"error: {error.translated()}") from None
    print(f"created {args.role} account {args.email}")


def cmd_token_create(args: argparse.Namespace) -> None:
    from events_app.domain import api_tokens
    from events_app.domain.errors import DomainError

    try:
        token = asyncio.run(api_tokens.create_token_for_email(args.email, args.name, days=args.days))
    except DomainError as error:
        raise SystemExit(f"error: {args.email}: {error.translated()}") from None
    print(token)  # only the token on stdout, so a script can capture it


def cmd_worker(args: argparse.Namespace) -> None:
    from events_app.domain.mail_delivery import run_sender
    from events_app.domain.transactions import engine
    from events_app.settings import get_settings

    async def main() -> None:
        settings = get_settings()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if not settings.is_sqlite:
            await engine().start_connection_pool(min_size=1, max_size=2)
        try:
            await run_sender(stop, settings)
        finally:
            if not settings.is_sqlite:
                await engine().close_connection_pool()

    print("mail sender running; Ctrl-C stops it")
    asyncio.run(main())


def cmd_purge(args: argparse.Namespace) -> None:
    from events_app.domain.retention import apply_retention

    counts = asyncio.run(apply_retention())
    print("purged: " + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items()))


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from events_app.settings import get_settings

    settings = get_settings()  # a missing setting stops here with one line, before any worker starts

    uvicorn.run(
        "events_app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


def cmd_serve(args: argparse.Namespace) -> None:
    _serve(args.host, args.port, args.workers)


def cmd_dev(args: argparse.Namespace) -> None:
    os.environ["DEV"] = "1"
    from events_app.settings import get_settings

    get_settings.cache_clear()
    cmd_demo(args)
    print(f"\n  Site: http://{args.host}:{args.port}/   (sign in at /login as organisator@exempel.se)\n")
    _serve(args.host, args.port, args.workers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events-app", description="Operate the Hållbarhetsrådet events platform.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("dev", help="development: apply migrations, load demo data and serve on http://127.0.0.1:8000")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_dev)

    p = sub.add_parser("serve", help="serve the site with uvicorn (needs SECRET_KEY and BASE_URL unless DEV=1)")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    p.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("seed", help="apply migrations and load the organisations and themes (idempotent)").set_defaults(
        func=cmd_seed
    )
    p = sub.add_parser("demo", help="apply migrations and load seed plus demo data (idempotent; DEV=1 or --yes)")
    p.add_argument("--yes", action="store_true", help="load the demo accounts even outside development mode")
    p.set_defaults(func=cmd_demo)
    sub.add_parser("worker", help="run the mail sender until stopped").set_defaults(func=cmd_worker)
    sub.add_parser(
        "purge",
        help="apply the retention rules now: expired rate-limit data, dead mailed links, old delivered "
        "mail, needs and sensitive answers after events, inactive guests, ... (the mail sender does this daily)",
    ).set_defaults(func=cmd_purge)

    staff = sub.add_parser("staff", help="manage staff accounts").add_subparsers(
        dest="staff_command", required=True, metavar="ACTION"
    )
    p = staff.add_parser("create", help="create a staff account")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["admin", "organiser", "checkin"])
    p.add_argument("--password", help="the password; asked for when not given (at least 12 characters)")
    p.set_defaults(func=cmd_staff_create)

    token = sub.add_parser("token", help="manage API tokens").add_subparsers(
        dest="token_command", required=True, metavar="ACTION"
    )
    p = token.add_parser("create", help="make an API token for an active staff account and print it (shown once)")
    p.add_argument("--email", required=True, help="the staff account's email address")
    p.add_argument("--name", default="command line", help="what the token is for, e.g. the program using it")
    p.add_argument("--days", type=int, default=90, help="how many days the token is valid (default 90)")
    p.set_defaults(func=cmd_token_create)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except SettingsError as error:
        raise SystemExit(f"events-app: {error}") from None


if __name__ == "__main__":
    main()
