from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "互动营销"

    def ready(self):
        from campaigns import receivers  # noqa: F401 — registers the subscribers

        post_migrate.connect(install_schedules, sender=self)


def install_schedules(sender, **kwargs):
    """The campaigns' scheduled jobs (each also a management command) are added here."""
