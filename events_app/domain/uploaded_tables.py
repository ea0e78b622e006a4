"""Uploaded lists (members, invitees): a CSV or XLSX file read into rows keyed by column name.

Reading is bounded before it starts: a file of at most 2 MB, and for an XLSX file (a zip) what it
unpacks to, by the sizes it declares and then by what it really unpacks to, before the spreadsheet
library sees it (a 700 kB file once unpacked to 200 MB inside it). The reading runs in a thread
with a time limit, so the event loop keeps serving others meanwhile.
"""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from dataclasses import dataclass

from events_app.domain.errors import DomainError
from events_app.domain.validation import clean_text
from events_app.i18n import N_

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 30
# An XLSX file is a zip: what it unpacks to is limited too, so a small file cannot expand to gigabytes.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
READ_SECONDS = 20  # a list of 5,000 rows reads in well under a second


@dataclass
class UploadedTable:
    header: list[str]  # lower-cased, stripped column names
    rows: list[tuple[int, dict[str, str]]]  # (the row's line number in the file, its values by column name)


def decode_csv(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # Excel in Sweden often saves CSV as Windows-1252
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(N_("The file could not be read as text (CSV)."), field="file")


async def read_uploaded_table_in_thread(raw: bytes, *, aliases: dict[str, str] | None = None) -> UploadedTable:
    """`read_uploaded_table` off the event loop, given READ_SECONDS at most."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(read_uploaded_table, raw, aliases=aliases), READ_SECONDS)
    except TimeoutError:
        raise DomainError(
            N_("The file took too long to read. Save it again as CSV and try again."), field="file"
        ) from None


def read_uploaded_table(raw: bytes, *, aliases: dict[str, str] | None = None) -> UploadedTable:
    """The file's rows; `aliases` maps other spellings of a column name (e.g. "e-post") to the one used.

    An XLSX file is recognised by its content (a zip), not by a name; anything else is read as CSV
    with the delimiter guessed (comma, semicolon or tab). Empty rows are skipped.
    """
    if not raw:
        raise DomainError(N_("Choose a file to upload."), field="file")
    if len(raw) > MAX_FILE_BYTES:
        raise DomainError(N_("The file is too large (at most 2 MB)."), field="file")
    lines = _xlsx_lines(raw) if raw[:2] == b"PK" else _csv_lines(raw)
    aliases = aliases or {}
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in lines:
        if number > MAX_ROWS + 100:  # empty rows count too: a sheet can claim a million of them
            raise DomainError(N_("The file has more than %(max)s rows."), field="file", max=MAX_ROWS)
        cells = [
            " ".join(clean_text(str(value if value is not None else "")).split()) for value in values[:MAX_COLUMNS]
        ]
        if not any(cells):
            continue
        if not header:
            header = [aliases.get(cell.lower(), cell.lower()) for cell in cells]
            while header and not header[-1]:  # a spreadsheet's empty columns to the right
                header.pop()
            continue
        rows.append((number, dict(zip(header, cells, strict=False))))
        if len(rows) > MAX_ROWS:
            raise DomainError(N_("The file has more than %(max)s rows."), field="file", max=MAX_ROWS)
    return UploadedTable(header=header, rows=rows)


def _csv_lines(raw: bytes):
    text = decode_csv(raw)
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error:
        raise DomainError(N_("The file could not be read as text (CSV)."), field="file") from None


def _unpacks_within_limit(raw: bytes) -> bool:
    """Whether the zip unpacks to at most MAX_UNPACKED_BYTES: first by the sizes it declares, then
    by unpacking it (a forged size would otherwise pass the first check), stopping at the limit."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            return False
        unpacked = 0
        for member in members:
            with archive.open(member) as content:
                while chunk := content.read(1024 * 1024):
                    unpacked += len(chunk)
                    if unpacked > MAX_UNPACKED_BYTES:
                        return False
    return True


def _xlsx_lines(raw: bytes):
    unreadable = DomainError(N_("The file could not be read as a spreadsheet (XLSX)."), field="file")
    try:
        if not _unpacks_within_limit(raw):
            raise unreadable
        # openpyxl is imported where a spreadsheet is read: 8 MB in every web process otherwise.
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, NotImplementedError):
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the size the file declares: read what is there
        rows = sheet.iter_rows(max_row=MAX_ROWS + 101, max_col=MAX_COLUMNS, values_only=True)
        for number, values in enumerate(rows, start=1):
            yield number, ["" if value is None else str(value) for value in values]
    finally:
        workbook.close()
