"""The lucky wheel's page (/wheels/{id}/): the wheel, spins left, the rules, what I won and,
for a physical prize, the address it goes to — all on one page; it acts through the API."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from campaigns.models import PrizeKind, ShipmentStatus, Wheel
from campaigns.services.wheel import CONSOLATION_NAME, my_spins, wheel_running, wheel_spins_left
from config.media import absolute_media_url
from config.money import format_yuan
from mall.models import Address, Carrier

MY_SPINS_SHOWN = 20


def default_rules(wheel: Wheel) -> list[str]:
    """The three steps a shopper reads when the operator wrote none."""
    cost = f"每次消耗 {wheel.cost_points} 积分" if wheel.cost_points else "免费抽奖"
    overall = f"，活动期间共 {wheel.spins_per_campaign} 次" if wheel.spins_per_campaign is not None else ""
    return [
        f"点击「抽奖」转动转盘，{cost}",
        f"每人每天 {wheel.spins_per_day} 次{overall}",
        "积分、优惠券、余额即时到账，实物奖品填写地址后寄出",
    ]


@login_required
def wheel_page(request, wheel_id: int):
    wheel = get_object_or_404(Wheel.objects.select_related("campaign"), pk=wheel_id)
    campaign, now = wheel.campaign, timezone.now()
    prizes = list(wheel.prizes.all())
    slots = [{"id": prize.pk, "name": prize.name, "kind": prize.kind, "image_url": absolute_media_url(prize.image)} for prize in prizes]
    if not any(prize.kind == PrizeKind.NONE for prize in prizes):
        # A prize that runs out gives 谢谢参与: the wheel needs a slot to stop on for it.
        slots.append({"id": None, "name": CONSOLATION_NAME, "kind": PrizeKind.NONE, "image_url": ""})
    if wheel_running(wheel=wheel, now=now):
        state = "running"
    elif campaign.is_active and now < campaign.starts_at:
        state = "upcoming"
    else:
        state = "ended"
    wins = [spin for spin in my_spins(wheel=wheel, member=request.user).exclude(prize_kind=PrizeKind.NONE)[:MY_SPINS_SHOWN]]
    return render(request, "campaigns/wheel.html", {
        "wheel": wheel,
        "campaign": campaign,
        "state": state,
        "rules": list(campaign.rules)[:3] or default_rules(wheel),
        "spins_left": wheel_spins_left(wheel=wheel, member_id=request.user.pk),
        "wins": [_win(spin) for spin in wins],
        "addresses": Address.objects.filter(member=request.user),
        "wheel_data": {"id": wheel.pk, "running": state == "running", "slots": slots},
    })


def _win(spin) -> dict:
    shipment = getattr(spin, "shipment", None) if spin.prize_kind == PrizeKind.PHYSICAL else None
    prize = spin.prize
    if spin.prize_kind == PrizeKind.POINTS:
        detail, link = f"{prize.points} 积分已到账", ("积分明细", "/points/")
    elif spin.prize_kind == PrizeKind.COUPON:
        detail, link = "优惠券已发放", ("我的优惠券", "/coupons/")
    elif spin.prize_kind == PrizeKind.RED_PACKET:
        detail, link = f"¥{format_yuan(prize.balance_fen)} 已存入余额", ("我的", "/me/")
    elif shipment is None:
        detail, link = "", None
    elif shipment.status == ShipmentStatus.AWAITING_ADDRESS:
        detail, link = "待填写收货地址", None
    elif shipment.status == ShipmentStatus.TO_SHIP:
        detail, link = f"寄往 {shipment.receiver_name} {shipment.address}，等待发货", None
    else:
        detail, link = f"已发货：{dict(Carrier.choices).get(shipment.carrier, shipment.carrier)} {shipment.tracking_number}", None
    return {"spin": spin, "name": prize.name if prize else CONSOLATION_NAME, "detail": detail, "link": link, "shipment": shipment}
