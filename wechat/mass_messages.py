"""Mass messages (群发) by openid list through wechatpy: the cover uploaded as a thumb
(`media/upload?type=thumb`, a JPEG of at most 64 KB, kept three days), a news message
carrying it uploaded once (`media/uploadnews`), then sent to lists of followers (`message/mass/send`, msgtype
mpnews). WeChat takes 2–10,000 openids a call; a list of one goes through the preview
call (`message/mass/preview`), WeChat's way of sending a mass message to a single user.
"""

from dataclasses import dataclass

import requests
from django.utils.html import escape
from wechatpy.exceptions import WeChatException

from wechat.client import OfficialAccountClient

MAX_OPENIDS = 10_000
MAX_THUMB_BYTES = 64 * 1024  # WeChat's limit for a thumb, JPEG only
INVALID_MEDIA_ID = 40007  # the uploaded news or thumb expired (WeChat keeps them three days) or never was


class MassMessageError(Exception):
    """WeChat refused the call or did not answer; `errcode` is WeChat's (0 when it did not answer)."""

    def __init__(self, message: str, *, errcode: int = 0):
        super().__init__(message)
        self.errcode = errcode


@dataclass(frozen=True)
class News:
    title: str
    summary: str
    url: str  # where 阅读原文 and the link in the text lead: the tracking short link


def _call(method, *args, **kwargs) -> dict:
    try:
        return method(*args, **kwargs)
    except WeChatException as exc:
        raise MassMessageError(f"微信返回错误 {exc.errcode}：{exc.errmsg}", errcode=int(exc.errcode or 0)) from exc
    except requests.RequestException as exc:
        raise MassMessageError(f"微信接口无响应：{exc}") from exc


def thumb_upload(jpeg: bytes) -> str:
    """Upload a cover (a JPEG of at most MAX_THUMB_BYTES) as a temporary thumb; its
    thumb_media_id, good for three days."""
    result = _call(OfficialAccountClient().media.upload, "thumb", ("cover.jpg", jpeg, "image/jpeg"))
    # WeChat answers a thumb with thumb_media_id where other types have media_id.
    media_id = result.get("thumb_media_id") or result.get("media_id")
    if not media_id:
        raise MassMessageError(f"微信未返回缩略图 media_id：{result}")
    return str(media_id)


def news_upload(news: News, *, thumb_media_id: str) -> str:
    """Upload the news for mass sending, its cover the uploaded thumb; its media_id."""
    content = f'<p>{escape(news.summary)}</p><p><a href="{escape(news.url)}">{escape(news.title)}</a></p>'
    article = {
        # WeChat shows the thumb as the card's cover and, with show_cover_pic, atop the text
        # (it drops <img> links to other hosts from the content).
        "thumb_media_id": thumb_media_id, "title": news.title, "content": content, "digest": news.summary,
        "content_source_url": news.url, "show_cover_pic": 1,
    }
    return str(_call(OfficialAccountClient().media.upload_articles, [article])["media_id"])


def news_send(*, media_id: str, openids: list[str]) -> str:
    """Send the uploaded news to these followers; WeChat's msg_id."""
    if not 1 <= len(openids) <= MAX_OPENIDS:
        raise ValueError(f"一次群发 1–{MAX_OPENIDS} 个 openid")
    client = OfficialAccountClient()
    if len(openids) == 1:
        data = {"touser": openids[0], "msgtype": "mpnews", "mpnews": {"media_id": media_id}}
        result = _call(client.post, "message/mass/preview", data=data)
    else:
        result = _call(client.message.send_mass_article, list(openids), media_id, send_ignore_reprint=1)
    return str(result.get("msg_id", ""))
