"""Parametric QR codes of the official account (带参数二维码): scanning one follows the
account, and the follow event carries the scene, so channels can be measured."""

from dataclasses import dataclass
from urllib.parse import quote

import requests
from wechatpy.exceptions import WeChatException

from wechat.client import OfficialAccountClient, emulator_enabled, emulator_url


class QrcodeError(Exception):
    pass


@dataclass(frozen=True)
class SceneQrcode:
    ticket: str
    url: str  # what the QR code encodes
    image_url: str  # a picture of it, for posters and the admin


def create_scene_qrcode(scene: str) -> SceneQrcode:
    """A permanent QR code for `scene` (at most 64 characters)."""
    client = OfficialAccountClient()
    try:
        result = client.qrcode.create({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}})
    except (WeChatException, requests.RequestException) as exc:
        raise QrcodeError(str(exc)) from exc
    ticket = result["ticket"]
    if emulator_enabled():
        image_url = emulator_url(f"showqrcode?ticket={quote(ticket)}")
    else:
        image_url = client.qrcode.get_url(ticket)
    return SceneQrcode(ticket=ticket, url=result.get("url", ""), image_url=image_url)
