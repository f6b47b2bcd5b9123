"""Reads about members, and the figures of the back office's home."""

from datetime import timedelta

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import Channel, InboxMessage, PurchasedProduct, PurchaseStats, Recommendation, ShortLink
from distribution.models import Commission, Referral, Withdrawal, WithdrawalStatus
from distribution.selectors import balances
from mall.models import Address, Order, OrderStatus, Product, Refund, RefundStatus
from mall.selectors import products_for_sale
from members.models import Member
from outbox.selectors import stuck_deliveries
from wechat.models import AccountEvent, TemplateMessage


def shoppers() -> QuerySet[Member]:
    """Members who shop, never the operators: what the member list, the CRM's figures and
    the profile import count and look among."""
    return Member.objects.filter(is_staff=False, is_superuser=False)


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def member_personal_data(*, member: Member) -> dict:
    """Everything the shop holds about one member, for their data request (个人信息查阅、复制):
    the profile, addresses, orders with what was delivered where and how it was paid, who
    referred them and what they earned as a sharer, and what passed between them and the
    official account."""
    orders = Order.objects.filter(member=member).select_related("payment").prefetch_related("lines", "refunds").order_by("id")
    referral = Referral.objects.filter(member=member).select_related("referrer").first()
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
                "payment": _payment(order),
            }
            for order in orders
        ],
        "referred_by": {"nickname": referral.referrer.display_name, "bound_at": _when(referral.bound_at)} if referral else None,
        "distribution": {
            **balances(member=member),
            "commissions": [
                {"order_number": number, "level": level, "amount_fen": amount - voided, "status": status, "created_at": _when(created)}
                for number, level, amount, voided, status, created in Commission.objects.filter(beneficiary=member)
                .order_by("id").values_list("order__number", "level", "amount_fen", "voided_fen", "status", "created_at")
            ],
            "withdrawals": list(
                Withdrawal.objects.filter(member=member).order_by("id").values("number", "amount_fen", "fee_fen", "channel", "status", "payout_reference")
            ),
        },
        "service_messages": [
            {"template_id": message.template_id, "data": message.data, "status": message.get_status_display(), "created_at": _when(message.created_at)}
            for message in TemplateMessage.objects.filter(openid=member.openid).order_by("id")
        ] if member.openid else [],
        "customer_service": [
            {"direction": message.get_direction_display(), "content": message.content, "at": _when(message.created_at)}
            for message in InboxMessage.objects.filter(member=member).order_by("id")
        ],
        "official_account_events": [
            {"kind": event.kind, "content": event.content, "received_at": _when(event.received_at)}
            for event in AccountEvent.objects.filter(openid=member.openid).order_by("id")
        ] if member.openid else [],
    }


def _payment(order) -> dict | None:
    payment = getattr(order, "payment", None)
    if payment is None:
        return None
    return {"transaction_id": payment.transaction_id, "payer_openid": payment.payer_openid, "client_ip": payment.client_ip, "paid_at": _when(payment.paid_at)}


def workbench_figures(*, now=None) -> dict:
    """The back office's home, for today in the shop's time zone (Asia/Shanghai): what
    orders paid today brought in (WeChat Pay and store balance together), the orders
    placed, the members who paid, the new members; and the queues waiting on someone.
    Seven queries, however many rows there are."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    paid = Order.objects.filter(paid_at__gte=start, paid_at__lt=end).aggregate(
        sales_fen=Coalesce(Sum(F("pay_fen") + F("balance_fen")), 0), paying_members=Count("member", distinct=True)
    )
    return {
        "day_start": start,
        "day_end": end,
        "sales_fen": paid["sales_fen"],
        "paying_members": paid["paying_members"],
        "orders_placed": Order.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        "new_members": shoppers().filter(date_joined__gte=start, date_joined__lt=end).count(),
        "to_ship": Order.objects.filter(status=OrderStatus.PAID).count(),
        "refunds_waiting": Refund.objects.filter(status=RefundStatus.REQUESTED).count(),
        "withdrawals_waiting": Withdrawal.objects.filter(status=WithdrawalStatus.PENDING).count(),
        "stuck_deliveries": stuck_deliveries(now=now).count(),
    }


def _per_channel(rows: QuerySet, by: str, figure) -> Coalesce:
    """One figure of `rows` for the channel of the outer query, as a correlated subquery."""
    return Coalesce(Subquery(rows.filter(**{by: OuterRef("code")}).order_by().values(by).annotate(n=figure).values("n")), 0)


def channels_with_figures(channels: QuerySet[Channel]) -> QuerySet[Channel]:
    """Channels with what each brought: members whose source it is, the followers among
    them, the paying members and their sales (from purchase stats, never by scanning
    orders) and the clicks on its short links — a subquery each, so a page of channels
    is one query however many there are."""
    brought = Member.objects.all()
    buyers = PurchaseStats.objects.filter(order_count__gt=0)
    clicks = ShortLink.objects.filter(channel_id=OuterRef("pk")).order_by().values("channel_id").annotate(n=Sum("click_count")).values("n")
    return channels.annotate(
        member_count=_per_channel(brought, "source_channel", Count("pk")),
        follower_count=_per_channel(brought.filter(is_subscribed=True), "source_channel", Count("pk")),
        buyer_count=_per_channel(buyers, "member__source_channel", Count("pk")),
        sales_fen=_per_channel(buyers, "member__source_channel", Sum("paid_fen")),
        click_count=Coalesce(Subquery(clicks), 0),
    )


def recommendations_for(*, member: Member, product_id: int | None = None, limit: int = 6) -> list[Product]:
    """Products on sale to suggest to `member`, shaped like the product list's: what goes
    with `product_id` when given, else with what they bought — bought-together first, then
    same-category best sellers, never what they already bought — and the shop's best
    sellers to fill up. Two queries, however long their history."""
    bought = PurchasedProduct.objects.filter(member=member).values("product_id")
    suggested = Recommendation.objects.exclude(recommended_id__in=bought)
    if product_id is not None:
        suggested = suggested.filter(product_id=product_id).exclude(recommended_id=product_id)
    else:
        suggested = suggested.filter(product_id__in=bought)
    ranked = list(
        suggested.values("recommended_id")
        .annotate(together=Sum("score", filter=Q(kind=Recommendation.Kind.BOUGHT_TOGETHER), default=0),
                  same_category=Sum("score", filter=Q(kind=Recommendation.Kind.SAME_CATEGORY), default=0))
        .order_by("-together", "-same_category", "recommended_id")
        .values_list("recommended_id", flat=True)[:limit]
    )
    place = Case(*(When(pk=pk, then=Value(n)) for n, pk in enumerate(ranked)), default=Value(len(ranked)))
    products = products_for_sale().exclude(pk__in=bought)
    if product_id is not None:
        products = products.exclude(pk=product_id)
    return list(products.annotate(place=place).order_by("place", "-sales", "-id")[:limit])
