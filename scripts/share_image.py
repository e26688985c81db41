"""Draw static/img/share.png, the 1200 x 630 picture that link previews (Open Graph,
Twitter cards) show for every public page. Run it after changing the design:

    .venv/bin/python scripts/share_image.py

Pillow and the bundled DejaVu fonts only; the result is committed, nothing is drawn at run
time."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "static" / "fonts"
OUT = ROOT / "static" / "img" / "share.png"
WIDTH, HEIGHT = 1200, 630
BRAND_DARK = "#073f5f"
BULB = "#ffbf47"
WHITE = "#ffffff"
TINT = "#d9e6ef"


def _bulb(draw: ImageDraw.ImageDraw, x: int, y: int, size: int) -> None:
    """The favicon's light bulb on its yellow tile (favicon.svg, drawn at `size`)."""
    scale = size / 32
    draw.rounded_rectangle((x, y, x + size, y + size), radius=6 * scale, fill=BULB)

    def at(px: float, py: float) -> tuple[float, float]:
        return (x + px * scale, y + py * scale)

    # The bulb: a circle of radius 8 around (16, 13) over a neck down to y=23.
    draw.ellipse((*at(8, 5), *at(24, 21)), fill=BRAND_DARK)
    draw.rectangle((*at(11.5, 15), *at(20.5, 23)), fill=BRAND_DARK)
    draw.rectangle((*at(12.5, 25), *at(19.5, 27)), fill=BRAND_DARK)


def main() -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), BRAND_DARK)
    draw = ImageDraw.Draw(image)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 96)
    regular = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 44)
    small = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 34)

    _bulb(draw, 90, 110, 160)
    draw.text((290, 120), "Ideenwerkstatt", font=bold, fill=WHITE)
    draw.text((294, 245), "Ideen für unsere Stadt", font=regular, fill=WHITE)
    draw.line((90, 360, WIDTH - 90, 360), fill=BULB, width=6)
    lines = ["Ideen sammeln · gemeinsam abstimmen ·", "sehen, was daraus wird"]
    for number, line in enumerate(lines):
        draw.text((90, 400 + number * 52), line, font=small, fill=TINT)
    image.save(OUT, "PNG", optimize=True)


if __name__ == "__main__":
    main()
