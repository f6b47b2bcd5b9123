from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "会员运营"

    def ready(self):
        from crm import receivers  # noqa: F401 — registers the subscribers

        post_migrate.connect(install_schedules, sender=self)
        _segments_as_campaign_audiences()


def _segments_as_campaign_audiences():
    """Campaigns sit below the CRM: it offers segments as audiences through their registry."""
    from campaigns.selectors import AudienceSource, audience_source_register
    from crm.selectors.segments import segment_audience_includes, segment_audience_size, segment_audiences

    audience_source_register(prefix="segment", source=AudienceSource(
        choices=segment_audiences, size=segment_audience_size, includes=segment_audience_includes,
    ))


def install_schedules(sender, **kwargs):
    """The CRM's scheduled jobs (each also a management command)."""
    from config.periodic import ensure_daily_task, ensure_interval_task

    ensure_daily_task(
        name="RFM 评分",
        task="crm.tasks.recompute_rfm",
        hour=3,
        description="每晚 3 点按最近购买、购买次数、累计实付给买过的会员打 1–5 分并分组（同 manage.py recompute_rfm）。",
    )
    ensure_daily_task(
        name="商品推荐计算",
        task="crm.tasks.recompute_recommendations",
        hour=4,
        description="每晚 4 点按购买记录重算「经常一起买」和「同类热销」推荐（同 manage.py recompute_recommendations）。",
    )
    ensure_interval_task(
        name="自动标签同步",
        task="crm.tasks.sync_rule_tags",
        every_seconds=3600,
        description="每小时让每个自动标签的会员与其分群一致：补上新进分群的，摘掉已不在分群的（同 manage.py sync_rule_tags）。",
    )
    ensure_interval_task(
        name="定向推送：到点入队",
        task="crm.tasks.enqueue_pushes",
        every_seconds=60,
        description="每分钟把到发送时间的推送按频控写入推送名单并开始发送（同 manage.py enqueue_pushes）。",
    )
    ensure_interval_task(
        name="定向推送：补发",
        task="crm.tasks.send_pushes",
        every_seconds=60,
        description="每分钟接着发送没有进程在发的批次和退避期满的重试（同 manage.py send_pushes）。",
    )
    ensure_interval_task(
        name="分群发券：补发",
        task="crm.tasks.run_coupon_drops",
        every_seconds=60,
        description="每分钟接着发放排队中或中断的分群发券，正在发放的由其进程继续（同 manage.py run_coupon_drops）。",
    )
