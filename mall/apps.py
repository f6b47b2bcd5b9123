from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MallConfig(AppConfig):
    name = "mall"
    verbose_name = "商城"

    def ready(self):
        post_migrate.connect(install_schedules, sender=self)


def install_schedules(sender, **kwargs):
    from config.periodic import ensure_interval_task

    ensure_interval_task(
        name="取消超时未支付订单",
        task="mall.tasks.cancel_expired_orders",
        every_seconds=60,
        description="每分钟取消支付时限已过的订单并退回库存（同 manage.py cancel_expired_orders）。",
    )
