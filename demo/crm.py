"""Demo CRM: a crowd of members (each an emulator user too) with profiles and a purchase
history worth segmenting — women in 广东 who bought skincare months ago among them, 阿芳
one of them — and the CRM's figures worked out from it (purchase stats, RFM,
recommendations).
The operator builds segments and pushes on top, as in the README's walk-through."""

import random
from datetime import timedelta

from django.utils import timezone

from crm.models import Segment, Tag, TrackedEvent
from crm.services.events import PAGE_VIEW
from crm.services.purchase_stats import purchase_stats_rebuild
from crm.services.recommendations import recommendations_recompute
from crm.services.rfm import rfm_recompute
from crm.services.segments import segment_recount
from mall.models import SKU, Order
from mall.services.orders import Destination, LineRequest, order_create
from members.models import BalanceKind, Member
from members.services.balance import balance_move_once
from wechat.emulator.models import EmulatedUser
from wechat.emulator.users import user_upsert
from wechat.models import AccountEvent

CROWD = 40
PROVINCES = [("广东", "广州"), ("广东", "深圳"), ("广东", "佛山"), ("上海", "上海"), ("浙江", "杭州"), ("江苏", "南京"), ("四川", "成都")]
NAMES = {2: "阿敏 小雅 晓琳 思思 婷婷 佳佳 小玉 慧慧 阿珍 静静 小燕 丽娜".split(), 1: "阿强 小军 大伟 志明 建华 阿杰 小龙 浩然".split()}
SKIN = ["干性", "油性", "混合", "敏感"]
ADDRESS = {"name": "演示会员", "phone": "13800138000", "district": "", "detail": "演示路 1 号"}
# The emulator's 阿芳: a follower in 广东 who last bought skincare 45 days ago.
AFANG = "o_emu_afang"


def seed_crm() -> None:
    if Member.objects.filter(username__startswith="demo_crowd_").exists():
        return
    rng = random.Random(2026)
    skus = _skus()
    for n in range(CROWD):
        province, city = rng.choice(PROVINCES)
        gender = 2 if rng.random() < 0.65 else 1
        member = Member.objects.create(
            username=f"demo_crowd_{n:03d}", openid=f"o_demo_{n:03d}", nickname=f"{rng.choice(NAMES[gender])}{n:02d}",
            gender=gender, province=province, city=city, is_subscribed=rng.random() < 0.8, source_channel="store_poster" if n % 3 == 0 else "",
            attributes={"skin_type": rng.choice(SKIN), "height_cm": rng.randint(150, 185)},
        )
        member.set_unusable_password()
        member.save(update_fields=["password"])
        # Also a WeChat user of the emulator: its messages and pushes reach a phone there,
        # and the authorize page lets you log in as them to open a push and buy.
        user_upsert(openid=member.openid, nickname=member.nickname)
        EmulatedUser.objects.filter(openid=member.openid).update(
            sex=gender, province=province, city=city, subscribed=member.is_subscribed
        )
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            kind = "skincare" if gender == 2 and rng.random() < 0.7 else "other"
            _bought(member, rng.choice(skus[kind]), days_ago=rng.randint(1, 150))
    _activity(rng)
    afang = Member.objects.filter(openid=AFANG).first()
    if afang:
        Member.objects.filter(pk=afang.pk).update(attributes={"skin_type": "混合", "height_cm": 162}, is_subscribed=True)
        _bought(afang, skus["skincare"][0], days_ago=45)
    purchase_stats_rebuild()
    rfm_recompute()
    recommendations_recompute()
    for name, rules in [
        ("近 30 天买过", {"match": "all", "rules": [{"field": "last_paid_days", "op": "lt", "value": 30}]}),
        ("沉睡会员", {"match": "all", "rules": [{"field": "rfm_group", "op": "in", "value": ["dormant"]}]}),
    ]:
        segment, _ = Segment.objects.get_or_create(name=name, defaults={"rules": rules})
        segment_recount(segment=segment)
    Tag.objects.get_or_create(name="VIP")


def _activity(rng) -> None:
    """The crowd's last month as the CRM 看板 draws it: when each follower followed (a few
    have left again) and who came back to the shop this week."""
    now = timezone.now()
    follows, visits = [], []
    for openid, member_id, subscribed in Member.objects.filter(username__startswith="demo_crowd_").values_list("openid", "pk", "is_subscribed"):
        followed = now - timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 23))
        follows.append((AccountEvent(dedup_key=f"demo:subscribe:{openid}", openid=openid, kind="subscribe", raw=""), followed))
        if not subscribed:
            left = followed + (now - followed) * rng.random()
            follows.append((AccountEvent(dedup_key=f"demo:unsubscribe:{openid}", openid=openid, kind="unsubscribe", raw=""), left))
        if rng.random() < 0.6:
            visits.append((TrackedEvent(member_id=member_id, name=PAGE_VIEW, path="/"), now - timedelta(days=rng.randint(0, 6))))
    # Their times are stamped on insert (auto_now_add), so they are dated back after it.
    for model, dated, field in ((AccountEvent, follows, "received_at"), (TrackedEvent, visits, "created_at")):
        rows = model.objects.bulk_create([row for row, _ in dated])
        for row, (_, at) in zip(rows, dated):
            setattr(row, field, at)
        model.objects.bulk_update(rows, [field])


def _skus() -> dict[str, list[SKU]]:
    sellable = SKU.objects.filter(product__is_on_sale=True, product__purchase_limit=None, stock__gt=20).select_related("product__category")
    skincare = [sku for sku in sellable if sku.product.category.name == "护肤"]
    return {"skincare": skincare, "other": [sku for sku in sellable if sku.product.category.name != "护肤"][:20]}


def _bought(member: Member, sku: SKU, *, days_ago: int) -> None:
    """A real order through the checkout, paid in full with store balance given for it
    (so every ledger agrees), then dated back into the member's history."""
    balance_move_once(member_id=member.pk, amount_fen=sku.price_fen, kind=BalanceKind.ADJUSTMENT,
                      source_key=f"demo:crm:{member.pk}:{sku.pk}:{days_ago}", note="演示购物余额")
    member.refresh_from_db()
    order = order_create(member=member, destination=Destination.of({**ADDRESS, "province": member.province, "city": member.city}),
                         lines=[LineRequest(sku_id=sku.pk, quantity=1)], use_balance=True)
    at = timezone.now() - timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(created_at=at, paid_at=at)
