"""Geometry of the participation bar chart, drawn as SVG by templates/summaries/_chart.html."""

from __future__ import annotations

from flask_babel import gettext as _

from .services import Figures

WIDTH = 640
LABEL_WIDTH = 170
BAR_AREA = 380
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 16
TOP = 40
# Dark enough on white for the 3:1 of WCAG 1.4.11, and told apart by lightness too.
COLOURS = {"ideas": "#1d5b79", "votes": "#b3541e", "participants": "#3b6e22"}


def series_labels() -> dict[str, str]:
    return {"ideas": _("Ideen"), "votes": _("Stimmen"), "participants": _("Teilnehmende")}


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chart(figures: Figures, locale: str) -> dict:
    """Rows of bars (one group per theme, one bar per series) on one common scale."""
    labels = series_labels()
    series = list(COLOURS)
    biggest = max([1] + [getattr(t, s) for t in figures.themes for s in series])
    groups = []
    y = TOP
    for theme in figures.themes:
        bars = []
        for index, name in enumerate(series):
            value = getattr(theme, name)
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            width = round(BAR_AREA * value / biggest, 1)
            bars.append(
                {
                    "series": name,
                    "label": labels[name],
                    "value": value,
                    "x": LABEL_WIDTH,
                    "y": bar_y,
                    "width": width,
                    "height": BAR_HEIGHT,
                    "fill": COLOURS[name],
                    "text_x": LABEL_WIDTH + width + 6,
                    "text_y": bar_y + BAR_HEIGHT - 3,
                }
            )
        group_height = len(series) * (BAR_HEIGHT + BAR_GAP)
        groups.append(
            {
                "slug": theme.slug,
                "name": theme.name(locale),
                "short_name": _short(theme.name(locale)),
                "label_y": y + group_height / 2 + 4,
                "bars": bars,
            }
        )
        y += group_height + GROUP_GAP
    legend = [
        {"label": labels[name], "fill": COLOURS[name], "x": LABEL_WIDTH + i * 130, "y": 12}
        for i, name in enumerate(series)
    ]
    return {
        "width": WIDTH,
        "height": max(y, TOP + 20),
        "label_x": LABEL_WIDTH - 8,
        "groups": groups,
        "legend": legend,
    }
