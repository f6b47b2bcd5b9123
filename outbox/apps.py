from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OutboxConfig(AppConfig):
    """Domain events that are never lost: written beside the change that caused them,
    delivered to each subscriber at least once, each subscriber's effect at most once."""

    name = "outbox"
    verbose_name = "事件投递"

    def ready(self):
        post_migrate.connect(install_schedules, sender=self)


def install_schedules(sender, **kwargs):
    from config.periodic import ensure_interval_task

    ensure_interval_task(
        name="补投领域事件",
        task="outbox.tasks.deliver_events",
        every_seconds=60,
        description="投递仍在等待或重试中的事件（如下单、支付后的佣金、服务消息），保证不丢（同 manage.py deliver_events）。",
    )
