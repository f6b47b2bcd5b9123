"""Celery tasks: thin wrappers around the services; running one twice does no harm."""

from celery import shared_task

from outbox.services import SWEEP_SETTLE, deliveries_deliver_due, event_deliver


@shared_task
def deliver_event(event_id: int) -> dict:
    return dict(event_deliver(event_id=event_id))


@shared_task
def deliver_events() -> dict:
    return dict(deliveries_deliver_due(settle=SWEEP_SETTLE))
