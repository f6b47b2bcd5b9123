import logging

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_migrate

logger = logging.getLogger(__name__)


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = "分销"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from mall import events

        events.order_created.connect(on_order_created, dispatch_uid="distribution.snapshot")
        events.order_paid.connect(on_order_paid, dispatch_uid="distribution.earn")
        events.order_refunded.connect(on_order_refunded, dispatch_uid="distribution.void")
        events.order_completed.connect(on_order_completed, dispatch_uid="distribution.counters")
        user_logged_in.connect(on_login, dispatch_uid="distribution.bind_at_login")
        post_migrate.connect(install_schedules, sender=self)


def _later(task, *args) -> None:
    # robust: a broker outage is logged, never turned into an error for the shopper
    transaction.on_commit(lambda: task.delay(*args), robust=True)


def on_order_created(sender, order, **kwargs):
    from distribution.services.commissions import order_snapshot

    try:
        order_snapshot(order=order)
    except Exception:  # noqa: BLE001 — earning takes the snapshot later if this one failed
        logger.exception("referral snapshot for order %s failed", order.pk)


def on_order_paid(sender, order, **kwargs):
    from distribution.tasks import earn_commissions

    _later(earn_commissions, order.pk)


def on_order_refunded(sender, order, **kwargs):
    from distribution.tasks import void_commissions

    _later(void_commissions, order.pk)


def on_order_completed(sender, order, **kwargs):
    from distribution.tasks import check_grades

    _later(check_grades, order.pk)


def on_login(sender, request, user, **kwargs):
    from distribution.middleware import apply_pending_referral

    apply_pending_referral(request, user)


def install_schedules(sender, **kwargs):
    from config.periodic import ensure_interval_task

    ensure_interval_task(
        name="佣金解冻",
        task="distribution.tasks.release_due_commissions",
        every_seconds=600,
        description="订单完成且售后期结束后，冻结佣金转为可提现（同 manage.py release_due_commissions）。",
    )
    ensure_interval_task(
        name="重试未确认的提现打款",
        task="distribution.tasks.pay_stuck_withdrawals",
        every_seconds=600,
        description="微信打款结果未知的提现，用同一单号重试（微信对同一单号最多付款一次）。",
    )
    ensure_interval_task(
        name="佣金对账",
        task="distribution.tasks.reconcile_commissions",
        every_seconds=86400,
        description="核对每位分销员的余额与流水、佣金、提现是否一致，差异记入错误日志（同 manage.py reconcile_commissions）。",
    )
