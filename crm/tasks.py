"""The CRM's scheduled and queued jobs (Celery)."""

from celery import shared_task

from crm.services.coupon_drops import coupon_drop_run, coupon_drops_run_pending
from crm.services.pushes import push_send, pushes_enqueue_due, pushes_send_pending
from crm.services.recommendations import recommendations_recompute
from crm.services.rfm import rfm_recompute
from crm.services.tags import tags_sync_all


@shared_task
def recompute_rfm() -> int:
    return rfm_recompute()


@shared_task
def sync_rule_tags() -> dict:
    return tags_sync_all()


@shared_task
def enqueue_pushes() -> int:
    return pushes_enqueue_due()


@shared_task
def send_push(push_id: int) -> int:
    return push_send(push_id=push_id)


@shared_task
def send_pushes() -> int:
    return pushes_send_pending()


@shared_task
def recompute_recommendations() -> int:
    return recommendations_recompute()


@shared_task
def run_coupon_drop(drop_id: int) -> int:
    return coupon_drop_run(drop_id=drop_id)


@shared_task
def run_coupon_drops() -> int:
    return coupon_drops_run_pending()
