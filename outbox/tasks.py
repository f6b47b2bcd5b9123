"""Celery tasks: thin wrappers around the services; running one twice does no harm."""

from celery import shared_task

from outbox.services import SWEEP_SETTLE, deliveries_deliver_due


@shared_task
def deliver_new_events() -> dict:
    """The fast path after commit: whatever is pending and due, however new."""
    return dict(deliveries_deliver_due())


@shared_task
def deliver_events() -> dict:
    return dict(deliveries_deliver_due(settle=SWEEP_SETTLE))
