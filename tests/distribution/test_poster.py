"""The store poster shows the shop's banner whole: its headline side, its goods side, its
top and its bottom (a crop to the card's shape once kept only the middle third)."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from distribution.services.poster import BANNER_BOX, banner_fit, poster_png
from mall.models import Banner
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

WIDTH, HEIGHT = 750, 320  # the size the admin advises for banners
# Four bands no other part of a poster is painted in: the headline's side (left), the goods'
# side (right), the top and the bottom edges.
LEFT, RIGHT, TOP, BOTTOM = (255, 0, 255), (0, 255, 255), (255, 255, 0), (0, 160, 0)
SIDE, EDGE = 60, 30


def marked_banner(width=WIDTH, height=HEIGHT) -> bytes:
    image = Image.new("RGB", (width, height), (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, EDGE, SIDE - 1, height - EDGE - 1], fill=LEFT)
    draw.rectangle([width - SIDE, EDGE, width - 1, height - EDGE - 1], fill=RIGHT)
    draw.rectangle([0, 0, width - 1, EDGE - 1], fill=TOP)
    draw.rectangle([0, height - EDGE, width - 1, height - 1], fill=BOTTOM)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def pixels_of(image: Image.Image, colours) -> dict:
    """How many pixels of `image` are (within a little resampling blur) each of `colours`."""
    counts = dict.fromkeys(colours, 0)
    for pixel in image.get_flattened_data():
        for colour in colours:
            if all(abs(a - b) <= 24 for a, b in zip(pixel, colour)):
                counts[colour] += 1
    return counts


@pytest.fixture
def sharer():
    return MemberFactory(nickname="小明", avatar_url="")


def shop_poster(sharer, banner_png: bytes, title="冬季焕新 全场满 99 包邮") -> Image.Image:
    banner = Banner(title=title)
    banner.image.save("banner.png", ContentFile(banner_png), save=True)
    return Image.open(io.BytesIO(poster_png(member=sharer))).convert("RGB")


def test_the_shop_poster_shows_the_whole_banner_at_the_cards_width(sharer):
    poster = shop_poster(sharer, marked_banner())
    scale = BANNER_BOX[0] / WIDTH  # full width: 630 of 750
    expected = {
        LEFT: SIDE * (HEIGHT - 2 * EDGE) * scale**2,
        RIGHT: SIDE * (HEIGHT - 2 * EDGE) * scale**2,
        TOP: WIDTH * EDGE * scale**2,
        BOTTOM: WIDTH * EDGE * scale**2,
    }
    found = pixels_of(poster, expected)
    for colour, area in expected.items():
        # Rounded corners and the blur at the bands' edges take a little; a crop takes it all,
        # and a bigger scale (a crop of the sides) gives more of the top and bottom.
        assert 0.85 * area <= found[colour] <= 1.1 * area, (colour, found[colour], round(area))


def test_a_banner_is_scaled_whole_into_its_box_whatever_its_shape():
    for size, fitted in (((750, 320), (630, 269)), ((1500, 640), (630, 269)), ((600, 600), (440, 440)), ((300, 100), (630, 210))):
        assert banner_fit(Image.new("RGB", size)).size == fitted


def test_a_square_banner_keeps_its_edges_too(sharer):
    poster = shop_poster(sharer, marked_banner(600, 600))
    scale = 440 / 600
    found = pixels_of(poster, [LEFT, RIGHT, TOP, BOTTOM])
    assert found[LEFT] >= 0.85 * SIDE * (600 - 2 * EDGE) * scale**2
    assert found[TOP] >= 0.85 * 600 * EDGE * scale**2


def test_the_banners_headline_is_on_the_poster_and_changes_it(sharer):
    first = shop_poster(sharer, marked_banner(), title="冬季焕新")
    Banner.objects.update(title="新春限定礼盒")
    second = Image.open(io.BytesIO(poster_png(member=sharer))).convert("RGB")
    # The headline is drawn under the banner (between the banner and the shop's name).
    below_banner = (60, 240 + 269, 690, 826)
    redrawn = first.crop(below_banner).tobytes() != second.crop(below_banner).tobytes()
    assert redrawn, "a new headline must redraw the poster"
    inked = [p for p in first.crop(below_banner).get_flattened_data() if max(p) < 80]
    assert len(inked) > 2000  # dark text, not an empty card


def test_a_shop_without_a_banner_still_gets_a_poster_with_a_headline(sharer):
    poster = Image.open(io.BytesIO(poster_png(member=sharer))).convert("RGB")
    assert poster.size == (750, 1334)
    assert poster.getpixel((375, 240 + 135)) == (255, 236, 232)  # the tinted panel where a banner would be
    assert len([p for p in poster.crop((60, 510, 690, 826)).get_flattened_data() if max(p) < 80]) > 2000
