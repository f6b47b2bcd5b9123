from django.apps import AppConfig


class EmulatorConfig(AppConfig):
    """The built-in fake WeChat. Its tables exist in every mode; its URLs are mounted
    only when WECHAT_MODE=emulator (see config/urls.py)."""

    name = "wechat.emulator"
    label = "wx_emulator"
    verbose_name = "微信模拟器"
