from django.apps import AppConfig
from django.core import checks


class ProjectConfig(AppConfig):
    """The project's own bases; here for the system checks that span every app."""

    name = "config"
    verbose_name = "项目配置"

    def ready(self):
        from config.checks import check_live_settings

        checks.register(check_live_settings)
