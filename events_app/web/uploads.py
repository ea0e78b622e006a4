"""Reading an upload form ourselves: the file streamed into a new file as it arrives, the text fields
kept, and the form's CSRF token checked before a single byte of the file is written.

Litestar would parse a multipart body whole (into memory or the system's temporary folder) before
the handler runs. An upload route instead says `request_max_body_size=None` and
`opt={"exclude_from_csrf": True}` and calls `read_upload`, which counts the bytes and stops as soon as
the file passes its limit. Because the CSRF middleware skips such a route, the same check is made
here: a form's token comes before its file (it is the form's first field), and a file that arrives
before a valid token is refused unread.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from litestar import Request
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.utils.scope.state import ScopeState
from multipart import MultipartSegment, ParserError, PushMultipartParser

from events_app.domain.validation import clean_text

FORM_OVERHEAD = 256 * 1024  # the other fields and multipart boundaries, on top of the file
MAX_FIELD = 10_000  # a text field of an upload form
CSRF_FIELD = "_csrf_token"


class UploadTooLarge(Exception):
    """The file (or the whole body, by its Content-Length) is over the limit; nothing was kept."""


@dataclass
class Upload:
    """The form as read: its text fields, and the file's temporary path and name (if a file came)."""

    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    filename: str = ""


def keep_csrf_token_for_the_page(request: Request) -> None:
    """Give the request its CSRF token as the middleware does for a page, so that a page shown again
    after a refused upload has forms that can be sent (the middleware skipped this route)."""
    config = request.app.csrf_config
    if config is not None and request.cookies.get(config.cookie_name):
        ScopeState.from_scope(request.scope).csrf_token = request.cookies[config.cookie_name]


def csrf_token_ok(request: Request, token: str) -> bool:
    """Litestar's CSRF check: the form's token and the cookie carry the same HMAC-signed secret."""
    config = request.app.csrf_config
    if config is None:
        return True

    def secret_of(value: str) -> str | None:
        if len(value) < CSRF_SECRET_LENGTH + 1:
            return None
        secret, digest = value[:CSRF_SECRET_LENGTH], value[CSRF_SECRET_LENGTH:]
        return secret if hmac.compare_digest(digest, generate_csrf_hash(token=secret, secret=config.secret)) else None

    form_secret, cookie_secret = secret_of(token), secret_of(request.cookies.get(config.cookie_name) or "")
    return form_secret is not None and cookie_secret is not None and hmac.compare_digest(form_secret, cookie_secret)


def _refuse_csrf() -> None:
    raise PermissionDeniedException("CSRF token verification failed")


async def read_upload(
    request: Request, *, limit: int, text_fields: tuple[str, ...], new_path: Callable[[], Path]
) -> Upload:
    """The upload form: the `text_fields` and a `file` part written to `new_path()`.

    More than `limit` bytes of file: the file is removed and UploadTooLarge raised, reading no more.
    A missing or wrong CSRF token: 403, with nothing written. A malformed body: 400.
    """
    content_length = request.content_length
    if content_length is not None and content_length > limit + FORM_OVERHEAD:
        raise UploadTooLarge
    content_type, options = request.content_type
    boundary = options.get("boundary")
    if content_type != "multipart/form-data" or not boundary:  # a form without the file: no file chosen
        return await _read_without_file(request, (CSRF_FIELD, *text_fields))
    return await _MultipartReader(request, limit, (CSRF_FIELD, *text_fields), new_path).read(boundary)


async def _read_without_file(request: Request, text_fields: tuple[str, ...]) -> Upload:
    fields: dict[str, str] = {}
    content_type, _ = request.content_type
    if content_type == "application/x-www-form-urlencoded" and (request.content_length or 0) <= MAX_FIELD:
        form = await request.form()
        fields = {name: str(form.get(name) or "") for name in text_fields}
    if not csrf_token_ok(request, fields.get(CSRF_FIELD, "")):
        _refuse_csrf()
    return Upload(fields=fields)


class _MultipartReader:
    """One pass over a multipart body, part by part as the parser hands them over."""

    def __init__(self, request: Request, limit: int, text_fields: tuple[str, ...], new_path: Callable[[], Path]):
        self.request, self.limit, self.text_fields, self.new_path = request, limit, text_fields, new_path
        self.upload = Upload()
        self.csrf_checked = False
        self.segment: MultipartSegment | None = None
        self.text = bytearray()
        self.file: IO[bytes] | None = None
        self.written = 0

    async def read(self, boundary: str) -> Upload:
        try:
            with PushMultipartParser(boundary.encode(), max_segment_count=20) as parser:
                async for chunk in self.request.stream():
                    for part in parser.parse(chunk):
                        self._take(part)
                    if parser.closed:
                        break
            if not self.csrf_checked:
                _refuse_csrf()
            if self.file is not None:  # the body ended inside the file
                raise ClientException("Invalid multipart/form-data")
            return self.upload
        except ParserError:
            self._discard()
            raise ClientException("Invalid multipart/form-data") from None
        except BaseException:
            self._discard()
            raise

    def _take(self, part: MultipartSegment | bytearray | None) -> None:
        if isinstance(part, MultipartSegment):
            self._start(part)
        elif part:  # data of the current segment
            self._data(part)
        elif self.segment is not None:  # the end of the segment
            self._end(self.segment)

    def _start(self, segment: MultipartSegment) -> None:
        self.segment, self.text = segment, bytearray()
        if segment.name == "file" and segment.filename is not None and self.upload.path is None:
            if not self.csrf_checked:
                _refuse_csrf()
            self.upload.filename = segment.filename
            self.upload.path = self.new_path()
            self.file = open(self.upload.path, "wb")  # noqa: SIM115 - closed at the segment's end or by _discard

    def _data(self, chunk: bytes | bytearray) -> None:
        if self.file is not None:
            self.written += len(chunk)
            if self.written > self.limit:
                raise UploadTooLarge
            self.file.write(chunk)
        elif self.segment is not None and self.segment.name in self.text_fields:
            self.text.extend(chunk)
            if len(self.text) > MAX_FIELD:
                raise ClientException("Form field too large")

    def _end(self, segment: MultipartSegment) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        elif segment.name in self.text_fields and segment.name not in self.upload.fields:
            value = clean_text(self.text.decode(segment.charset or "utf-8", "replace"))
            self.upload.fields[segment.name] = value
            if segment.name == CSRF_FIELD:
                if not csrf_token_ok(self.request, value):
                    _refuse_csrf()
                self.csrf_checked = True
        self.segment = None

    def _discard(self) -> None:
        """Leave nothing behind: close and remove a file begun."""
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.upload.path is not None:
            self.upload.path.unlink(missing_ok=True)
            self.upload.path = None
