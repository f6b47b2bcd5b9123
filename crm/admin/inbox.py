"""The customer-service desk: the inbox (one conversation per member who wrote to the
official account, newest first), the conversation page with its reply box, and the
follow-up records — history, never edited once written."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from config.admin_tools import short_time, thumbnail
from config.errors import DomainError
from crm.models import FollowUp, InboxMessage
from crm.models.inbox import Conversation
from crm.services.inbox import REPLY_WINDOW, follow_up_record, inbox_reply, reply_window_ends_at
from members.models import Member

CONVERSATION_LINES = 100  # the page shows the latest; older ones stay in the database


def duration_text(seconds: int | None) -> str:
    """A wait as people say it: 45 秒, 12 分钟, 3 小时 5 分, 2 天 4 小时."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} 分钟"
    if days == 0:
        return f"{hours} 小时" + (f" {minutes % 60} 分" if minutes % 60 else "")
    return f"{days} 天" + (f" {hours % 24} 小时" if hours % 24 else "")


def reply_window_text(ends_at, now=None) -> str:
    """The 48-hour window as the operator needs it before typing a reply."""
    if ends_at is None:
        return "会员未发过消息，无法回复"
    left = ends_at - (now or timezone.now())
    if left <= timedelta(0):
        return "已超过 48 小时，无法回复"
    hours = int(left.total_seconds()) // 3600
    return f"可回复，剩余 {hours} 小时" if hours else f"可回复，剩余 {max(int(left.total_seconds()) // 60, 1)} 分钟"


def conversation_context(*, member: Member, request) -> dict:
    """What the conversation block shows, on the inbox page and the member's record alike:
    the latest messages oldest first, the window and whether this operator may reply."""
    lines = list(InboxMessage.objects.filter(member=member).select_related("operator").order_by("-id")[:CONVERSATION_LINES])
    ends_at = next((line.created_at + REPLY_WINDOW for line in lines if line.direction == InboxMessage.Direction.IN), None)
    if ends_at is None and len(lines) == CONVERSATION_LINES:  # the member's last message is older than the page
        ends_at = reply_window_ends_at(member=member)
    return {
        "member": member, "lines": lines[::-1], "window_open": ends_at is not None and ends_at > timezone.now(),
        "window_text": reply_window_text(ends_at), "may_reply": request.user.has_perm("crm.change_conversation"),
        "reply_url": reverse("admin:crm_conversation_change", args=[member.pk]),
    }


class ReplyStateFilter(admin.SimpleListFilter):
    title = "回复状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("waiting", "待回复"), ("expired", "超过 48 小时未回复"), ("answered", "已回复")]

    def queryset(self, request, queryset):
        since = timezone.now() - REPLY_WINDOW
        if self.value() == "waiting":
            return queryset.filter(last_direction=InboxMessage.Direction.IN, last_message_at__gt=since)
        if self.value() == "expired":
            return queryset.filter(last_direction=InboxMessage.Direction.IN, last_message_at__lte=since)
        if self.value() == "answered":
            return queryset.filter(last_direction=InboxMessage.Direction.OUT)
        return queryset


class RepliedByFilter(admin.SimpleListFilter):
    title = "回复客服"
    parameter_name = "operator"

    def lookups(self, request, model_admin):
        replied = InboxMessage.objects.filter(direction=InboxMessage.Direction.OUT, operator__isnull=False).values("operator_id")
        return [(member.pk, member.display_name) for member in Member.objects.filter(pk__in=replied).order_by("pk")]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        return queryset.filter(Exists(InboxMessage.objects.filter(member=OuterRef("pk"), operator_id=int(self.value()))))


@admin.register(Conversation)
class ConversationAdmin(ModelAdmin):
    """客服收件箱: members who wrote, the conversation waiting longest for an answer first
    under 「待回复」. Replying is the change permission."""

    list_display = ["avatar", "member_name", "last_message", "last_message_at", "state", "last_operator", "record"]
    list_display_links = ["avatar", "member_name"]
    list_filter = [ReplyStateFilter, RepliedByFilter]
    search_fields = ["nickname", "phone", "openid"]
    list_per_page = 50

    def get_queryset(self, request):
        latest = InboxMessage.objects.filter(member=OuterRef("pk")).order_by("-created_at", "-id")
        replies = InboxMessage.objects.filter(member=OuterRef("pk"), direction=InboxMessage.Direction.OUT).order_by("-id")
        # Not super(): its ordering names the annotation below before it exists.
        return (
            Conversation.objects
            .filter(Exists(InboxMessage.objects.filter(member=OuterRef("pk"))))
            .annotate(
                last_message_at=Subquery(latest.values("created_at")[:1]),
                last_direction=Subquery(latest.values("direction")[:1]),
                last_content=Subquery(latest.values("content")[:1]),
                last_operator_name=Subquery(replies.values("operator__nickname")[:1]),
                last_operator_username=Subquery(replies.values("operator__username")[:1]),
            )
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request):
        return ["-last_message_at"]

    def has_add_permission(self, request):
        return False  # a conversation starts when the member writes

    def has_delete_permission(self, request, obj=None):
        return False  # the history of what was said

    @admin.display(description="头像")
    def avatar(self, member):
        return thumbnail(member.avatar_url, 32)

    @admin.display(description="会员")
    def member_name(self, member):
        return member.display_name

    @admin.display(description="最后一条")
    def last_message(self, member):
        who = "会员" if member.last_direction == InboxMessage.Direction.IN else "客服"
        text = member.last_content or ""
        return f"{who}：{text[:40]}{'…' if len(text) > 40 else ''}"

    @admin.display(description="时间", ordering="last_message_at")
    def last_message_at(self, member):
        return short_time(member.last_message_at)

    @admin.display(description="状态")
    def state(self, member):
        if member.last_direction == InboxMessage.Direction.OUT:
            return "已回复"
        return reply_window_text(member.last_message_at + REPLY_WINDOW).replace("可回复", "待回复")

    @admin.display(description="最近回复客服")
    def last_operator(self, member):
        return member.last_operator_name or member.last_operator_username or "—"

    @admin.display(description="会员档案")
    def record(self, member):
        return format_html('<a class="text-primary-600" href="{}">查看</a>', reverse("admin:members_member_change", args=[member.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The conversation and its reply box; a POST replies (change permission)."""
        member = self.get_object(request, object_id)
        if not self.has_view_or_change_permission(request, member):
            raise PermissionDenied
        if member is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            if not self.has_change_permission(request, member):
                raise PermissionDenied
            reply_from_admin(request, member=member)
            back = request.POST.get("next", "")
            return redirect(back if back.startswith("/admin/") else reverse("admin:crm_conversation_change", args=[member.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": f"与 {member.display_name} 的对话",
            "conversation": conversation_context(member=member, request=request),
            "follow_ups": FollowUp.objects.filter(member=member).select_related("operator").order_by("-id")[:10],
        }
        return TemplateResponse(request, "admin/crm/conversation.html", context)


def reply_from_admin(request, *, member: Member) -> None:
    """Send the reply typed on a conversation and tell the operator how it went."""
    try:
        reply = inbox_reply(member=member, operator=request.user, content=request.POST.get("content", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return
    if reply.status == InboxMessage.Status.FAILED:
        messages.error(request, f"微信未送达：{reply.last_error}")
    else:
        messages.success(request, "已回复，会员会在公众号对话里收到")


@admin.register(FollowUp)
class FollowUpAdmin(ModelAdmin):
    """Follow-ups by every channel; the operator is whoever records it, and a record is
    history: read-only once written."""

    list_display = ["member", "channel", "short_note", "operator", "created_at", "response_time"]
    list_filter = ["channel", ("operator", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["member__nickname", "member__phone", "member__openid", "note"]
    list_select_related = ["member", "operator"]
    autocomplete_fields = ["member"]
    fields = ["member", "channel", "note"]
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else ["member", "channel", "note", "operator", "created_at", "response_time"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, so the follow-up answers the member's waiting messages and
        # measures the wait; the admin then logs the row the service wrote.
        recorded = follow_up_record(member=obj.member, operator=request.user, channel=obj.channel, note=obj.note)
        obj.pk, obj.operator, obj.response_seconds, obj.created_at = recorded.pk, recorded.operator, recorded.response_seconds, recorded.created_at

    def response_add(self, request, obj, post_url_continue=None):
        # Added from the member's record: back to it.
        back = request.POST.get("next", "")
        if back.startswith("/admin/"):
            messages.success(request, "已记录跟进")
            return redirect(back)
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="跟进内容")
    def short_note(self, follow_up):
        return follow_up.note[:60] + ("…" if len(follow_up.note) > 60 else "")

    @admin.display(description="响应时长", ordering="response_seconds")
    def response_time(self, follow_up):
        return duration_text(follow_up.response_seconds)
