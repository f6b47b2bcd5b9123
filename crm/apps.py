from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "会员运营"

    def ready(self):
        from crm import receivers  # noqa: F401 — registers the subscribers
