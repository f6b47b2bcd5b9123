from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_migrate

REQUIRED_IN_LIVE_MODE = ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_TOKEN", "WECHAT_MCH_ID", "WECHAT_PAY_API_KEY")


class WeChatConfig(AppConfig):
    name = "wechat"
    verbose_name = "微信"

    def ready(self):
        checks.register(check_wechat_settings)
        post_migrate.connect(install_schedules, sender=self)


def install_schedules(sender, **kwargs):
    from config.periodic import ensure_interval_task

    ensure_interval_task(
        name="补发服务消息",
        task="wechat.tasks.send_template_messages",
        every_seconds=60,
        description="发送排队超过 1 分钟仍未发出的模板消息（如消息队列曾经中断）（同 manage.py send_template_messages）。",
    )


def check_wechat_settings(app_configs, **kwargs):
    if settings.WECHAT_MODE not in ("emulator", "live"):
        return [checks.Error(f"WECHAT_MODE must be 'emulator' or 'live', not {settings.WECHAT_MODE!r}.", id="wechat.E001")]
    if settings.WECHAT_MODE != "live":
        return []
    errors = [
        checks.Error(f"{name} is required when WECHAT_MODE=live.", id="wechat.E002")
        for name in REQUIRED_IN_LIVE_MODE
        if not getattr(settings, name)
    ]
    if not (settings.WECHAT_PAY_CERT_PATH and settings.WECHAT_PAY_KEY_PATH):
        errors.append(checks.Error("WECHAT_PAY_CERT_PATH and WECHAT_PAY_KEY_PATH are required: refunds need them.", id="wechat.E004"))
    if settings.SECRET_KEY.startswith("micromall-dev-only"):
        errors.append(checks.Error("Set SECRET_KEY: the built-in one is public and only for the demo.", id="wechat.E003"))
    if not settings.SITE_URL.startswith("https://"):
        errors.append(checks.Warning("WeChat needs an https SITE_URL for OAuth, JS-SDK and payment notifications.", id="wechat.W001"))
    return errors
