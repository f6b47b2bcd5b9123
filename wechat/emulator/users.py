"""The emulator's test WeChat users, and their avatars drawn on the fly."""

import hashlib
import io
import secrets

from PIL import Image, ImageDraw

from wechat.emulator.models import EmulatedUser

DEFAULT_USERS = [
    # openid, nickname, sex, province, city
    ("o_emu_xiaoming", "小明", 1, "广东", "深圳"),
    ("o_emu_xiaohong", "小红", 2, "上海", "上海"),
    ("o_emu_laowang", "老王", 1, "北京", "北京"),
    ("o_emu_zhangayi", "张阿姨", 2, "浙江", "杭州"),
    ("o_emu_lili", "莉莉", 2, "四川", "成都"),
    ("o_emu_dachuan", "大川", 1, "湖北", "武汉"),
    ("o_emu_afang", "阿芳", 2, "广东", "广州"),
]


def ensure_default_users() -> list[EmulatedUser]:
    for openid, nickname, sex, province, city in DEFAULT_USERS:
        EmulatedUser.objects.get_or_create(
            openid=openid,
            defaults={"unionid": _unionid(), "nickname": nickname, "sex": sex, "province": province, "city": city},
        )
    return list(EmulatedUser.objects.all())


def default_users() -> list[EmulatedUser]:
    """Only the built-in test users (created if missing), in their usual order: safe to
    show on a public page, unlike the shoppers who logged in through the emulator."""
    ensure_default_users()
    by_openid = EmulatedUser.objects.in_bulk([openid for openid, *_ in DEFAULT_USERS], field_name="openid")
    return [by_openid[openid] for openid, *_ in DEFAULT_USERS if openid in by_openid]


def user_upsert(*, openid: str, nickname: str = "") -> EmulatedUser:
    """The test user with this openid, created if new; a given nickname renames it,
    as when a WeChat user changes their name between two logins."""
    user, created = EmulatedUser.objects.get_or_create(
        openid=openid, defaults={"unionid": _unionid(), "nickname": nickname or f"微信用户{openid[-4:]}"}
    )
    if nickname and not created and user.nickname != nickname:
        user.nickname = nickname
        user.save(update_fields=["nickname"])
    return user


def _unionid() -> str:
    return "u_" + secrets.token_hex(12)


def avatar_png(openid: str, size: int = 132) -> bytes:
    """A friendly round face in a colour derived from the openid (132 px like WeChat's)."""
    digest = hashlib.sha256(openid.encode()).digest()
    background = (80 + digest[0] % 150, 80 + digest[1] % 150, 80 + digest[2] % 150)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    face = (255, 224, 189)
    draw.ellipse([size * 0.2, size * 0.18, size * 0.8, size * 0.78], fill=face)
    for x in (0.38, 0.62):
        draw.ellipse([size * (x - 0.04), size * 0.4, size * (x + 0.04), size * 0.48], fill=(60, 40, 30))
    draw.arc([size * 0.36, size * 0.46, size * 0.64, size * 0.66], start=20, end=160, fill=(200, 60, 60), width=max(2, size // 40))
    draw.pieslice([size * 0.1, size * 0.78, size * 0.9, size * 1.5], start=180, end=360, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
