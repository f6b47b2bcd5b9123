"""The customer-service inbox: what members write to the official account, the operators'
replies through WeChat's customer-service messages, and the follow-up records that say
who answered, how and how long the member waited."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from config.errors import InvalidInput
from crm.errors import ReplyWindowClosed
from crm.models import FollowUp, InboxMessage
from crm.services.members import member_for_openid
from members.models import Member
from wechat.customer_service import TEXT_MAX_BYTES, CustomerServiceError, send_custom_text

logger = logging.getLogger(__name__)

# WeChat accepts customer-service messages for 48 hours after the member's last message.
REPLY_WINDOW = timedelta(hours=48)


def inbox_receive(*, openid: str, content: str, received_at: datetime, dedup_key: str) -> InboxMessage:
    """Keep one text a member sent; the same dedup_key again is the same message."""
    member = member_for_openid(openid=openid)
    message, _ = InboxMessage.objects.get_or_create(
        dedup_key=dedup_key,
        defaults={"member": member, "direction": InboxMessage.Direction.IN, "content": content,
                  "status": InboxMessage.Status.RECEIVED, "created_at": received_at},
    )
    return message


def reply_window_ends_at(*, member: Member) -> datetime | None:
    """When WeChat stops accepting replies to this member (in the past when closed); None
    when they never wrote."""
    last_in = InboxMessage.objects.filter(member=member, direction=InboxMessage.Direction.IN).order_by("-created_at").values_list("created_at", flat=True).first()
    return last_in + REPLY_WINDOW if last_in else None


def reply_content_clean(content: str) -> str:
    """The reply as it will be sent, or InvalidInput for one WeChat would refuse."""
    content = (content or "").replace("\x00", "").strip()
    if not content:
        raise InvalidInput("回复内容不能为空")
    if len(content.encode()) > TEXT_MAX_BYTES:
        raise InvalidInput(f"回复太长：微信客服消息最多 {TEXT_MAX_BYTES} 字节（约 {TEXT_MAX_BYTES // 3} 个汉字）")
    return content


def inbox_reply(*, member: Member, operator: Member, content: str) -> InboxMessage:
    """Send `content` to the member as a customer-service message and record it. Refused
    before anything is sent or stored when the content is unusable or the 48-hour window
    is closed. A message WeChat would not deliver is kept with status failed and its
    error (the operator sees it); a delivered one is also a follow-up with its response time."""
    content = reply_content_clean(content)
    ends_at = reply_window_ends_at(member=member)
    if not member.openid or ends_at is None or ends_at <= timezone.now():
        raise ReplyWindowClosed()
    # WeChat is called outside any transaction: no row stays locked while it answers.
    try:
        send_custom_text(openid=member.openid, content=content)
    except CustomerServiceError as exc:
        logger.warning("customer-service reply to member %s refused: %s", member.pk, exc)
        return InboxMessage.objects.create(
            member=member, direction=InboxMessage.Direction.OUT, content=content, status=InboxMessage.Status.FAILED,
            operator=operator, last_error=str(exc)[:300],
        )
    with transaction.atomic():
        message = InboxMessage.objects.create(
            member=member, direction=InboxMessage.Direction.OUT, content=content, status=InboxMessage.Status.SENT, operator=operator,
        )
        follow_up_record(member=member, operator=operator, channel=FollowUp.Channel.WECHAT, note=content)
    return message


def follow_up_record(*, member: Member, operator: Member, channel: str, note: str) -> FollowUp:
    """Record a follow-up, answering every message of the member not answered yet; its
    response time runs from the oldest of them. Two follow-ups at once: the row locks make
    the second wait and then find those messages answered, so it measures nothing."""
    note = (note or "").replace("\x00", "").strip()
    if not note:
        raise InvalidInput("跟进内容不能为空")
    if channel not in FollowUp.Channel.values:
        raise InvalidInput("跟进方式无效")
    with transaction.atomic():
        now = timezone.now()
        unanswered = list(
            InboxMessage.objects.select_for_update()
            .filter(member=member, direction=InboxMessage.Direction.IN, answered_at__isnull=True)
            .order_by("id").values_list("id", "created_at")
        )
        if unanswered:
            InboxMessage.objects.filter(pk__in=[pk for pk, _ in unanswered]).update(answered_at=now)
        oldest = min((created_at for _, created_at in unanswered), default=None)
        return FollowUp.objects.create(
            member=member, channel=channel, note=note, operator=operator,
            response_seconds=max(int((now - oldest).total_seconds()), 0) if oldest else None,
        )
