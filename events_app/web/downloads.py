"""Files the browser saves (exports, PDFs, material): their types, the headers that keep personal
data out of caches, and a Content-Disposition that names the file safely whatever its name holds."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from litestar import Response

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
JSON_TYPE = "application/json"
# Personal data or a page reached by a secret: not kept by the browser's or a proxy's cache.
NO_STORE = {"Cache-Control": "no-store"}
DOWNLOAD_HEADERS = {**NO_STORE, "X-Content-Type-Options": "nosniff"}
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def ascii_filename(name: str, fallback: str = "download") -> str:
    """The name in plain ASCII (letters with accents lose them, anything that could break the header
    becomes a dash), for clients that do not read `filename*`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = _NOT_ASCII_SAFE.sub("-", plain).strip(" -.")
    _stem, dot, extension = name.rpartition(".")
    if not plain or plain.startswith(".") or "." not in plain:
        plain = f"{fallback}.{extension}" if dot and extension.isalnum() and extension.isascii() else fallback
    return plain


def utf8_filename(name: str) -> str:
    """The name whole, as RFC 6266's `filename*` parameter."""
    return f"filename*=UTF-8''{quote(name, safe='')}"


def download(content: bytes, filename: str, media_type: str) -> Response:
    """`content` as an attachment named `filename` (whole in `filename*` when ASCII could not hold it)."""
    plain = ascii_filename(filename)
    disposition = f'attachment; filename="{plain}"'
    if plain != filename:
        disposition += f"; {utf8_filename(filename)}"
    return Response(
        content=content, media_type=media_type, headers={**DOWNLOAD_HEADERS, "Content-Disposition": disposition}
    )
