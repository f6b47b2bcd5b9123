"""Celery tasks of the campaigns: thin wrappers around services that are safe to run twice."""

from celery import shared_task

from campaigns.services.packets import red_packets_expire


@shared_task
def expire_red_packets() -> dict:
    return red_packets_expire()
