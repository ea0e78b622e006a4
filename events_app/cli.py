"""The operator's command line, `events-app`. Run `events-app --help` for the subcommands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import io
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


async def migrate() -> tuple[int, int]:
    """Apply the migrations not yet run; returns (how many ran now, how many had run before).

    Piccolo's own report counts every migration as "already complete" even on a new database, beside
    "not yet run", so its output is kept for a failure and our own count is printed instead.
    """
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    _setup_database()
    await BaseMigrationManager().create_migration_table()
    before = len(await Migration.get_migrations_which_ran(app_name="events_app"))
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        result = await run_forwards(app_name="events_app")
    if not result.success:
        raise SystemExit(f"migrations failed: {result.message}\n{report.getvalue()}")
    after = len(await Migration.get_migrations_which_ran(app_name="events_app"))
    return after - before, before


def _migration_summary(ran: int, before: int) -> str:
    if ran == 0:
        return f"database up to date ({before} migrations already applied)"
    if before == 0:
        return f"new database: {ran} migrations applied"
    return f"{ran} new migrations applied ({before} were already applied)"


async def _migrate_and_seed() -> tuple[str, dict[str, int]]:
    from events_app.domain.seed import load_seed

    summary = _migration_summary(*await migrate())
    return summary, await load_seed()


def _added(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items())


def cmd_migrate(args: argparse.Namespace) -> None:
    # The reference data (the county's organisations, the council's themes) belongs with the schema: a
    # deployment whose release step is `events-app migrate` must not start with empty lists.
    summary, added = asyncio.run(_migrate_and_seed())
    print(summary)
    print(
        "reference data (organisations, themes, evaluation forms): "
        + (_added(added) + " added" if any(added.values()) else "up to date")
    )


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
    print(_migration_summary(*asyncio.run(migrate())))
    added = asyncio.run(_demo())
    print("demo data loaded: " + _added(added))


def cmd_seed(args: argparse.Namespace) -> None:
    summary, added = asyncio.run(_migrate_and_seed())
    print(summary)
    print("seed loaded: " + _added(added))


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
    from events_app.domain.pdf_drawing import drawing_processes
    from events_app.domain.transactions import engine, start_pool
    from events_app.settings import get_settings

    settings = get_settings()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if not settings.is_sqlite:
            # The sender renders a few mails at once (mail_delivery.RENDER_AHEAD) beside the one it sends.
            await start_pool(engine(), min_size=1, max_size=4)
        try:
            await run_sender(stop, settings)
        finally:
            if not settings.is_sqlite:
                await engine().close_connection_pool()

    with drawing_processes(settings.mail_pdf_processes):
        print(
            "mail sender running"
            + (
                f" (PDFs drawn in {settings.mail_pdf_processes} process"
                + ("es" if settings.mail_pdf_processes > 1 else "")
                + " of its own)"
                if settings.mail_pdf_processes
                else ""
            )
            + "; Ctrl-C stops it"
        )
        asyncio.run(main())


def cmd_purge(args: argparse.Namespace) -> None:
    from events_app.domain.retention import apply_retention

    counts = asyncio.run(apply_retention())
    print("purged: " + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items()))


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from events_app.settings import get_settings

    settings = get_settings()  # a missing setting stops here with one line, before any worker starts
    print(
        "mail: each web process sends it"
        if settings.mail_sender_in_web
        else "mail: left to `events-app worker` (the Procfile's worker), which must run too"
    )
    uvicorn.run(
        "events_app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # No line per request: a path can hold a secret (a private, manage or invitation link), which
        # the app's own error log hides, and formatting the line cost a few per cent of a check-in scan.
        access_log=False,
    )


def cmd_serve(args: argparse.Namespace) -> None:
    _serve(args.host, args.port, args.workers)


def development_base_url(host: str, port: int) -> str:
    """The address links should carry when serving on `host`:`port` in development.

    A wildcard address is where the server listens, not one a browser can open, so links use
    localhost then (set BASE_URL to reach the site from another machine).
    """
    if host in {"0.0.0.0", "::", ""}:
        host = "localhost"
    elif ":" in host:  # an IPv6 address needs brackets in a URL
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _demo_banner(settings) -> str:
    from events_app.domain.seed import DEMO_PASSWORD, DEMO_STAFF

    base_url = settings.base_url
    mail = (
        f"Mail goes to the SMTP server {settings.smtp_host}."
        if settings.smtp_host
        else f"Mail is written as .eml files to {settings.var_dir / 'mail'} instead of being sent."
    )
    width = max(len(email) for email, _, _ in DEMO_STAFF)
    accounts = "\n".join(f"    {email:<{width}}  {role}" for email, _, role in DEMO_STAFF)
    return (
        f"\n  Site: {base_url}/\n"
        f"  Sign in at {base_url}/login with one of the demo accounts:\n{accounts}\n"
        f"  Password (all of them): {DEMO_PASSWORD}\n"
        f"  {mail}\n"
    )


def cmd_dev(args: argparse.Namespace) -> None:
    os.environ["DEV"] = "1"
    # Links in mails, calendar files and certificates must reach this server, whatever port it runs on.
    os.environ.setdefault("BASE_URL", development_base_url(args.host, args.port))
    from events_app.settings import get_settings

    get_settings.cache_clear()
    cmd_demo(args)
    print(_demo_banner(get_settings()))
    _serve(args.host, args.port, args.workers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="events-app", description="Operate the Hållbarhetsrådet events platform.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "dev",
        help="development: apply migrations, load demo data and serve on http://127.0.0.1:8000",
        description="Development mode (DEV=1): apply the migrations, load the seed and demo data (demo "
        "accounts with a published password), print the accounts and serve the site. BASE_URL, the "
        "address in links in mails, calendar files and certificates, follows --host and --port unless "
        "BASE_URL is set in the environment.",
    )
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="number of worker processes (default 1)")
    p.set_defaults(func=cmd_dev)

    p = sub.add_parser("serve", help="serve the site with uvicorn (needs SECRET_KEY and BASE_URL unless DEV=1)")
    p.add_argument("--host", default="0.0.0.0", help="the address to listen on (default 0.0.0.0)")
    p.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="the port (default $PORT or 8000)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="number of worker processes (default $WEB_CONCURRENCY or 2)",
    )
    p.set_defaults(func=cmd_serve)

    sub.add_parser(
        "migrate", help="apply the database migrations and load the organisations and themes (idempotent)"
    ).set_defaults(func=cmd_migrate)
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
