"""The slides as a PowerPoint file (python-pptx lives only here), for PowerPoint and Impress.

Same order as the web slides: a title slide, one slide per tool, a closing slide with the QR code
of the whole selection. Every text is a real, editable text box; the QR codes are PNG images
(one per slide, with the link as alternative text), so facilitators can copy slides into their
own deck. Input is a ``deck.talk`` dict, whose texts are already cleaned.
"""

from __future__ import annotations

import io
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from zwk_kb.outputs.qr import qr_png

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
WIDTH = Emu(12192000)
"""13.333 inches: PowerPoint's own 16:9 size (with HEIGHT, 7.5 inches)."""
HEIGHT = Inches(7.5)
BRAND = RGBColor(0x17, 0x2F, 0x77)
INK = RGBColor(0x13, 0x15, 0x25)
MUTED = RGBColor(0x36, 0x3A, 0x57)
BAND = RGBColor(0xF7, 0xC9, 0x48)
FONT = "Fira Sans"
MARGIN = Inches(0.7)
QR_SIZE = Inches(3.9)


def _bars(slide: Any) -> None:
    for top, height, colour in ((0, Inches(0.16), BRAND), (Inches(0.16), Inches(0.06), BAND)):
        bar = slide.shapes.add_shape(1, 0, top, WIDTH, height)  # 1: rectangle
        bar.fill.solid()
        bar.fill.fore_color.rgb = colour
        bar.line.fill.background()
        bar.name = "Balken"


def _text(
    slide: Any,
    left: int,
    top: int,
    width: int,
    height: int,
    paragraphs: list[tuple[str, int, bool, RGBColor]],
    *,
    name: str,
    anchor: Any = MSO_ANCHOR.TOP,
    align: Any = PP_ALIGN.LEFT,
) -> Any:
    box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    box.name = name
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    # shrink on overflow (PowerPoint and Impress apply it when they lay out the slide)
    frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    for n, (content, size, bold, colour) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.space_after = Pt(size * 0.4)
        run = paragraph.add_run()
        run.text = content
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT
        run.font.color.rgb = colour
    return box


def _qr(slide: Any, url: str, left: int, top: int, label: str) -> None:
    picture = slide.shapes.add_picture(
        io.BytesIO(qr_png(url, scale=10, border=2)), left, top, QR_SIZE, QR_SIZE
    )
    picture.name = "QR-Code"
    # alternative text for screen readers (PowerPoint: "Alternativtext")
    picture._element.nvPicPr.cNvPr.set("descr", f"QR-Code: {label}")


def _title_slide(prs: Any, talk: dict[str, Any]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _bars(slide)
    width = WIDTH - 2 * MARGIN
    _text(
        slide,
        MARGIN,
        Inches(0.9),
        width,
        Inches(0.6),
        [(talk["site_name"], 20, True, MUTED)],
        name="Reihe",
    )
    _text(
        slide,
        MARGIN,
        Inches(1.6),
        width,
        Inches(3.2),
        [(talk["title"], 44, True, BRAND)],
        name="Titel",
        anchor=MSO_ANCHOR.MIDDLE,
    )
    lines = [(talk["subtitle"], 24, False, MUTED)] if talk["subtitle"] else []
    lines.append((talk["count_line"], 24, False, MUTED))
    _text(slide, MARGIN, Inches(5.0), width, Inches(1.6), lines, name="Untertitel")


def _tool_slide(prs: Any, tool: dict[str, Any]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _bars(slide)
    text_width = WIDTH - 3 * MARGIN - QR_SIZE
    _text(
        slide,
        MARGIN,
        Inches(0.45),
        text_width,
        Inches(1.75),
        [(tool["title"], 30, True, BRAND)],
        name="Titel",
        anchor=MSO_ANCHOR.BOTTOM,
    )
    _text(
        slide,
        MARGIN,
        Inches(2.35),
        text_width,
        Inches(1.9),
        [(tool["sentence"], 20, False, INK)],
        name="Zusammenfassung",
    )
    facts = []
    for fact in tool["facts"]:
        facts.append((fact["label"], 13, True, MUTED))
        facts.append((fact["value"], 16, False, INK))
    _text(slide, MARGIN, Inches(4.4), text_width, Inches(2.8), facts, name="Steckbrief")
    qr_left = WIDTH - MARGIN - QR_SIZE
    _qr(slide, tool["short_url"], qr_left, Inches(1.2), tool["short_url"])
    _text(
        slide,
        qr_left - Inches(0.4),
        Inches(1.2) + QR_SIZE + Inches(0.1),
        QR_SIZE + Inches(0.8),
        Inches(0.9),
        [(tool["short_label"], 20, True, INK)],
        name="Kurzer Link",
        align=PP_ALIGN.CENTER,
    )


def _closing_slide(prs: Any, talk: dict[str, Any]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _bars(slide)
    text_width = WIDTH - 3 * MARGIN - QR_SIZE
    lines = [("Alle Werkzeuge zum Nachlesen", 34, True, BRAND)]
    size = 18 if talk["count"] <= 8 else 12
    lines += [(f"{n}. {t['title']}", size, False, INK) for n, t in enumerate(talk["tools"], 1)]
    _text(slide, MARGIN, Inches(0.6), text_width, Inches(6.4), lines, name="Übersicht")
    qr_left = WIDTH - MARGIN - QR_SIZE
    if talk["share_qr"]:
        _qr(slide, talk["share_url"], qr_left, Inches(1.2), talk["share_url"])
    _text(
        slide,
        qr_left - Inches(0.4),
        Inches(1.2) + QR_SIZE + Inches(0.1),
        QR_SIZE + Inches(0.8),
        Inches(1.6),
        [(talk["share_label"], 11, False, INK)],
        name="Link",
        align=PP_ALIGN.CENTER,
    )


def talk_pptx(talk: dict[str, Any], *, single: bool = False) -> bytes:
    """The ``.pptx`` bytes of a talk; ``single``: only the tool slides (a card's one slide)."""
    prs = Presentation()
    prs.slide_width = WIDTH
    prs.slide_height = HEIGHT
    prs.core_properties.title = talk["title"]
    prs.core_properties.author = talk["site_name"]
    prs.core_properties.language = "de-DE"
    if not single:
        _title_slide(prs, talk)
    for tool in talk["tools"]:
        _tool_slide(prs, tool)
    if not single:
        _closing_slide(prs, talk)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
