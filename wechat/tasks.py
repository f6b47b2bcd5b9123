import logging

from celery import shared_task
from django.utils import timezone

from wechat.messages import MessageError, send_template_message
from wechat.models import TemplateMessage

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def deliver_template_message(self, message_id: int) -> str:
    """Send one outbox message; safe to run twice (a sent message is not sent again)."""
    pending = TemplateMessage.objects.filter(pk=message_id, status=TemplateMessage.Status.PENDING)
    message = pending.first()
    if message is None:
        return "not pending"
    try:
        msgid = send_template_message(openid=message.openid, template_id=message.template_id, data=message.data, url=message.url)
    except MessageError as exc:
        last_try = self.request.retries >= self.max_retries
        pending.update(
            attempts=message.attempts + 1,
            last_error=str(exc)[:300],
            status=TemplateMessage.Status.FAILED if last_try else TemplateMessage.Status.PENDING,
        )
        logger.warning("template message %s failed (try %s): %s", message.dedup_key, self.request.retries + 1, exc)
        if last_try:
            return "failed"
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries)
    pending.update(status=TemplateMessage.Status.SENT, msgid=msgid, attempts=message.attempts + 1, sent_at=timezone.now(), last_error="")
    return "sent"
