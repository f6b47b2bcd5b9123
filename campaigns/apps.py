from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "互动营销"

    def ready(self):
        from campaigns import receivers  # noqa: F401 — registers the subscribers

        post_migrate.connect(install_schedules, sender=self)
        _clear_cached_rules_on_save()


def _clear_cached_rules_on_save():
    """The plays read their rules through the cache (campaigns.selectors); saving a rule clears it."""
    from django.db.models.signals import post_delete, post_save

    from campaigns import models
    from campaigns.selectors import red_packet_rules_changed, rules_changed
    from mall.models import CouponTemplate

    rules = (
        models.Campaign,
        models.CheckinSetup,
        models.CheckinMilestone,
        models.Reward,
        models.Wheel,
        models.WheelPrize,
        CouponTemplate,
    )
    for model in rules:
        post_save.connect(rules_changed, sender=model, dispatch_uid=f"campaign-rules-{model.__name__}-save")
        post_delete.connect(rules_changed, sender=model, dispatch_uid=f"campaign-rules-{model.__name__}-delete")
    # A packet's own key only: packets are many (one a paid order, with share packets).
    for model in (models.RedPacket, models.Campaign):
        post_save.connect(red_packet_rules_changed, sender=model, dispatch_uid=f"packet-rules-{model.__name__}-save")
        post_delete.connect(red_packet_rules_changed, sender=model, dispatch_uid=f"packet-rules-{model.__name__}-delete")


def install_schedules(sender, **kwargs):
    """The campaigns' scheduled jobs (each also a management command) are added here."""
    from config.periodic import ensure_interval_task

    ensure_interval_task(
        name="红包过期退回",
        task="campaigns.tasks.expire_red_packets",
        every_seconds=600,
        description="每 10 分钟关闭已过期的红包，未领取的份额退回（记在红包的「过期退回」上，优惠券退回库存）（同 manage.py expire_red_packets）。",
    )
