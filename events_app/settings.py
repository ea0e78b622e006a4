"""Every setting, read from the environment in one place.

Each field below is documented in the README. Outside development mode a missing SECRET_KEY or
BASE_URL stops start-up: a production site must not sign cookies with a made-up key nor write links
to the wrong host into mails.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TIME_ZONE = "Europe/Stockholm"
LANGUAGES = ("sv", "en")


class SettingsError(SystemExit):
    """A setting is missing or malformed; the message is one line for the operator."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _database_url(env: dict[str, str], var_dir: Path) -> str:
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'events.sqlite'}"
    if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise SettingsError("DATABASE_URL must start with sqlite:/// or postgresql://")
    return database_url


def _secret_key_and_base_url(env: dict[str, str], dev: bool, var_dir: Path) -> tuple[str, str]:
    """Both required outside development, where a made-up key or address would be a silent fault."""
    secret_key = env.get("SECRET_KEY", "")
    base_url = env.get("BASE_URL", "").rstrip("/")
    if not dev:
        if not secret_key:
            raise SettingsError("SECRET_KEY is not set (set it, or DEV=1 for development)")
        if not base_url:
            raise SettingsError("BASE_URL is not set (set it, or DEV=1 for development)")
    if not secret_key:
        secret_key = _development_secret(var_dir)
    if len(secret_key) < 16:
        raise SettingsError("SECRET_KEY must be at least 16 characters long")
    return secret_key, base_url or "http://127.0.0.1:8000"


def _smtp_tls_and_port(env: dict[str, str]) -> tuple[str, int]:
    smtp_tls = (env.get("SMTP_TLS") or "none").lower()
    if smtp_tls not in {"none", "starttls", "tls"}:
        raise SettingsError("SMTP_TLS must be one of: none, starttls, tls")
    try:
        return smtp_tls, int(env.get("SMTP_PORT") or {"tls": 465, "starttls": 587}.get(smtp_tls, 25))
    except ValueError:
        raise SettingsError("SMTP_PORT must be a number") from None


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    base_url: str
    smtp_host: str
    smtp_port: int
    smtp_username: str
    smtp_password: str
    smtp_tls: str
    mail_from: str
    default_language: str
    media_dir: Path
    var_dir: Path
    dev: bool
    mail_sender_in_web: bool
    mail_poll_seconds: float
    mail_pdf_processes: int
    outbox_retention_days: int
    reminder_days: int
    registrations_per_address: int
    registrations_per_ip: int
    invitation_reminder_interval_days: int
    upload_max_mb: int
    forwarded_allow_ips: str = "127.0.0.1"
    registration_burst_per_ip: int = 10
    registration_hold_hours: int = 24
    # How long a rendered public page is served to anonymous visitors at most; 0 turns the cache off.
    public_page_cache_seconds: int = 3

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        return self.database_url.removeprefix("sqlite:///")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        dev = _flag(env.get("DEV"))
        var_dir = Path(env.get("VAR_DIR") or PROJECT_ROOT / "var")

        database_url = _database_url(env, var_dir)
        secret_key, base_url = _secret_key_and_base_url(env, dev, var_dir)
        smtp_tls, smtp_port = _smtp_tls_and_port(env)
        default_language = env.get("DEFAULT_LANGUAGE") or "sv"
        if default_language not in LANGUAGES:
            raise SettingsError(f"DEFAULT_LANGUAGE must be one of: {', '.join(LANGUAGES)}")

        return cls(
            database_url=database_url,
            secret_key=secret_key,
            base_url=base_url,
            smtp_host=env.get("SMTP_HOST", ""),
            smtp_port=smtp_port,
            smtp_username=env.get("SMTP_USERNAME", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_tls=smtp_tls,
            mail_from=env.get("MAIL_FROM") or "Hållbarhetsrådet i Västernorrland <noreply@localhost>",
            default_language=default_language,
            media_dir=Path(env.get("MEDIA_DIR") or var_dir / "media"),
            var_dir=var_dir,
            dev=dev,
            mail_sender_in_web=_mail_sender_in_web(env, dev, database_url),
            mail_poll_seconds=float(env.get("MAIL_POLL_SECONDS") or 2.0),
            mail_pdf_processes=_positive_int(env.get("MAIL_PDF_PROCESSES"), 1, "MAIL_PDF_PROCESSES", minimum=0),
            outbox_retention_days=_positive_int(env.get("OUTBOX_RETENTION_DAYS"), 90, "OUTBOX_RETENTION_DAYS"),
            reminder_days=_positive_int(env.get("REMINDER_DAYS"), 2, "REMINDER_DAYS", minimum=0),
            registrations_per_address=_positive_int(
                env.get("REGISTRATIONS_PER_ADDRESS"), 5, "REGISTRATIONS_PER_ADDRESS"
            ),
            registrations_per_ip=_positive_int(env.get("REGISTRATIONS_PER_IP"), 200, "REGISTRATIONS_PER_IP"),
            invitation_reminder_interval_days=_positive_int(
                env.get("INVITATION_REMINDER_INTERVAL_DAYS"), 3, "INVITATION_REMINDER_INTERVAL_DAYS"
            ),
            upload_max_mb=_positive_int(env.get("UPLOAD_MAX_MB"), 50, "UPLOAD_MAX_MB"),
            forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS") or "127.0.0.1",
            registration_burst_per_ip=_positive_int(
                env.get("REGISTRATION_BURST_PER_IP"), 10, "REGISTRATION_BURST_PER_IP"
            ),
            registration_hold_hours=_positive_int(env.get("REGISTRATION_HOLD_HOURS"), 24, "REGISTRATION_HOLD_HOURS"),
            public_page_cache_seconds=_positive_int(
                env.get("PUBLIC_PAGE_CACHE_SECONDS"), 3, "PUBLIC_PAGE_CACHE_SECONDS", minimum=0
            ),
        )


def _mail_sender_in_web(env: dict[str, str], dev: bool, database_url: str) -> bool:
    """Whether each web process also runs a mail sender. MAIL_SENDER_SEPARATE decides when set;
    unset, production on PostgreSQL leaves the mail to `events-app worker` (the Procfile's `worker`),
    so web processes neither draw certificates nor carry fpdf2, while development and SQLite keep the
    sender in the web process: one command runs everything."""
    separate = (env.get("MAIL_SENDER_SEPARATE") or "").strip()
    if separate:
        return not _flag(separate)
    return dev or database_url.startswith("sqlite")


def _positive_int(value: str | None, default: int, name: str, *, minimum: int = 1) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return number


def _development_secret(var_dir: Path) -> str:
    """A random key kept in var/ so that development cookies survive restarts and worker processes."""
    path = var_dir / "dev_secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        candidate = var_dir / f"dev_secret_key.{os.getpid()}"
        candidate.write_text(secrets.token_urlsafe(32))
        try:  # link, not rename: the first of several starting workers wins and all share its key
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
