"""Personal cards as an A4 PDF (fpdf2): eight cards a sheet, each with its own QR code."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from fpdf import FPDF

from .. import config as config_module
from ..events.models import Event
from .models import LiveCard
from .presentation import join_url, qr_png

FONT = "DejaVu"
COLUMNS, ROWS = 2, 4
CARD_W, CARD_H = 90.0, 64.0
LEFT, TOP = 15.0, 18.5
QR_SIZE = 40.0


def _font_path(name: str) -> str:
    # The same shipped fonts as the summary PDF: the core fonts cannot encode „ “.
    return str(config_module.resource_dir("static") / "fonts" / name)


def cards_document(event: Event, cards: list[LiveCard]) -> bytes:
    """The cards in order, 2 x 4 on each A4 page, with cutting lines: the event, the card's
    number, its QR code (to BASE_URL/j/<card code>), the code and the URL written out."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font(FONT, "", _font_path("DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", _font_path("DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(_("Teilnahmekarten: %(event)s", event=event.title))
    pdf.set_draw_color(150, 150, 150)
    per_page = COLUMNS * ROWS
    for index, card in enumerate(cards):
        if index % per_page == 0:
            pdf.add_page()
        slot = index % per_page
        x = LEFT + (slot % COLUMNS) * CARD_W
        y = TOP + (slot // COLUMNS) * CARD_H
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        pdf.rect(x, y, CARD_W, CARD_H)
        pdf.set_dash_pattern()
        url = join_url(card.code)
        pdf.image(io.BytesIO(qr_png(url)), x=x + 4, y=y + 12, w=QR_SIZE, h=QR_SIZE)
        pdf.set_xy(x + 4, y + 4)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(CARD_W - 8, 5, event.title[:48])
        text_x = x + 6 + QR_SIZE
        pdf.set_xy(text_x, y + 14)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(
            CARD_W - QR_SIZE - 10,
            4.5,
            _("Teilnahmekarte Nr. %(number)d", number=card.number)
            + "\n"
            + _(
                "Scannen Sie den QR-Code mit Ihrem Handy. Die Karte gilt nur für Sie "
                "und nur einmal."
            ),
        )
        pdf.set_xy(text_x, y + 40)
        pdf.set_font(FONT, "B", 13)
        pdf.cell(CARD_W - QR_SIZE - 10, 7, card.code)
        pdf.set_xy(x + 4, y + CARD_H - 9)
        pdf.set_font(FONT, "", 7.5)
        pdf.cell(CARD_W - 8, 4, url)
    return bytes(pdf.output())
