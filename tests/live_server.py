"""The real server for the tests that need one (the browser tests, the API fuzzing): `events-app
serve --workers 2` on a free loopback port, started once per run, on the run's database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 60.0
SERVER_LOG_LINES = 80
_server_log: dict[str, Path] = {}


def attach_server_log(item: pytest.Item, report: pytest.TestReport) -> None:
    """Attach the end of the server's output to a failed test that used it: a 500 shows its traceback there."""
    log = _server_log.get("path")
    if report.failed and log is not None and "live_server" in getattr(item, "fixturenames", ()) and log.exists():
        tail = log.read_text(errors="replace").splitlines()[-SERVER_LOG_LINES:]
        report.sections.append(("server output (last lines)", "\n".join(tail)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (uvicorn's supervisor and its workers), then SIGKILL."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)  # the group we created with start_new_session=True
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def live_server(migrated_database) -> Iterator[str]:
    """The base URL of `events-app serve --workers 2` on a free loopback port, running for the session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="events-server-", suffix=".log", delete=False)  # noqa: SIM115
    _server_log["path"] = Path(log.name)
    command = [
        sys.executable,
        "-m",
        "events_app.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                output = Path(log.name).read_text(errors="replace")
                state = f"exited with {process.returncode}" if process.returncode is not None else "did not answer"
                pytest.fail(
                    f"the server ({' '.join(command)}) {state} on {url}/healthz; its output:\n{output}", pytrace=False
                )
            time.sleep(0.2)
        yield url
    finally:
        _stop(process)
        log.close()
        _server_log.pop("path", None)
        Path(log.name).unlink(missing_ok=True)
