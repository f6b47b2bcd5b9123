from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "会员运营"

    def ready(self):
        from crm.wechat_events import on_account_event
        from wechat.signals import account_event

        account_event.connect(on_account_event, dispatch_uid="crm.on_account_event")
