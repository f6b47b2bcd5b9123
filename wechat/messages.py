"""Service (template) messages: queued in an outbox, sent by a Celery task with retries,
so a slow or failing WeChat never holds up the order that caused the message."""

from datetime import timedelta

import requests
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
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


MAX_ATTEMPTS = 6


def template_message_send(*, message_id: int) -> str:
    """Send one queued message once: "sent", "not pending" (sent already or given up), or
    MessageError (counted; after MAX_ATTEMPTS the message is given up as failed)."""
    pending = TemplateMessage.objects.filter(pk=message_id, status=TemplateMessage.Status.PENDING)
    message = pending.first()
    if message is None:
        return "not pending"
    try:
        msgid = send_template_message(openid=message.openid, template_id=message.template_id, data=message.data, url=message.url)
    except MessageError as exc:
        attempts = message.attempts + 1
        pending.update(
            attempts=attempts,
            last_error=str(exc)[:300],
            status=TemplateMessage.Status.FAILED if attempts >= MAX_ATTEMPTS else TemplateMessage.Status.PENDING,
        )
        raise
    pending.update(status=TemplateMessage.Status.SENT, msgid=msgid, attempts=message.attempts + 1, sent_at=timezone.now(), last_error="")
    return "sent"


def template_messages_send_pending(*, now=None, limit: int = 500) -> int:
    """The sweep: messages no worker ever tried a minute after they were queued (the broker
    was down), or still pending half an hour on (a worker died between its retries). How
    many it tried."""
    now = now or timezone.now()
    stranded = TemplateMessage.objects.filter(status=TemplateMessage.Status.PENDING).filter(
        Q(attempts=0, created_at__lte=now - timedelta(minutes=1)) | Q(created_at__lte=now - timedelta(minutes=30))
    )
    ids = list(stranded.order_by("id").values_list("pk", flat=True)[:limit])
    for message_id in ids:
        try:
            template_message_send(message_id=message_id)
        except MessageError:
            pass  # counted on the message; the next sweep tries again
    return len(ids)
