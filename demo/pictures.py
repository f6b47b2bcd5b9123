"""Product pictures for the demo shop, drawn with Pillow: a soft studio background and a
simple illustration of the item in its colour. No files to download, no fonts needed."""

import io
import math

from PIL import Image, ImageDraw, ImageFilter

SCALE = 2  # draw at twice the size, then shrink: cheap anti-aliasing

COLOURS = {
    "红": "#d9363e", "正红": "#c8102e", "豆沙": "#b5696a", "枫叶": "#a63a1f",
    "黑": "#2b2d31", "白": "#f4f4f2", "米白": "#efe6d2", "灰": "#9aa0a6", "卡其": "#c3a77a",
    "蓝": "#3a72d8", "藏青": "#1f3556", "粉": "#f3a6bf", "绿": "#4aa66a",
}
DEFAULT_ITEM = "#e4393c"


def colour_of(name: str | None, fallback: str = DEFAULT_ITEM) -> str:
    return COLOURS.get(name or "", fallback)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    hex_colour = hex_colour.lstrip("#")
    return tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))


def _shade(colour, factor: float) -> tuple[int, int, int]:
    rgb = _rgb(colour) if isinstance(colour, str) else colour
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


def _background(size: int, tint: str, variant: int) -> Image.Image:
    top = _rgb(tint)
    top = tuple(int(255 - (255 - c) * 0.18) for c in top)
    bottom = tuple(int(c * 0.93) for c in top)
    image = Image.new("RGB", (size, size), top)
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / size
        draw.line([(0, y), (size, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    # A soft disc behind the item, placed a little differently per picture.
    cx, cy = size * (0.5 + 0.12 * math.sin(variant)), size * (0.46 + 0.06 * math.cos(variant))
    glow = Image.new("L", (size, size), 0)
    ImageDraw.Draw(glow).ellipse([cx - size * 0.36, cy - size * 0.36, cx + size * 0.36, cy + size * 0.36], fill=110)
    glow = glow.filter(ImageFilter.GaussianBlur(size * 0.06))
    image.paste(Image.new("RGB", (size, size), (255, 255, 255)), (0, 0), glow)
    return image


def _shadow(image: Image.Image, box) -> None:
    size = image.size[0]
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=90)
    mask = mask.filter(ImageFilter.GaussianBlur(size * 0.025))
    image.paste(Image.new("RGB", image.size, (60, 60, 70)), (0, 0), mask)


# Each painter draws on a canvas of side s, centred, in colour c (an RGB tuple).
def _tshirt(d, s, c, collar=False):
    body = [(0.30, 0.30), (0.40, 0.24), (0.60, 0.24), (0.70, 0.30), (0.84, 0.42), (0.76, 0.50), (0.68, 0.45),
            (0.68, 0.80), (0.32, 0.80), (0.32, 0.45), (0.24, 0.50), (0.16, 0.42)]
    d.polygon([(x * s, y * s) for x, y in body], fill=c, outline=_shade(c, 0.8))
    d.arc([0.43 * s, 0.19 * s, 0.57 * s, 0.31 * s], 0, 180, fill=_shade(c, 0.7), width=int(s * 0.012))
    if collar:
        d.polygon([(0.42 * s, 0.25 * s), (0.5 * s, 0.36 * s), (0.47 * s, 0.25 * s)], fill=_shade(c, 1.1))
        d.polygon([(0.58 * s, 0.25 * s), (0.5 * s, 0.36 * s), (0.53 * s, 0.25 * s)], fill=_shade(c, 1.1))
        for y in (0.42, 0.52, 0.62, 0.72):
            d.ellipse([0.49 * s, y * s, 0.51 * s, (y + 0.02) * s], fill=_shade(c, 0.6))


def _shirt(d, s, c):
    _tshirt(d, s, c, collar=True)


def _dress(d, s, c):
    d.polygon([(0.42 * s, 0.2 * s), (0.58 * s, 0.2 * s), (0.62 * s, 0.42 * s), (0.78 * s, 0.82 * s),
               (0.22 * s, 0.82 * s), (0.38 * s, 0.42 * s)], fill=c, outline=_shade(c, 0.8))
    d.rectangle([0.37 * s, 0.4 * s, 0.63 * s, 0.45 * s], fill=_shade(c, 0.75))
    for i in range(9):  # a scatter of little flowers
        x, y = 0.33 + (i * 0.137) % 0.36, 0.5 + (i * 0.091) % 0.28
        d.ellipse([x * s, y * s, (x + 0.025) * s, (y + 0.025) * s], fill=(255, 255, 255))


def _jacket(d, s, c):
    _tshirt(d, s, c)
    for y in (0.36, 0.46, 0.56, 0.66, 0.76):
        d.line([(0.33 * s, y * s), (0.67 * s, y * s)], fill=_shade(c, 0.8), width=int(s * 0.008))
    d.line([(0.5 * s, 0.3 * s), (0.5 * s, 0.8 * s)], fill=_shade(c, 0.55), width=int(s * 0.01))


def _shoe(d, s, c):
    d.rounded_rectangle([0.16 * s, 0.58 * s, 0.86 * s, 0.68 * s], radius=int(s * 0.04), fill=(250, 250, 250), outline=(200, 200, 200))
    d.polygon([(0.2 * s, 0.6 * s), (0.22 * s, 0.40 * s), (0.40 * s, 0.38 * s), (0.62 * s, 0.50 * s),
               (0.84 * s, 0.54 * s), (0.86 * s, 0.6 * s)], fill=c, outline=_shade(c, 0.75))
    for i in range(4):
        x = 0.38 + i * 0.05
        d.line([(x * s, (0.42 + i * 0.02) * s), ((x + 0.04) * s, (0.46 + i * 0.02) * s)], fill=(255, 255, 255), width=int(s * 0.008))


def _bag(d, s, c):
    d.arc([0.36 * s, 0.18 * s, 0.64 * s, 0.50 * s], 180, 360, fill=_shade(c, 0.7), width=int(s * 0.025))
    d.polygon([(0.24 * s, 0.36 * s), (0.76 * s, 0.36 * s), (0.82 * s, 0.80 * s), (0.18 * s, 0.80 * s)], fill=c, outline=_shade(c, 0.75))
    d.rectangle([0.46 * s, 0.44 * s, 0.54 * s, 0.50 * s], fill=(214, 180, 90))


def _scarf(d, s, c):
    d.rounded_rectangle([0.30 * s, 0.16 * s, 0.52 * s, 0.78 * s], radius=int(s * 0.03), fill=c)
    d.rounded_rectangle([0.48 * s, 0.22 * s, 0.70 * s, 0.84 * s], radius=int(s * 0.03), fill=_shade(c, 0.85))
    for i in range(8):
        x = 0.49 + i * 0.027
        d.line([(x * s, 0.84 * s), (x * s, 0.89 * s)], fill=_shade(c, 0.85), width=int(s * 0.008))
    for y in (0.3, 0.45, 0.6):
        d.line([(0.30 * s, y * s), (0.52 * s, y * s)], fill=_shade(c, 1.2), width=int(s * 0.01))


def _dropper(d, s, c):
    d.rounded_rectangle([0.36 * s, 0.38 * s, 0.64 * s, 0.82 * s], radius=int(s * 0.05), fill=c, outline=_shade(c, 0.8))
    d.rectangle([0.43 * s, 0.28 * s, 0.57 * s, 0.38 * s], fill=(60, 60, 64))
    d.rounded_rectangle([0.45 * s, 0.14 * s, 0.55 * s, 0.30 * s], radius=int(s * 0.04), fill=(235, 235, 235))
    d.rounded_rectangle([0.40 * s, 0.52 * s, 0.60 * s, 0.68 * s], radius=int(s * 0.01), fill=(255, 255, 255))


def _tube(d, s, c):
    d.polygon([(0.38 * s, 0.16 * s), (0.62 * s, 0.16 * s), (0.60 * s, 0.70 * s), (0.40 * s, 0.70 * s)], fill=c, outline=_shade(c, 0.8))
    d.rounded_rectangle([0.40 * s, 0.70 * s, 0.60 * s, 0.84 * s], radius=int(s * 0.02), fill=(245, 245, 245))
    d.rectangle([0.42 * s, 0.30 * s, 0.58 * s, 0.50 * s], fill=(255, 255, 255))


def _jar(d, s, c):
    d.rounded_rectangle([0.28 * s, 0.30 * s, 0.72 * s, 0.42 * s], radius=int(s * 0.02), fill=_shade(c, 0.75))
    d.rounded_rectangle([0.26 * s, 0.40 * s, 0.74 * s, 0.80 * s], radius=int(s * 0.06), fill=c, outline=_shade(c, 0.8))
    d.rounded_rectangle([0.34 * s, 0.50 * s, 0.66 * s, 0.68 * s], radius=int(s * 0.02), fill=(255, 255, 255))


def _lipstick(d, s, c):
    d.rounded_rectangle([0.40 * s, 0.50 * s, 0.60 * s, 0.84 * s], radius=int(s * 0.02), fill=(40, 40, 44))
    d.rectangle([0.41 * s, 0.44 * s, 0.59 * s, 0.52 * s], fill=(212, 175, 95))
    d.polygon([(0.43 * s, 0.44 * s), (0.43 * s, 0.24 * s), (0.57 * s, 0.16 * s), (0.57 * s, 0.44 * s)], fill=c)


def _palette(d, s, c):
    d.rounded_rectangle([0.18 * s, 0.28 * s, 0.82 * s, 0.74 * s], radius=int(s * 0.05), fill=(50, 48, 54))
    shades = [c, _shade(c, 1.3), _shade(c, 0.7), (232, 196, 170), (190, 130, 110), (120, 80, 70)]
    for i, colour in enumerate(shades):
        x, y = 0.24 + (i % 3) * 0.19, 0.34 + (i // 3) * 0.2
        d.rounded_rectangle([x * s, y * s, (x + 0.15) * s, (y + 0.15) * s], radius=int(s * 0.02), fill=colour)


def _box(d, s, c):
    d.polygon([(0.22 * s, 0.36 * s), (0.50 * s, 0.24 * s), (0.78 * s, 0.36 * s), (0.50 * s, 0.48 * s)], fill=_shade(c, 1.2))
    d.polygon([(0.22 * s, 0.36 * s), (0.50 * s, 0.48 * s), (0.50 * s, 0.84 * s), (0.22 * s, 0.70 * s)], fill=c)
    d.polygon([(0.78 * s, 0.36 * s), (0.50 * s, 0.48 * s), (0.50 * s, 0.84 * s), (0.78 * s, 0.70 * s)], fill=_shade(c, 0.8))
    d.line([(0.36 * s, 0.30 * s), (0.64 * s, 0.42 * s)], fill=(240, 210, 120), width=int(s * 0.02))


def _cookie(d, s, c):
    for i, (x, y) in enumerate([(0.28, 0.40), (0.46, 0.30), (0.44, 0.52)]):
        d.ellipse([x * s, y * s, (x + 0.30) * s, (y + 0.30) * s], fill=_shade(c, 1 - i * 0.06), outline=_shade(c, 0.75))
        for k in range(6):
            px, py = x + 0.06 + (k * 0.07) % 0.2, y + 0.07 + (k * 0.11) % 0.17
            d.ellipse([px * s, py * s, (px + 0.015) * s, (py + 0.01) * s], fill=(250, 245, 230))


def _cake(d, s, c):
    d.ellipse([0.18 * s, 0.30 * s, 0.82 * s, 0.78 * s], fill=c, outline=_shade(c, 0.7))
    d.ellipse([0.26 * s, 0.38 * s, 0.74 * s, 0.70 * s], outline=_shade(c, 0.8), width=int(s * 0.008))
    d.rectangle([0.40 * s, 0.46 * s, 0.60 * s, 0.62 * s], fill=(240, 230, 200))


def _apple(d, s, c):
    d.ellipse([0.24 * s, 0.30 * s, 0.52 * s, 0.80 * s], fill=c)
    d.ellipse([0.46 * s, 0.30 * s, 0.76 * s, 0.80 * s], fill=_shade(c, 0.92))
    d.line([(0.50 * s, 0.32 * s), (0.53 * s, 0.20 * s)], fill=(110, 70, 40), width=int(s * 0.015))
    d.ellipse([0.53 * s, 0.18 * s, 0.66 * s, 0.26 * s], fill=(80, 160, 80))
    d.ellipse([0.32 * s, 0.40 * s, 0.38 * s, 0.50 * s], fill=_shade(c, 1.35))


def _sack(d, s, c):
    d.polygon([(0.30 * s, 0.26 * s), (0.70 * s, 0.26 * s), (0.78 * s, 0.82 * s), (0.22 * s, 0.82 * s)], fill=c, outline=_shade(c, 0.8))
    d.rectangle([0.30 * s, 0.24 * s, 0.70 * s, 0.30 * s], fill=_shade(c, 0.8))
    d.ellipse([0.38 * s, 0.44 * s, 0.62 * s, 0.68 * s], fill=(250, 248, 240))
    for k in range(5):
        d.ellipse([(0.44 + k * 0.025) * s, 0.52 * s, (0.455 + k * 0.025) * s, 0.58 * s], fill=(220, 205, 160))


def _mug(d, s, c):
    d.rounded_rectangle([0.26 * s, 0.30 * s, 0.66 * s, 0.80 * s], radius=int(s * 0.04), fill=c, outline=_shade(c, 0.8))
    d.arc([0.58 * s, 0.40 * s, 0.80 * s, 0.66 * s], 270, 90, fill=c, width=int(s * 0.04))
    d.ellipse([0.26 * s, 0.26 * s, 0.66 * s, 0.34 * s], fill=_shade(c, 0.7))


def _pan(d, s, c):
    d.rounded_rectangle([0.60 * s, 0.48 * s, 0.94 * s, 0.54 * s], radius=int(s * 0.02), fill=(70, 50, 40))
    d.ellipse([0.10 * s, 0.34 * s, 0.66 * s, 0.70 * s], fill=(60, 60, 66))
    d.ellipse([0.14 * s, 0.37 * s, 0.62 * s, 0.66 * s], fill=c)


def _pillow(d, s, c):
    d.rounded_rectangle([0.16 * s, 0.34 * s, 0.84 * s, 0.72 * s], radius=int(s * 0.12), fill=c, outline=_shade(c, 0.85))
    d.line([(0.22 * s, 0.53 * s), (0.78 * s, 0.53 * s)], fill=_shade(c, 0.9), width=int(s * 0.006))


def _bedding(d, s, c):
    d.rounded_rectangle([0.12 * s, 0.50 * s, 0.88 * s, 0.82 * s], radius=int(s * 0.03), fill=c)
    d.rounded_rectangle([0.16 * s, 0.34 * s, 0.48 * s, 0.52 * s], radius=int(s * 0.06), fill=(250, 250, 250))
    d.rounded_rectangle([0.52 * s, 0.34 * s, 0.84 * s, 0.52 * s], radius=int(s * 0.06), fill=(250, 250, 250))
    for x in (0.3, 0.5, 0.7):
        d.line([(x * s, 0.52 * s), (x * s, 0.82 * s)], fill=_shade(c, 0.85), width=int(s * 0.006))


def _candle(d, s, c):
    d.rounded_rectangle([0.32 * s, 0.42 * s, 0.68 * s, 0.82 * s], radius=int(s * 0.03), fill=c, outline=_shade(c, 0.8))
    d.line([(0.5 * s, 0.34 * s), (0.5 * s, 0.42 * s)], fill=(40, 40, 40), width=int(s * 0.008))
    d.ellipse([0.46 * s, 0.22 * s, 0.54 * s, 0.36 * s], fill=(255, 190, 60))
    d.rectangle([0.36 * s, 0.56 * s, 0.64 * s, 0.68 * s], fill=(255, 255, 255))


def _flask(d, s, c):
    d.rounded_rectangle([0.38 * s, 0.24 * s, 0.62 * s, 0.86 * s], radius=int(s * 0.06), fill=c, outline=_shade(c, 0.8))
    d.rounded_rectangle([0.40 * s, 0.14 * s, 0.60 * s, 0.26 * s], radius=int(s * 0.02), fill=(70, 70, 74))
    d.line([(0.43 * s, 0.34 * s), (0.43 * s, 0.76 * s)], fill=_shade(c, 1.3), width=int(s * 0.012))


def _headphones(d, s, c):
    d.arc([0.22 * s, 0.16 * s, 0.78 * s, 0.72 * s], 180, 360, fill=c, width=int(s * 0.05))
    d.rounded_rectangle([0.16 * s, 0.40 * s, 0.32 * s, 0.70 * s], radius=int(s * 0.06), fill=c, outline=_shade(c, 0.7))
    d.rounded_rectangle([0.68 * s, 0.40 * s, 0.84 * s, 0.70 * s], radius=int(s * 0.06), fill=c, outline=_shade(c, 0.7))


def _charger(d, s, c):
    d.rounded_rectangle([0.30 * s, 0.34 * s, 0.70 * s, 0.78 * s], radius=int(s * 0.05), fill=c, outline=_shade(c, 0.8))
    d.rectangle([0.40 * s, 0.20 * s, 0.44 * s, 0.34 * s], fill=(190, 190, 190))
    d.rectangle([0.56 * s, 0.20 * s, 0.60 * s, 0.34 * s], fill=(190, 190, 190))
    d.polygon([(0.52 * s, 0.44 * s), (0.44 * s, 0.58 * s), (0.50 * s, 0.58 * s), (0.47 * s, 0.70 * s),
               (0.57 * s, 0.54 * s), (0.51 * s, 0.54 * s)], fill=(255, 196, 0))


def _band(d, s, c):
    d.rounded_rectangle([0.42 * s, 0.12 * s, 0.58 * s, 0.88 * s], radius=int(s * 0.06), fill=c)
    d.rounded_rectangle([0.36 * s, 0.38 * s, 0.64 * s, 0.62 * s], radius=int(s * 0.06), fill=(30, 30, 34))
    d.text((0.42 * s, 0.46 * s), "10:08", fill=(120, 220, 255))


def _powerbank(d, s, c):
    d.rounded_rectangle([0.30 * s, 0.18 * s, 0.70 * s, 0.84 * s], radius=int(s * 0.06), fill=c, outline=_shade(c, 0.8))
    for i in range(4):
        d.ellipse([(0.40 + i * 0.06) * s, 0.70 * s, (0.43 + i * 0.06) * s, 0.73 * s], fill=(80, 220, 120))


def _giftbox(d, s, c):
    _box(d, s, c)
    d.line([(0.5 * s, 0.48 * s), (0.5 * s, 0.84 * s)], fill=(240, 210, 120), width=int(s * 0.02))
    d.ellipse([0.42 * s, 0.18 * s, 0.50 * s, 0.28 * s], outline=(240, 210, 120), width=int(s * 0.012))
    d.ellipse([0.50 * s, 0.18 * s, 0.58 * s, 0.28 * s], outline=(240, 210, 120), width=int(s * 0.012))


PAINTERS = {
    "tshirt": _tshirt, "shirt": _shirt, "dress": _dress, "jacket": _jacket, "shoe": _shoe, "bag": _bag,
    "scarf": _scarf, "dropper": _dropper, "tube": _tube, "jar": _jar, "lipstick": _lipstick, "palette": _palette,
    "box": _box, "cookie": _cookie, "cake": _cake, "apple": _apple, "sack": _sack, "mug": _mug, "pan": _pan,
    "pillow": _pillow, "bedding": _bedding, "candle": _candle, "flask": _flask, "headphones": _headphones,
    "charger": _charger, "band": _band, "powerbank": _powerbank, "giftbox": _giftbox,
}


def product_picture(shape: str, colour: str, *, size: int = 800, variant: int = 0) -> bytes:
    big = size * SCALE
    image = _background(big, colour if colour not in ("#f4f4f2", "#efe6d2") else "#c9d6e8", variant)
    _shadow(image, [big * 0.22, big * 0.80, big * 0.78, big * 0.90])
    draw = ImageDraw.Draw(image)
    zoom = 1 - 0.08 * (variant % 2)
    if zoom != 1:
        layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        PAINTERS[shape](ImageDraw.Draw(layer), big, _rgb(colour))
        layer = layer.resize((int(big * zoom), int(big * zoom)), Image.Resampling.LANCZOS)
        offset = (big - layer.size[0]) // 2
        image.paste(layer, (offset, offset), layer)
    else:
        PAINTERS[shape](draw, big, _rgb(colour))
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=86, optimize=True, progressive=True)
    return buffer.getvalue()


def banner_picture(colours: tuple[str, str], shapes: list[tuple[str, str]], *, width: int = 750, height: int = 320) -> bytes:
    """A wide gradient with a few items on the right; the title is set in HTML over it."""
    start, end = _rgb(colours[0]), _rgb(colours[1])
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for x in range(width):
        t = x / width
        draw.line([(x, 0), (x, height)], fill=tuple(int(a + (b - a) * t) for a, b in zip(start, end)))
    for i in range(6):  # confetti
        r = 8 + i * 3
        x, y = width * (0.08 + i * 0.07), height * (0.12 + (i * 0.37) % 0.8)
        draw.ellipse([x, y, x + r, y + r], fill=(255, 255, 255))
    right = width - 16  # the items stay in the right half; the caption (HTML) takes the left
    for i, (shape, colour) in enumerate(shapes):
        side = int(height * (0.85 - i * 0.25))
        tile = Image.open(io.BytesIO(product_picture(shape, colour, size=side, variant=i)))
        mask = Image.new("L", (side, side), 0)
        ImageDraw.Draw(mask).ellipse([0, 0, side, side], fill=255)
        left = right - side
        image.paste(tile, (left, (height - side) // 2 + i * 40), mask)
        right = left + side // 3
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()
