from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "会员运营"

    def ready(self):
        from crm import receivers  # noqa: F401 — registers the subscribers

        post_migrate.connect(install_schedules, sender=self)


def install_schedules(sender, **kwargs):
    """The CRM's scheduled jobs (each also a management command)."""
    from config.periodic import ensure_daily_task

    ensure_daily_task(
        name="商品推荐计算",
        task="crm.tasks.recompute_recommendations",
        hour=4,
        description="每晚 4 点按购买记录重算「经常一起买」和「同类热销」推荐（同 manage.py recompute_recommendations）。",
    )
