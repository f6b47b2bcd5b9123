"""Service (template) messages: queued in an outbox, sent by a Celery task with retries,
so a slow or failing WeChat never holds up the order that caused the message."""

import requests
from django.db import transaction
from wechatpy.exceptions import WeChatException

from wechat.client import OfficialAccountClient
from wechat.models import TemplateMessage


class MessageError(Exception):
    pass


def queue_template_message(*, dedup_key: str, openid: str, template_id: str, data: dict, url: str = "") -> TemplateMessage | None:
    """Record the message and send it after the current transaction commits.
    The same dedup_key twice is one message."""
    if not (openid and template_id):
        return None
    message, created = TemplateMessage.objects.get_or_create(
        dedup_key=dedup_key, defaults={"openid": openid, "template_id": template_id, "data": data, "url": url}
    )
    if created:
        from wechat.tasks import deliver_template_message

        # robust: a broker hiccup is logged, never fails the order that caused the message
        transaction.on_commit(lambda: deliver_template_message.delay(message.pk), robust=True)
    return message


def send_template_message(*, openid: str, template_id: str, data: dict, url: str = "") -> str:
    """Send now; returns WeChat's msgid."""
    try:
        result = OfficialAccountClient().message.send_template(openid, template_id, data, url=url or None)
    except (WeChatException, requests.RequestException) as exc:
        raise MessageError(str(exc)) from exc
    return str(result.get("msgid", ""))
