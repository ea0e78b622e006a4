"""The house style of the PDFs the council hands out (certificates, competence records): fonts that
keep every letter of a name, the issuer's heading, running text, a vector QR code.

Fonts are DejaVu Sans, embedded in every document, so the text is selectable and
extractable. Loading a font is most of the cost of a small PDF (a certificate is drawn for every
participant), so:
- a document whose text is all Latin (Swedish, Finnish, Sámi, Polish, …) uses a Latin-only cut of
  the font (see events_app/fonts/README.md); anything else (a name in Cyrillic or Greek, say) gets
  the full font. The Latin cut is read once per process and embedded whole (60 KB; see `_WholeFont`),
  the full font is read for each document and subset (it is 760 KB);
- headings are the regular face drawn with a thin outline (`emphasis`) rather than a second font,
  which would cost as much again; only documents with tables (whose headings fpdf2 sets in bold)
  load the bold face.

fpdf2 brings fontTools' subsetter and Pillow with it, about 20 MB in every process that imports it, so
it is imported by the first drawing (`new_document`), not with this module: web processes that never
draw a PDF (the mail sender draws the certificates) stay without it.
"""

from __future__ import annotations

import collections
import copy
import io
import types
from collections.abc import Iterable
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import qrcode

from events_app.i18n import gettext

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
LATIN_CUTS = ("DejaVuSans-Latin.ttf", "DejaVuSans-Bold-Latin.ttf")
FAMILY = "DejaVu"
ISSUER = "Hållbarhetsrådet i Västernorrland"
ADMINISTRATOR = "Kommunförbundet Västernorrland"
INK = (33, 37, 41)
MUTED = (90, 96, 102)
ACCENT = (0, 94, 69)  # the council's green
ELLIPSIS = "…"  # in the Latin cut, as in the full font


@lru_cache(maxsize=1)
def _latin_coverage() -> frozenset[int]:
    """The characters the Latin cut of the font (regular and bold alike) can draw."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(FONT_DIR / "DejaVuSans-Latin.ttf", lazy=True).getBestCmap())


def font_files(texts: Iterable[str]) -> tuple[Path, Path]:
    """(regular, bold): the Latin cut when it draws every character of `texts`, else the full font."""
    covered = _latin_coverage()
    if all(ord(ch) in covered or ch in "\n\r\t" for text in texts for ch in text):
        return FONT_DIR / "DejaVuSans-Latin.ttf", FONT_DIR / "DejaVuSans-Bold-Latin.ttf"
    return FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"


class HouseStyle:
    """An A4 page in the house style, drawn by fpdf2's FPDF, which `new_document` puts under it.
    `texts` is every string the document will print (to pick the font); `footer_text` is printed
    at the foot of every page."""

    def __init__(
        self,
        *,
        texts: Iterable[str],
        title: str,
        language: str,
        created_at: datetime,
        footer_text: str = "",
        bold_face: bool = False,
    ) -> None:
        super().__init__(format="A4", unit="mm")
        regular, bold = font_files([*texts, title, footer_text, ISSUER, ADMINISTRATOR, ELLIPSIS])
        self._add_font("", regular)
        if bold_face:
            self._add_font("B", bold)
        self.footer_text = footer_text
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=24)
        self.set_title(title)
        self.set_author(ISSUER)
        self.set_creator(ISSUER)
        self.set_lang(language)
        # A fixed date: the same certificate drawn again is the same file.
        self.set_creation_date(created_at)
        self.set_text_color(*INK)

    def _add_font(self, style: str, path: Path) -> None:
        """fpdf2's `add_font`, except for the Latin cut: that font was read once by this process and is
        embedded whole (see `_WholeFont`); the document gets its own copy of what fpdf2 changes while
        drawing (the characters used and their codes)."""
        if path.parent != FONT_DIR or path.name not in LATIN_CUTS:
            self.add_font(FAMILY, style, str(path))
            return
        from fpdf.fonts import SubsetMap

        # What fpdf2 only reads (the parsed font, cmap, glyph ids, metrics) is shared; the widths (a
        # defaultdict, which a lookup of a missing character adds to) and the characters used are the
        # document's own.
        kept = _kept_font(path.name, style)
        font = copy.copy(kept)
        font.cw = collections.defaultdict(kept.cw.default_factory, kept.cw)
        font.i = len(self.fonts) + 1
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        self.fonts[font.fontkey] = font

    def footer(self) -> None:
        if not self.footer_text:
            return
        self.set_y(-16)
        self.style(8, colour=MUTED)
        page = gettext("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}")
        self.cell(0, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, page, align="R")
        self.set_text_color(*INK)

    def style(self, size: float, *, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        """The font size and colour of the text that follows, emphasised (bold) or not."""
        self.set_font(FAMILY, "", size)
        self.set_text_color(*colour)
        if bold:  # the letters' outline stroked in their own colour: a bold look from the regular face
            self.set_draw_color(*colour)
            self.set_line_width(size * 0.045)
            self.text_mode = "FILL_STROKE"
        else:
            self.text_mode = "FILL"

    def issuer_heading(self) -> None:
        """The council's name and who administers it, above a green rule."""
        self.style(13, bold=True, colour=ACCENT)
        self.cell(0, 7, ISSUER, new_x="LMARGIN", new_y="NEXT")
        self.style(9, colour=MUTED)
        self.cell(
            0, 5, gettext("administered by %(organisation)s", organisation=ADMINISTRATOR), new_x="LMARGIN", new_y="NEXT"
        )
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.6)
        self.line(self.l_margin, self.get_y() + 3, self.w - self.r_margin, self.get_y() + 3)
        self.set_text_color(*INK)
        self.ln(10)

    def text_block(
        self,
        text: str,
        *,
        size: float = 11,
        bold: bool = False,
        colour: tuple[int, int, int] = INK,
        align: str = "L",
        space_after: float = 2,
    ) -> None:
        self.style(size, bold=bold, colour=colour)
        self.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.style(11)
        self.ln(space_after)

    def qr_code(self, data: str, *, x: float, y: float, size: float) -> None:
        """`data` as a QR code drawn with filled squares: sharp at any zoom, and no image to encode."""
        # A fixed mask: weighing all eight, as the standard suggests, costs a third of a certificate's
        # drawing time, and a code printed this large reads with any of them (the tests read it).
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=2)
        qr.add_data(data)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        module = size / len(matrix)
        self.set_fill_color(255, 255, 255)
        self.rect(x, y, size, size, style="F")
        self.set_fill_color(0, 0, 0)
        for row_number, row in enumerate(matrix):
            column = 0
            while column < len(row):  # a run of dark modules is one rectangle
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < len(row) and row[column]:
                    column += 1
                self.rect(x + start * module, y + row_number * module, (column - start) * module, module, style="F")

    def clipped(self, text: str, width: float) -> str:
        """`text` cut to `width` (mm) in the current font, ending with an ellipsis when it was cut:
        a long name in a table's column or on a badge stays on its line."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + ELLIPSIS) > width:
            text = text[:-1]
        return text.rstrip() + ELLIPSIS

    def finish(self) -> bytes:
        return bytes(self.output())


class _WholeFont:
    """The parsed Latin cut in place of the fontTools font fpdf2 would subset and save for each document.

    Subsetting a font for every document, and parsing it anew for it, was about 60 % of a certificate's
    drawing time (fontTools decompiles and recompiles every glyph outline used). The Latin cut is
    60 KB, so each document embeds it whole: saving is writing the file's bytes, and the glyph ids
    are the file's own. `_WholeFontSubsetter` leaves it as it is."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont

        self.data = path.read_bytes()
        self.parsed = TTFont(io.BytesIO(self.data), recalcTimestamp=False, lazy=True)
        self.glyph_ids = {name: number for number, name in enumerate(self.parsed.getGlyphOrder())}

    def __contains__(self, tag: str) -> bool:
        return tag in self.parsed

    def __getitem__(self, tag: str) -> Any:
        return self.parsed[tag]

    def getGlyphID(self, name: str) -> int:  # fontTools' name, which fpdf2 calls
        return self.glyph_ids[name]

    def save(self, stream: io.BytesIO) -> None:
        stream.write(self.data)

    def close(self) -> None:
        """Kept for the next document (fpdf2 closes a document's fonts once it has written them)."""


@cache
def _kept_font(name: str, style: str) -> Any:
    """fpdf2's font for the Latin cut `name`, read once per process, embedding the file whole."""
    from fpdf import FPDF

    reader = FPDF()
    reader.add_font(FAMILY, style, str(FONT_DIR / name))
    font = reader.fonts[f"{FAMILY.lower()}{style}"]
    font.ttfont = _WholeFont(FONT_DIR / name)
    return font


def _whole_font_subsetting() -> None:
    """Make fpdf2's writer leave a `_WholeFont` unsubset; every other font is subset as before.

    fpdf2 has no setting for embedding a font whole: its writer (fpdf.output) subsets each TrueType
    font with fontTools' `Subsetter`. This puts a subclass in that module's view of fontTools.subset
    that passes a `_WholeFont` through; tests/test_certificates.py reads the text and the QR code of
    the PDFs drawn this way, so a change in fpdf2's writer that breaks it shows there."""
    from fontTools import subset
    from fpdf import output

    class _WholeFontSubsetter(subset.Subsetter):
        def subset(self, font: Any) -> None:
            if not isinstance(font, _WholeFont):
                super().subset(font)

    output.ftsubset = types.SimpleNamespace(Options=subset.Options, Subsetter=_WholeFontSubsetter)


@cache
def _document_class() -> type[HouseStyle]:
    from fpdf import FPDF

    _whole_font_subsetting()
    return type("Document", (HouseStyle, FPDF), {})


def load() -> None:
    """Import fpdf2 and read the font's coverage now, as a process that will draw does once first."""
    _document_class()
    _latin_coverage()
    for name in LATIN_CUTS:
        _kept_font(name, "B" if "Bold" in name else "")


def new_document(
    *,
    texts: Iterable[str],
    title: str,
    language: str,
    created_at: datetime,
    footer_text: str = "",
    bold_face: bool = False,
) -> HouseStyle:
    """A new document in the house style (see `HouseStyle`), with fpdf2 loaded on the first call."""
    return _document_class()(
        texts=texts,
        title=title,
        language=language,
        created_at=created_at,
        footer_text=footer_text,
        bold_face=bold_face,
    )
