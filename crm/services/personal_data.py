"""Members' own requests about their personal data (个人信息保护法): erasure touches every app."""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from crm.models import FollowUp, InboxMessage
from distribution.models import Distributor, DistributorStatus
from mall.models import Address, CartItem, Order, Payment, Refund
from members.models import Gender, Member
from wechat.models import AccountEvent, TemplateMessage

ERASED_NICKNAME = "已注销用户"
ERASED = "（已注销）"


@transaction.atomic
def member_erase_personal_data(*, member: Member) -> Member:
    """Erase a member's personal data on their request (个人信息删除). Orders stay as the
    legal record of a sale, with who-and-where masked; addresses, cart, profile and what
    WeChat sent about them go. The account can no longer log in; the same WeChat user
    logging in again starts as a new member."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    openid = member.openid
    Address.objects.filter(member=member).delete()
    CartItem.objects.filter(member=member).delete()
    for order in Order.objects.filter(member=member).only("pk", "receiver_name", "receiver_phone"):
        Order.objects.filter(pk=order.pk).update(
            receiver_name=_mask_name(order.receiver_name), receiver_phone=_mask_phone(order.receiver_phone),
            district="", address_detail=ERASED, note="", operator_note="",
        )
    Refund.objects.filter(order__member=member).update(reason=ERASED)
    Payment.objects.filter(order__member=member).update(payer_openid="", client_ip="")
    # No longer a sharer; commissions and withdrawals stay, as money history.
    Distributor.objects.update_or_create(member=member, defaults={"status": DistributorStatus.REVOKED})
    # The admin's change history names objects as they were.
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Member), object_id=str(member.pk)).update(object_repr=ERASED_NICKNAME)
    # What they wrote to customer service goes with the account events it came from; the
    # follow-ups stay as the desk's record, without what was said.
    InboxMessage.objects.filter(member=member).delete()
    FollowUp.objects.filter(member=member).update(note=ERASED)
    if openid:
        AccountEvent.objects.filter(openid=openid).delete()
        TemplateMessage.objects.filter(openid=openid).update(openid="", data={})
    for field, value in {
        "openid": None, "unionid": None, "username": f"erased_{member.pk}", "nickname": ERASED_NICKNAME, "avatar_url": "",
        "phone": "", "gender": Gender.UNKNOWN, "province": "", "city": "", "attributes": {}, "email": "", "first_name": "",
        "last_name": "", "is_active": False, "is_subscribed": False, "erased_at": timezone.now(),
    }.items():
        setattr(member, field, value)
    member.set_unusable_password()
    member.save()  # an inactive member is never loaded back into a request: open sessions end here
    return member


def _mask_name(name: str) -> str:
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else ""


def _mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 11 else "****"
