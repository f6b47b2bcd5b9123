"""The share poster: a phone-screen PNG with the sharer's avatar and nickname, a shop or
product picture, and a QR code of their share link. Kept in storage under a name that
is a hash of everything drawn on it, so it is redrawn exactly when something changes."""

import hashlib
import io
from pathlib import Path

import qrcode
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

from config.money import format_yuan
from mall.models import Banner, Product, ShopSettings
from wechat.avatars import fetch_avatar

FONT = Path(__file__).resolve().parent.parent / "fonts" / "NotoSansCJKsc-Bold-GB2312.otf"
WIDTH, HEIGHT = 750, 1334
BRAND = (228, 57, 60)
BANNER_BOX = (630, 440)  # the most a shop poster's banner may take: the card's width, room for its headline
VERSION = "3"  # bump when the layout changes: every poster is redrawn


def share_link(*, member, product: Product | None = None, source: str = "poster") -> str:
    path = f"/products/{product.pk}/" if product else "/"
    return f"{settings.SITE_URL}{path}?ref={member.referral_code}&src={source}"


def poster_png(*, member, product: Product | None = None) -> bytes:
    shop = ShopSettings.get_solo()
    picture, headline = _picture(product)
    link = share_link(member=member, product=product)
    inputs = "|".join([VERSION, member.display_name, member.avatar_url, link, shop.shop_name, picture or "", headline,
                       product.title if product else "", str(_price(product))])
    name = f"posters/{member.pk}-{hashlib.sha256(inputs.encode()).hexdigest()[:20]}.png"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    png = _draw(member=member, shop_name=shop.shop_name, picture=picture, headline=headline, product=product, link=link)
    _replace(member, product, default_storage.save(name, ContentFile(png)))
    return png


def _replace(member, product, new_name: str) -> None:
    """Keep one poster per sharer and product: drop the one this replaces."""
    key = f"poster:{member.pk}:{product.pk if product else 'shop'}"
    old = cache.get(key)
    if old and old != new_name:
        default_storage.delete(old)
    cache.set(key, new_name, timeout=None)


def _picture(product: Product | None) -> tuple[str | None, str]:
    """The picture a poster shows, and (a shop poster) the headline of the banner it comes from."""
    if product is not None:
        image = product.images.order_by("position", "id").first()
        return (image.image.name if image else None), ""
    banner = Banner.objects.filter(is_active=True).first()
    return (banner.image.name, banner.title) if banner else (None, "")


def _price(product: Product | None) -> int | None:
    if product is None:
        return None
    return product.skus.filter(is_active=True).order_by("price_fen").values_list("price_fen", flat=True).first()


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def banner_fit(image: Image.Image) -> Image.Image:
    """A banner scaled whole into BANNER_BOX: never cropped. Banners are wide (750×320 is
    the advice) and carry their headline on one side; a crop to the card's shape kept only
    the middle, so a poster showed neither the headline nor the goods beside it."""
    return ImageOps.contain(image, BANNER_BOX, Image.Resampling.LANCZOS)


def _draw(*, member, shop_name: str, picture: str | None, headline: str, product: Product | None, link: str) -> bytes:
    poster = Image.new("RGB", (WIDTH, HEIGHT), (255, 246, 243))
    draw = ImageDraw.Draw(poster)
    draw.rectangle([0, 0, WIDTH, 300], fill=BRAND)

    avatar = _avatar(member.avatar_url, 120)
    poster.paste(avatar, (50, 60), _circle(120))
    draw.text((196, 78), _fit(draw, member.display_name, _font(40), 500), font=_font(40), fill="white")
    draw.text((196, 138), "为你推荐一家好店", font=_font(28), fill=(255, 226, 226))

    card = [40, 220, WIDTH - 40, 1080]
    draw.rounded_rectangle(card, radius=28, fill="white")
    if product is not None:
        if picture:
            with default_storage.open(picture, "rb") as source:
                image = ImageOps.fit(Image.open(source).convert("RGB"), (630, 630))
            poster.paste(image, (60, 240), _rounded(image.size, 20))
        draw.multiline_text((70, 895), _wrap(draw, product.title, _font(36), 610, 2), font=_font(36), fill=(31, 35, 41), spacing=10)
        price = _price(product)
        if price is not None:
            draw.text((70, 1010), f"¥{format_yuan(price)}", font=_font(48), fill=BRAND)
    else:
        _draw_banner(poster, draw, picture, headline or "好物每日上新")
        draw.line([(70, 826), (WIDTH - 70, 826)], fill=(242, 243, 245), width=2)
        draw.text((70, 850), _fit(draw, shop_name, _font(52), 610), font=_font(52), fill=(31, 35, 41))
        draw.text((70, 930), "好物每日上新 · 微信里逛、微信里买", font=_font(30), fill=(134, 144, 156))
        draw.text((70, 990), "正品保障 · 满额包邮 · 无忧售后", font=_font(30), fill=BRAND)

    code = qrcode.make(link, box_size=8, border=1).convert("RGB").resize((210, 210), Image.Resampling.NEAREST)
    poster.paste(code, (WIDTH - 60 - 210, 1100))
    draw.text((60, 1130), "长按识别二维码", font=_font(40), fill=(31, 35, 41))
    draw.text((60, 1190), "进店逛逛，好物优惠等你", font=_font(30), fill=(134, 144, 156))
    draw.text((60, 1240), _fit(draw, shop_name, _font(26), 400), font=_font(26), fill=BRAND)

    buffer = io.BytesIO()
    # zlib's default level: `optimize` made the file 3% smaller and the drawing five times
    # slower (the encoder is most of it), on a page whose first load has a one-second budget.
    poster.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _draw_banner(poster: Image.Image, draw: ImageDraw.ImageDraw, picture: str | None, headline: str) -> None:
    """The shop poster's top: the banner whole, at the card's width, and its headline under
    it as the home page's caption says it (the banners are made for a caption set over them)."""
    left, top = 60, 240
    if picture:
        with default_storage.open(picture, "rb") as source:
            image = banner_fit(Image.open(source).convert("RGB"))
        x = left + (BANNER_BOX[0] - image.width) // 2
        poster.paste(image, (x, top), _rounded(image.size, 20))
        bottom = top + image.height
    else:
        bottom = top + 270
        draw.rounded_rectangle([left, top, left + BANNER_BOX[0], bottom], radius=20, fill=(255, 236, 232))
    font = _font(46)
    text = _wrap(draw, headline, font, 610, 2)
    lines = text.count("\n") + 1
    # Under the banner, in the middle of what is left above the shop's name.
    y = bottom + max(28, (810 - bottom - lines * 62) // 2)
    draw.multiline_text((70, y), text, font=font, fill=(31, 35, 41), spacing=14)


def _avatar(url: str, side: int) -> Image.Image:
    data = fetch_avatar(url) if url else None
    if data:
        try:
            return ImageOps.fit(Image.open(io.BytesIO(data)).convert("RGB"), (side, side))
        except OSError:
            pass
    placeholder = Image.new("RGB", (side, side), (255, 210, 200))
    ImageDraw.Draw(placeholder).ellipse([side * 0.3, side * 0.2, side * 0.7, side * 0.6], fill="white")
    return placeholder


def _circle(side: int) -> Image.Image:
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse([0, 0, side, side], fill=255)
    return mask


def _rounded(size, radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, size[0], size[1]], radius=radius, fill=255)
    return mask


def _fit(draw, text: str, font, width: int) -> str:
    while text and draw.textlength(text, font=font) > width:
        text = text[:-2] + "…" if len(text) > 1 else ""
    return text


def _wrap(draw, text: str, font, width: int, lines: int) -> str:
    out, current = [], ""
    for char in text:
        if draw.textlength(current + char, font=font) > width:
            out.append(current)
            current = char
            if len(out) == lines:
                out[-1] = _fit(draw, out[-1] + "…", font, width)
                return "\n".join(out)
        else:
            current += char
    return "\n".join([*out, current] if current else out)
