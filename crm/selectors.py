"""Reads about members."""

from django.utils import timezone

from crm.models import Member
from mall.models import Address, Order
from wechat.models import AccountEvent


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def member_personal_data(*, member: Member) -> dict:
    """Everything the shop holds about one member, for their data request (个人信息查阅、复制):
    the profile, addresses, orders with what was delivered where, and the official-account
    events received from them."""
    orders = Order.objects.filter(member=member).prefetch_related("lines", "refunds").order_by("id")
    return {
        "exported_at": _when(timezone.now()),
        "profile": {
            "id": member.pk,
            "openid": member.openid,
            "unionid": member.unionid,
            "nickname": member.nickname,
            "avatar_url": member.avatar_url,
            "gender": member.get_gender_display(),
            "province": member.province,
            "city": member.city,
            "phone": member.phone,
            "attributes": member.attributes,
            "source_channel": member.source_channel,
            "referral_code": member.referral_code,
            "points": member.points,
            "balance_fen": member.balance_fen,
            "is_subscribed": member.is_subscribed,
            "date_joined": _when(member.date_joined),
            "last_login": _when(member.last_login),
        },
        "addresses": list(
            Address.objects.filter(member=member).values("name", "phone", "province", "city", "district", "detail", "is_default")
        ),
        "orders": [
            {
                "number": order.number,
                "status": order.get_status_display(),
                "created_at": _when(order.created_at),
                "paid_at": _when(order.paid_at),
                "pay_fen": order.pay_fen,
                "refunded_fen": order.refunded_fen,
                "receiver": {
                    "name": order.receiver_name, "phone": order.receiver_phone, "province": order.province,
                    "city": order.city, "district": order.district, "detail": order.address_detail,
                },
                "note": order.note,
                "lines": [{"title": line.title, "spec": line.spec, "price_fen": line.price_fen, "quantity": line.quantity} for line in order.lines.all()],
                "refunds": [{"amount_fen": refund.amount_fen, "reason": refund.reason, "status": refund.get_status_display()} for refund in order.refunds.all()],
            }
            for order in orders
        ],
        "official_account_events": [
            {"kind": event.kind, "content": event.content, "received_at": _when(event.received_at)}
            for event in AccountEvent.objects.filter(openid=member.openid).order_by("id")
        ] if member.openid else [],
    }
