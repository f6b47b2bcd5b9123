"""Celery tasks: thin wrappers around the services, safe to run twice."""

import logging

from celery import shared_task

from wechat.messages import MAX_ATTEMPTS, MessageError, template_message_send, template_messages_send_pending

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=MAX_ATTEMPTS - 1)
def deliver_template_message(self, message_id: int) -> str:
    """Send one outbox message, retried with backoff while WeChat refuses it."""
    try:
        return template_message_send(message_id=message_id)
    except MessageError as exc:
        logger.warning("template message %s failed (try %s): %s", message_id, self.request.retries + 1, exc)
        if self.request.retries >= self.max_retries:
            return "failed"
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task
def send_template_messages() -> int:
    return template_messages_send_pending()
