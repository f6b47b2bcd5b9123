"""The CRM's scheduled and queued jobs (Celery)."""

from celery import shared_task

from crm.services.recommendations import recommendations_recompute


@shared_task
def recompute_recommendations() -> int:
    return recommendations_recompute()
