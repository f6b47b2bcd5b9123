from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "会员 CRM"

    def ready(self):
        from crm.operator_groups import sync_operator_groups
        from crm.wechat_events import on_account_event
        from wechat.signals import account_event

        post_migrate.connect(sync_operator_groups, dispatch_uid="crm.sync_operator_groups")
        account_event.connect(on_account_event, dispatch_uid="crm.on_account_event")
