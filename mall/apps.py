from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MallConfig(AppConfig):
    name = "mall"
    verbose_name = "商城"

    def ready(self):
        from mall import receivers  # noqa: F401 — registers the subscribers

        post_migrate.connect(install_schedules, sender=self)


def install_schedules(sender, **kwargs):
    from config.periodic import ensure_interval_task

    ensure_interval_task(
        name="取消超时未支付订单",
        task="mall.tasks.cancel_expired_orders",
        every_seconds=60,
        description="每分钟取消支付时限已过的订单并退回库存（同 manage.py cancel_expired_orders）。",
    )
    ensure_interval_task(
        name="查询未回调的微信支付",
        task="mall.tasks.check_open_payments",
        every_seconds=60,
        description="向微信支付查询下单几分钟后仍未收到通知的支付，补记已付款、关闭已取消订单的支付（同 manage.py check_open_payments）。",
    )
    ensure_interval_task(
        name="发货后自动确认收货",
        task="mall.tasks.complete_due_orders",
        every_seconds=600,
        description="发货超过设定天数的订单自动完成，售后期从此开始（同 manage.py complete_due_orders）。",
    )
    ensure_interval_task(
        name="补提交已同意的退款",
        task="mall.tasks.submit_pending_refunds",
        every_seconds=300,
        description="把已同意但尚未提交微信的退款提交出去（同 manage.py submit_pending_refunds）。",
    )
