"""Where PDFs are drawn: in a thread of the calling process, or in processes of its own.

Drawing a certificate is about 20 ms of pure-Python work (fpdf2) that holds the GIL: in a thread it
keeps the event loop answering, but it cannot run beside the sender's own work (statements, MIME,
SMTP), so one process mails at most one core's worth. `events-app worker` therefore draws in
MAIL_PDF_PROCESSES processes of its own (`drawing_processes`), and the mail of a large issue uses
every core. Web processes draw in a thread (their sender, in development and on SQLite): they must
not start processes of their own inside every web worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from events_app.domain import pdf_layout

log = logging.getLogger(__name__)


@dataclass
class _Drawing:
    processes: int = 0
    pool: ProcessPoolExecutor | None = None


_drawing = _Drawing()
# Without drawing processes, one thread draws, one PDF at a time: the sender renders a few mails at
# once, and more drawing threads would only take the GIL from the web process's event loop.
_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-drawing")


def _start_drawing_process() -> None:
    # Ctrl-C reaches every process of the terminal's group: the sender stops at the end of its round
    # and then shuts these processes down, so they leave the signal to it rather than die mid-mail.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pdf_layout.load()


def _new_pool(processes: int) -> ProcessPoolExecutor:
    # Spawned, not forked: the sender's process has an event loop, threads and database connections,
    # none of which survive a fork safely.
    return ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start_drawing_process
    )


async def draw(function: Callable[..., bytes], *args: Any) -> bytes:
    """`function(*args)`, a PDF module's picklable `render`, run where this process draws."""
    pool = _drawing.pool
    if pool is None:
        return await asyncio.get_running_loop().run_in_executor(_thread, function, *args)
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
    except BrokenProcessPool:
        # A drawing process died (killed for its memory, say): this mail is retried later, the next
        # ones get new processes.
        log.warning("a PDF drawing process died; starting new ones")
        if _drawing.pool is pool:
            _drawing.pool = _new_pool(_drawing.processes)
        raise


@contextlib.contextmanager
def drawing_processes(processes: int) -> Iterator[None]:
    """Within the block, `draw` uses `processes` processes of this one's (none: a thread)."""
    if processes < 1:
        yield
        return
    _drawing.processes, _drawing.pool = processes, _new_pool(processes)
    try:
        yield
    finally:
        pool, _drawing.pool = _drawing.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
