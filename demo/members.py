"""Demo members: the operator, a few shoppers (the emulator's test users) with an address
and an order each, and the profile attributes the demo shop asks about."""

from crm.models import Channel
from distribution.models import Grade, Referral
from distribution.services.binding import binding_apply
from mall.models import SKU, Address, Order
from mall.services.addresses import address_create
from mall.services.orders import Destination, LineRequest, order_create
from members.models import BalanceKind, Member, PointsReason, ProfileAttribute
from members.services.balance import balance_move_once
from members.services.points import points_move_once
from wechat.client import emulator_url
from wechat.emulator.users import ensure_default_users, user_upsert

OPERATOR_USERNAME = "operator"
OPERATOR_PASSWORD = "micromall"
# The shop manager's own WeChat in the emulator: 发送测试 goes to the operators who have one,
# so without it the README's walk-through stops at step 3. A staff account in no job group:
# logging in to the store with it through the emulator opens nothing in the back office.
OPERATOR_WECHAT = ("o_emu_dianzhang", "店长的微信")

# openid (the same as the WeChat emulator's test users), nickname, gender, province, city
SHOPPERS = [
    ("o_emu_xiaoming", "小明", 1, "广东", "深圳"),
    ("o_emu_xiaohong", "小红", 2, "上海", "上海"),
    ("o_emu_laowang", "老王", 1, "北京", "北京"),
    ("o_emu_afang", "阿芳", 2, "广东", "广州"),
]

GRADES = [
    {"rank": 1, "name": "银牌分销员", "level1_rate_bp": 1200, "level2_rate_bp": 500, "min_team_size": 3, "min_team_spend_fen": 100000},
    {"rank": 2, "name": "金牌分销员", "level1_rate_bp": 1500, "level2_rate_bp": 600, "min_team_size": 10, "min_team_spend_fen": 500000},
]

# key, label, kind, choices, unit, min, max
PROFILE_ATTRIBUTES = [
    ("skin_type", "肤质", "choice", ["干性", "油性", "混合", "敏感"], "", None, None),
    ("height_cm", "身高", "number", [], "cm", 100, 230),
]


def seed_members() -> None:
    if not Member.objects.filter(username=OPERATOR_USERNAME).exists():
        Member.objects.create_superuser(username=OPERATOR_USERNAME, password=OPERATOR_PASSWORD, email="", nickname="店长")
    _operator_wechat()
    for position, (key, label, kind, choices, unit, low, high) in enumerate(PROFILE_ATTRIBUTES):
        ProfileAttribute.objects.get_or_create(
            key=key,
            defaults={"label": label, "kind": kind, "choices": choices, "unit": unit, "min_value": low,
                      "max_value": high, "position": position},
        )
    Channel.objects.get_or_create(code="store_poster", defaults={"name": "门店海报（扫码关注）"})
    ensure_default_users()
    for openid, nickname, gender, province, city in SHOPPERS:
        _shopper(openid, nickname, gender, province, city)
    _referral_chain()


def _operator_wechat() -> None:
    openid, nickname = OPERATOR_WECHAT
    user_upsert(openid=openid, nickname=nickname)
    if not Member.objects.filter(openid=openid).exists():
        account = Member.objects.create(username=f"wx_{openid}", openid=openid, nickname=nickname, is_staff=True)
        account.set_unusable_password()
        account.save(update_fields=["password"])


def _referral_chain() -> None:
    """小明 brought 小红, 小红 brought 老王, 老王 brought 阿芳: a team to look at in the sharer center."""
    for grade in GRADES:
        Grade.objects.get_or_create(rank=grade["rank"], defaults=grade)
    openids = [openid for openid, *_ in SHOPPERS]
    members = {member.openid: member for member in Member.objects.filter(openid__in=openids)}
    for upper, lower in zip(openids, openids[1:]):
        if not Referral.objects.filter(member=members[lower]).exists():
            binding_apply(member=members[lower], code=members[upper].referral_code)


def _shopper(openid, nickname, gender, province, city) -> None:
    member, created = Member.objects.get_or_create(
        openid=openid,
        defaults={
            "username": f"wx_{openid}", "nickname": nickname, "gender": gender, "province": province, "city": city,
            "avatar_url": emulator_url(f"avatar/{openid}.png"), "source_channel": "demo",
        },
    )
    if created:
        member.set_unusable_password()
        member.save(update_fields=["password"])
    # A little store balance to try paying with it (使用余额 at checkout); once per member.
    balance_move_once(member_id=member.pk, amount_fen=5000, kind=BalanceKind.ADJUSTMENT, source_key=f"demo:{openid}:welcome",
                      note="演示账户余额")
    # Points to spin the wheel with; through the ledger, so reconciliation agrees.
    points_move_once(member_id=member.pk, amount=120, reason=PointsReason.ADJUSTMENT, source_key=f"demo:{openid}:points",
                     note="演示积分")
    if not Address.objects.filter(member=member).exists():
        address_create(member=member, name=nickname, phone="13800138000", province=province, city=city,
                       district="", detail="幸福路 88 号 3 栋 1201")
    sku = SKU.objects.filter(product__purchase_limit=None, stock__gt=5).order_by("id").first()
    if sku and not Order.objects.filter(member=member).exists():
        order_create(member=member, destination=Destination.of(Address.objects.filter(member=member).first()),
                     lines=[LineRequest(sku_id=sku.pk, quantity=1)], note="演示订单")
