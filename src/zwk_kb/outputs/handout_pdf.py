"""The handout as an A4 PDF (fpdf2 lives only here): per tool the title, summary, the summary in
Leichter Sprache where there is one, the key facts, the contact, and the QR code with short link.

fpdf2 is pure Python (installs with pip on every system, no Pango or Cairo as an HTML renderer
would need) and maintained. It writes with the PDF's built-in Helvetica, whose Windows-1252
letters cover German (ä ö ü ß „ “ – …); other characters are written out where possible
(ş -> s) and otherwise replaced by "?". Input is a ``deck.talk`` dict with cleaned texts.
"""

from __future__ import annotations

import io
import unicodedata
from typing import Any

from fpdf import FPDF

from zwk_kb.outputs.qr import qr_png

PDF_TYPE = "application/pdf"
FONT = "helvetica"
QR_MM = 32
MARGIN_MM = 16
BRAND = (0x17, 0x2F, 0x77)
INK = (0x13, 0x15, 0x25)
MUTED = (0x36, 0x3A, 0x57)
ENCODING = "cp1252"


def pdf_text(value: str) -> str:
    """``value`` with only the letters the built-in font has (see the module docstring)."""
    out = []
    for char in value:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            plain = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            try:
                plain.encode(ENCODING)
                out.append(plain or "?")
            except UnicodeEncodeError:
                out.append("?")
    return "".join(out)


class _Handout(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, pdf_text(f"{self.footer_text} · Seite {self.page_no()}/{{nb}}"), align="C")


def _tool(pdf: _Handout, tool: dict[str, Any]) -> None:
    text_width = pdf.epw - QR_MM - 6
    start_y = pdf.get_y()
    x = pdf.l_margin
    qr_x = pdf.l_margin + pdf.epw - QR_MM
    pdf.image(
        io.BytesIO(qr_png(tool["short_url"], scale=8, border=2)),
        x=qr_x,
        y=start_y,
        w=QR_MM,
        h=QR_MM,
        alt_text=pdf_text(f"QR-Code: {tool['short_url']}"),
    )
    pdf.set_xy(qr_x - 4, start_y + QR_MM + 0.5)
    pdf.set_font(FONT, size=7.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(QR_MM + 8, 3.6, pdf_text(tool["short_label"]), align="C")
    qr_bottom = pdf.get_y()

    pdf.set_xy(x, start_y)
    pdf.set_font(FONT, style="B", size=13)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(text_width, 6, pdf_text(tool["title"]), align="L")
    pdf.set_x(x)
    pdf.set_font(FONT, size=10.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(text_width, 5, pdf_text(tool["summary"]), align="L")
    if tool["plain_summary"]:
        pdf.ln(1)
        pdf.set_x(x)
        pdf.set_font(FONT, style="B", size=9.5)
        pdf.multi_cell(text_width, 4.8, "In Leichter Sprache:", align="L")
        pdf.set_x(x)
        pdf.set_font(FONT, size=10.5)
        pdf.multi_cell(text_width, 5, pdf_text(tool["plain_summary"]), align="L")
    pdf.ln(1)
    for fact in tool["facts"]:
        pdf.set_x(x)
        pdf.set_font(FONT, style="B", size=9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(38, 4.8, pdf_text(fact["label"]))
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(text_width - 38, 4.8, pdf_text(fact["value"]), align="L")
    if tool["contact"]:
        pdf.set_x(x)
        pdf.set_font(FONT, style="B", size=9.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(38, 4.8, "Kontakt")
        pdf.set_font(FONT, size=9.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(text_width - 38, 4.8, pdf_text(", ".join(tool["contact"])), align="L")
    pdf.set_y(max(pdf.get_y(), qr_bottom) + 4)
    pdf.set_draw_color(0xC0, 0xC3, 0xD5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.ln(5)


def _height(tool: dict[str, Any]) -> float:
    """A generous estimate of a tool's block (mm), to start it on a new page rather than split."""
    chars = len(tool["summary"]) + len(tool["plain_summary"]) + len(tool["title"]) * 1.5
    lines = chars / 85 + sum(len(f["value"]) / 70 + 1 for f in tool["facts"]) + 3
    return max(QR_MM + 14, lines * 5 + 14)


def talk_pdf(talk: dict[str, Any]) -> bytes:
    """The handout's PDF bytes."""
    pdf = _Handout(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(MARGIN_MM, 14, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(pdf_text(talk["title"]))
    pdf.set_author(pdf_text(talk["site_name"]))
    pdf.set_lang("de-DE")
    pdf.set_creator("zwk-kb")
    pdf.footer_text = talk["site_name"]
    pdf.add_page()
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, pdf_text(f"Handzettel · {talk['site_name']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, style="B", size=20)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 9, pdf_text(talk["title"]), new_x="LMARGIN", new_y="NEXT", align="L")
    if talk["subtitle"]:
        pdf.set_font(FONT, size=11)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5.5, pdf_text(talk["subtitle"]), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(*INK)
    pdf.multi_cell(
        0,
        5,
        pdf_text(f"Alle Werkzeuge im Internet: {talk['share_label']}"),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    pdf.ln(5)
    for tool in talk["tools"]:
        if pdf.get_y() + _height(tool) > pdf.h - 18:
            pdf.add_page()
        _tool(pdf, tool)
    return bytes(pdf.output())
