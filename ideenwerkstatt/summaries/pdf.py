"""The summary as an A4 PDF (fpdf2), laid out from the same document as the page."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _
from fpdf import FPDF, FontFace

from .. import config as config_module
from . import document as summary_document

FONT = "DejaVu"
TEXT_COLOUR = (0, 0, 0)
MUTED = (70, 70, 70)
# The sanitizer keeps a link's text when it drops a target it does not trust (relative,
# javascript:, an image's relative source): such an <a> has no href, which fpdf2 needs.
_LINK_WITHOUT_TARGET = re.compile(r"<a(?:\s(?![^>]*\bhref=)[^>]*)?>(.*?)</a>", re.DOTALL)


def printable_html(html: str) -> str:
    """Sanitized HTML as fpdf2 can lay it out: a link without a usable target is plain text."""
    return _LINK_WITHOUT_TARGET.sub(r"\1", html)


def _font_path(name: str) -> str:
    # Shipped in static/fonts (Bitstream Vera licence, see LICENSE-DejaVu.txt): the core PDF
    # fonts cannot encode „ “ or –, and a clean `pip install .` must work without the system's.
    return str(config_module.resource_dir("static") / "fonts" / name)


class SummaryPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        regular, bold = _font_path("DejaVuSans.ttf"), _font_path("DejaVuSans-Bold.ttf")
        # No italic file is shipped: emphasis is set upright rather than failing.
        for style, path in (("", regular), ("B", bold), ("I", regular), ("BI", bold)):
            self.add_font(FONT, style, path)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 18, 20)

    def footer(self):
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        page = _("Seite %(page)s von %(pages)s", page=self.page_no(), pages="{nb}")
        self.cell(0, 6, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 6, page, align="R")


def _html(pdf: FPDF, html: str) -> None:
    if not html:
        return
    pdf.set_font(FONT, "", 10.5)
    pdf.set_text_color(*TEXT_COLOUR)
    pdf.write_html(
        printable_html(html),
        font_family=FONT,
        tag_styles={"code": FontFace(family=FONT), "pre": FontFace(family=FONT)},
        li_prefix_color=TEXT_COLOUR,
        warn_on_tags_not_matching=False,
    )
    pdf.ln(2)


def _lines(pdf: FPDF, height: float, text: str, link: str | None = None) -> None:
    """Text over as many lines as it needs, ragged right: fpdf2's multi_cell justifies by
    default, which stretches the gaps between the words of a short line (a title)."""
    pdf.multi_cell(0, height, text, align="L", link=link, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(*TEXT_COLOUR)
    _lines(pdf, size * 0.5, text)
    pdf.ln(2)


def render_pdf(document: dict, locale: str, now: dt.datetime | None = None) -> bytes:
    """The PDF bytes: title, dates, introduction, figures table, the ideas by theme in
    order with votes and notes, conclusion; every page footed with the date and "Seite n
    von m"."""
    event = document["event"]
    created = format_date(now or dt.datetime.now(dt.UTC), "long")
    pdf = SummaryPDF(_("Ergebnis: %(title)s · Stand %(date)s", title=event.title, date=created))
    pdf.set_title(_("Ergebnis: %(title)s", title=event.title))
    pdf.set_lang(locale)
    pdf.add_page()

    _heading(pdf, _("Ergebnis: %(title)s", title=event.title), 18)
    pdf.set_font(FONT, "", 9.5)
    pdf.set_text_color(*MUTED)
    if document["updated_at"] is not None:
        _lines(
            pdf,
            5,
            _("Zuletzt geändert am %(date)s", date=format_datetime(document["updated_at"], "long")),
        )
    # Links point at BASE_URL (summaries.document builds them), and can be followed.
    _lines(pdf, 5, document["url"], link=document["url"])
    pdf.ln(3)
    _html(pdf, document["intro_html"])

    figures = document["figures"]
    _heading(pdf, _("Beteiligung in Zahlen"), 13)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*TEXT_COLOUR)
    with pdf.table(
        col_widths=(70, 30, 30, 40), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")
    ) as table:
        table.row([_("Thema"), _("Ideen"), _("Stimmen"), _("Teilnehmende")])
        for theme in figures.themes:
            table.row(
                [theme.name(locale), str(theme.ideas), str(theme.votes), str(theme.participants)]
            )
        table.row(
            [_("Insgesamt"), str(figures.ideas), str(figures.votes), str(figures.participants)]
        )
    pdf.ln(4)

    _heading(pdf, _("Die ausgewählten Ideen"), 13)
    for group in summary_document.theme_groups(document, locale):
        _heading(pdf, group["name"], 11.5)
        for item in group["items"]:
            pdf.set_font(FONT, "B", 10.5)
            pdf.set_text_color(*TEXT_COLOUR)
            _lines(pdf, 5.5, f"{item['position']}. {item['title']}", link=item["url"])
            pdf.set_font(FONT, "", 9.5)
            pdf.set_text_color(*MUTED)
            votes = ngettext(
                "%(num)d Stimme · %(url)s",
                "%(num)d Stimmen · %(url)s",
                item["vote_count"],
                url=item["url"],
            )
            _lines(pdf, 5, votes, link=item["url"])
            if item["note"]:
                pdf.set_text_color(*TEXT_COLOUR)
                _lines(pdf, 5, item["note"])
            pdf.ln(2)
    if document["conclusion_html"]:
        _heading(pdf, _("Fazit"), 13)
        _html(pdf, document["conclusion_html"])
    return bytes(pdf.output())
