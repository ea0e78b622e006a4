"""The house style of the PDFs the council hands out (certificates, competence records): fonts that
keep every letter of a name, the issuer's heading, running text, a vector QR code.

Fonts are DejaVu Sans, embedded (subset) in every document, so the text is selectable and
extractable. Loading a font is most of the cost of a small PDF (a certificate is drawn for every
participant), so:
- a document whose text is all Latin (Swedish, Finnish, Sámi, Polish, …) uses a Latin-only cut of
  the font (see events_app/fonts/README.md); anything else (a name in Cyrillic or Greek, say) gets
  the full font;
- headings are the regular face drawn with a thin outline (`emphasis`) rather than a second font,
  which would cost as much again; only documents with tables (whose headings fpdf2 sets in bold)
  load the bold face.

fpdf2 brings fontTools' subsetter and Pillow with it, about 20 MB in every process that imports it, so
it is imported by the first drawing (`new_document`), not with this module: web processes that never
draw a PDF (the mail sender draws the certificates) stay without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

import qrcode

from events_app.i18n import gettext

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVu"
ISSUER = "Hållbarhetsrådet i Västernorrland"
ADMINISTRATOR = "Kommunförbundet Västernorrland"
INK = (33, 37, 41)
MUTED = (90, 96, 102)
ACCENT = (0, 94, 69)  # the council's green


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
        regular, bold = font_files([*texts, title, footer_text, ISSUER, ADMINISTRATOR])
        self.add_font(FAMILY, "", str(regular))
        if bold_face:
            self.add_font(FAMILY, "B", str(bold))
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

    def finish(self) -> bytes:
        return bytes(self.output())


@cache
def _document_class() -> type[HouseStyle]:
    from fpdf import FPDF

    return type("Document", (HouseStyle, FPDF), {})


def load() -> None:
    """Import fpdf2 and read the font's coverage now, as a process that will draw does once first."""
    _document_class()
    _latin_coverage()


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
