from django.apps import AppConfig
from django.core import checks


class EmulatorConfig(AppConfig):
    """The built-in fake WeChat: installed (tables, URLs) only when WECHAT_MODE=emulator
    (config/settings.py, config/urls.py)."""

    name = "wechat.emulator"
    label = "wx_emulator"
    verbose_name = "微信模拟器"

    def ready(self):
        from wechat.emulator.checks import check_emulator_reachability

        checks.register(check_emulator_reachability)
