from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo shop (`manage.py seed_demo`): may import every app, and no app imports it."""

    name = "demo"
    verbose_name = "演示数据"
