from django.contrib import admin, messages
from django.db import transaction

from config.admin_tools import ReadOnlyAdmin, SettingsAdmin
from wechat.models import AccountEvent, AccountSettings, TemplateMessage
from wechat.tasks import deliver_template_message


@admin.register(TemplateMessage)
class TemplateMessageAdmin(ReadOnlyAdmin):
    list_display = ["dedup_key", "openid", "template_id", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=openid", "dedup_key", "=msgid"]
    actions = ["resend"]

    @admin.action(description="重新发送失败的消息", permissions=["change"])
    def resend(self, request, queryset):
        failed = list(queryset.filter(status=TemplateMessage.Status.FAILED).values_list("pk", flat=True))
        TemplateMessage.objects.filter(pk__in=failed).update(status=TemplateMessage.Status.PENDING)
        for pk in failed:
            transaction.on_commit(lambda pk=pk: deliver_template_message.delay(pk))
        self.message_user(request, f"已重新排队 {len(failed)} 条消息", messages.SUCCESS)


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "kind", "openid", "scene", "content"]
    list_filter = ["kind", "received_at"]
    search_fields = ["=openid", "scene", "content"]
    date_hierarchy = "received_at"


@admin.register(AccountSettings)
class AccountSettingsAdmin(SettingsAdmin):
    pass
