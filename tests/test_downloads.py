"""A download names its file safely, whatever the name holds: plain ASCII in `filename`, the name
whole in `filename*` when ASCII could not hold it, and no way to break out of the header."""

from __future__ import annotations

from urllib.parse import unquote

from events_app.web.downloads import PDF_TYPE, download


def test_a_plain_name_is_given_as_it_is():
    response = download(b"x", "hallbarhetsdagarna-2027-anmalningar.csv", "text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="hallbarhetsdagarna-2027-anmalningar.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_name_with_letters_beyond_ascii_or_header_syntax_gets_both_forms():
    name = 'kompetensförteckning "Máret"\r\nX-Evil: 1.pdf'
    disposition = download(b"x", name, PDF_TYPE).headers["Content-Disposition"]
    plain = disposition.split('filename="')[1].split('"')[0]
    assert plain.endswith(".pdf") and all(ch.isascii() and ch not in '"\r\n' for ch in plain)
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name
    assert "\r" not in disposition and "\n" not in disposition
