"""The official account's server URL (服务器配置): WeChat's signature check, the echo
handshake, and every message or event recorded once and published (outbox) for the other
apps, which subscribe to it in their receivers."""

import logging
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from outbox.services import publish
from wechat.models import ACCOUNT_EVENT, AccountEvent, AccountSettings

logger = logging.getLogger(__name__)

# wechatpy names the two scan events after its own classes; the CRM wants WeChat's words.
KINDS = {"subscribe_scan": "subscribe", "scan": "scan"}
# The signature covers token, timestamp and nonce, not the body: a signed query seen once
# must not stay usable. WeChat signs every push (and its retries) with the current time.
MAX_SIGNATURE_AGE = 300


class BadSignature(Exception):
    pass


def verify(*, signature: str, timestamp: str, nonce: str) -> None:
    try:
        check_signature(settings.WECHAT_TOKEN, signature, timestamp, nonce)
    except InvalidSignatureException as exc:
        raise BadSignature() from exc
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SIGNATURE_AGE:
        raise BadSignature()


def _read(message):
    """openid, kind, scene, content and a dedup key, or ValueError for what WeChat never sends."""
    openid = message.source
    if not isinstance(openid, str) or not 0 < len(openid) <= 64:
        raise ValueError("bad FromUserName")
    kind = KINDS.get(getattr(message, "event", ""), getattr(message, "event", "") or message.type)
    scene = (getattr(message, "scene_id", "") or "") if kind in ("subscribe", "scan") else ""
    content = getattr(message, "content", "") if message.type == "text" else ""
    if not isinstance(scene, str) or not isinstance(content, str) or len(scene) > 64:
        raise ValueError("bad EventKey or Content")
    msg_id = getattr(message, "id", None)
    dedup_key = f"msg:{int(msg_id)}" if msg_id else f"evt:{openid}:{int(message.create_time.timestamp())}:{kind}"
    return openid, kind[:32], scene, content.replace("\x00", ""), dedup_key


def handle(*, body: bytes, params) -> str:
    """Record one inbound message or event and return the XML to answer with ("" for none)."""
    crypto = None
    if settings.WECHAT_ENCODING_AES_KEY:
        crypto = WeChatCrypto(settings.WECHAT_TOKEN, settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APPID)
        try:
            body = crypto.decrypt_message(body, params.get("msg_signature", ""), params.get("timestamp", ""), params.get("nonce", ""))
        except Exception as exc:  # noqa: BLE001 — anything undecryptable is not from WeChat
            raise BadSignature() from exc
    try:
        message = parse_message(body)
        openid, kind, scene, content, dedup_key = _read(message)
    except Exception:  # noqa: BLE001 — a malformed push must not become a 500 WeChat retries
        logger.warning("unreadable official-account message (%d bytes)", len(body))  # the body names the sender
        return ""
    try:
        with transaction.atomic():
            raw = body if isinstance(body, str) else body.decode("utf-8", "replace")
            AccountEvent.objects.create(dedup_key=dedup_key[:100], openid=openid, kind=kind, scene=scene, content=content, raw=raw.replace("\x00", ""))
            publish(ACCOUNT_EVENT, openid=openid, kind=kind, scene=scene, content=content)
    except IntegrityError:
        return ""  # WeChat's retry of something we already handled

    text = AccountSettings.get_solo().welcome() if kind == "subscribe" else ""
    if not text.strip():
        return ""
    reply = TextReply(content=text, message=message).render()
    if crypto is not None:
        return crypto.encrypt_message(reply, params.get("nonce", ""), str(int(time.time())))
    return reply
