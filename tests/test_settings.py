"""Settings come from the environment; a production start without the essentials stops at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from events_app.settings import Settings, SettingsError


def test_sqlite_is_the_default_database(tmp_path):
    settings = Settings.from_env({"DEV": "1", "VAR_DIR": str(tmp_path)})
    assert settings.is_sqlite
    assert settings.sqlite_path == str(tmp_path / "events.sqlite")


def test_every_documented_setting_is_read(tmp_path):
    env = {
        "DATABASE_URL": "postgresql://u@db/events",
        "SECRET_KEY": "k" * 32,
        "BASE_URL": "https://events.example.se/",
        "SMTP_HOST": "smtp.example.se",
        "SMTP_PORT": "2525",
        "SMTP_USERNAME": "user",
        "SMTP_PASSWORD": "pw",
        "SMTP_TLS": "starttls",
        "MAIL_FROM": "Rådet <rad@example.se>",
        "DEFAULT_LANGUAGE": "en",
        "MEDIA_DIR": str(tmp_path / "media"),
    }
    settings = Settings.from_env(env)
    assert (settings.database_url, settings.base_url, settings.smtp_host, settings.smtp_port) == (
        "postgresql://u@db/events",
        "https://events.example.se",
        "smtp.example.se",
        2525,
    )
    assert (settings.smtp_username, settings.smtp_password, settings.smtp_tls) == ("user", "pw", "starttls")
    assert settings.mail_from == "Rådet <rad@example.se>"
    assert settings.default_language == "en"
    assert settings.media_dir == tmp_path / "media"
    assert settings.secure_cookies and not settings.dev and not settings.is_sqlite


PRODUCTION = {"SECRET_KEY": "k" * 32, "BASE_URL": "https://events.example.se"}


@pytest.mark.parametrize(
    ("env", "in_web"),
    [
        # Production on PostgreSQL: the Procfile's `worker` sends, the web processes do not.
        ({**PRODUCTION, "DATABASE_URL": "postgresql://u@db/events"}, False),
        # Development (`events-app dev` sets DEV=1) and SQLite: one command runs everything.
        ({"DEV": "1", "DATABASE_URL": "postgresql://u@db/events"}, True),
        ({**PRODUCTION, "DATABASE_URL": "sqlite:///x.sqlite"}, True),
        # MAIL_SENDER_SEPARATE decides whenever it is set.
        ({**PRODUCTION, "DATABASE_URL": "postgresql://u@db/events", "MAIL_SENDER_SEPARATE": "0"}, True),
        ({**PRODUCTION, "DATABASE_URL": "sqlite:///x.sqlite", "MAIL_SENDER_SEPARATE": "1"}, False),
        ({"DEV": "1", "MAIL_SENDER_SEPARATE": "yes"}, False),
    ],
)
def test_the_web_processes_send_mail_only_where_no_worker_is_expected(tmp_path, env, in_web):
    assert Settings.from_env({**env, "VAR_DIR": str(tmp_path)}).mail_sender_in_web is in_web


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BASE_URL": "https://x.se"}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "k" * 32}, "BASE_URL is not set"),
        ({"SECRET_KEY": "k" * 32, "BASE_URL": "https://x.se", "SMTP_TLS": "ssl"}, "SMTP_TLS must be one of"),
        ({"SECRET_KEY": "k" * 32, "BASE_URL": "https://x.se", "DATABASE_URL": "mysql://x"}, "DATABASE_URL must start"),
        ({"SECRET_KEY": "short", "BASE_URL": "https://x.se"}, "at least 16 characters"),
    ],
)
def test_bad_settings_stop_with_one_clear_line(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_development_mode_makes_a_key_shared_by_all_workers(tmp_path):
    first = Settings.from_env({"DEV": "1", "VAR_DIR": str(tmp_path)})
    second = Settings.from_env({"DEV": "1", "VAR_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32


def test_server_refuses_to_start_without_secret_key(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"DEV", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "-m", "events_app.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == "events-app: SECRET_KEY is not set (set it, or DEV=1 for development)"
    assert "Traceback" not in result.stderr
