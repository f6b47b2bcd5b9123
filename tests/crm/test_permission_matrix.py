"""Least privilege, walked as a matrix: every operator group × every admin page and action.

What a group may do is the set of permissions it holds after `migrate`; the policy tests
below pin that set to each job. The walk then proves the admin enforces exactly that set:
each page answers 200 (or the singleton's redirect) where the group holds the permission
and the page exists for anyone, 403 where it does not, and each bulk action is offered only
where its permission is held. A custom admin page must be declared in CUSTOM_PAGES.
"""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, SolarSchedule

from crm.models import Channel, CouponDrop, CrmSettings, FollowUp, InboxMessage, PurchaseStats, Push, Segment, Tag
from distribution.models import DistributionSettings, Distributor, Grade, ReferralChange, SkuCommission, Withdrawal
from distribution.services.commissions import commissions_release_due
from distribution.services.withdrawals import withdrawal_request
from mall.models import Banner, CouponTemplate, Payment, Refund, RefundStatus, RefusedNotice, ShopSettings
from members.models import Member, OperatorAccount, ProfileAttribute
from members.services.balance import balance_move
from members.services.operator_groups import GROUPS, MANAGER
from tests.distribution.conftest import buy, complete
from tests.factories import MemberFactory, ProductImageFactory, SKUFactory
from wechat.models import AccountEvent, AccountSettings, TemplateMessage

pytestmark = pytest.mark.django_db

NO_GROUP = "（无运营组）"
USERS = [*GROUPS, NO_GROUP]

# Admin pages beyond the standard ones, and the permission each needs.
CUSTOM_PAGES = {
    "mall_order_ship": "mall.change_order",
    "distribution_team": ("distribution.view_distributor", "distribution.change_distributor"),
    "distribution_rebind": "distribution.change_referral",
    "campaigns_campaign_calendar": ("campaigns.view_campaign", "campaigns.change_campaign"),
    "campaigns_redpacket_sharers": ("campaigns.view_redpacket", "campaigns.change_redpacket"),
    "crm_segment_preview": ("crm.view_segment", "crm.change_segment"),
    "crm_push_step": "crm.change_push",
    "members_member_import": "members.change_member",
    "members_member_export": "members.export_member",
}
# POST-only pages (a GET is 405 for everyone), each tested where it is built.
POST_ONLY_PAGES = {"members_member_process_import"}  # tests/crm/test_member_import.py
# Admins no group may open, whatever its permissions: accounts and permissions.
SUPERUSER_ONLY = {OperatorAccount, Group}


@pytest.fixture
def shop(db):
    """At least one row behind every admin page."""
    a, b = MemberFactory(nickname="A"), MemberFactory(nickname="B")
    from distribution.services.binding import binding_apply

    binding_apply(member=b, code=a.referral_code)
    sku = SKUFactory(price_fen=10000, stock=50)
    ProductImageFactory(product=sku.product)
    paid = complete(buy(b, sku), days_ago=1)
    commissions_release_due(now=timezone.now())
    withdrawal_request(member=a, amount_fen=500, channel="wechat")
    balance_move(member_id=b.pk, amount_fen=100, kind="adjustment", source_key="test:grant")
    waiting = buy(b, sku)
    Refund.objects.create(order=waiting, amount_fen=1000, reason="不想要了", status=RefundStatus.REQUESTED, order_status_before="paid")
    ReferralChange.objects.create(member=b, new_referrer=a, source="link", reason="测试")
    Payment.objects.create(order=paid, out_trade_no=paid.number, amount_fen=paid.pay_fen, state="paid", transaction_id="4200")
    RefusedNotice.objects.create(kind="payment", reference=paid.number, wechat_id="42", amount_fen=1, reason="金额不符")
    Banner.objects.create(title="横幅", image="banner.png")
    Distributor.objects.create(member=a, status="active")
    Grade.objects.create(name="金牌", rank=1, level1_rate_bp=1200, level2_rate_bp=600)
    SkuCommission.objects.create(sku=sku, level1_fen=100, level2_fen=50)
    TemplateMessage.objects.create(dedup_key="k", openid="o_test_x", template_id="t", data={})
    AccountEvent.objects.create(dedup_key="e", openid="o_test_x", kind="subscribe", raw="<xml/>")
    ProfileAttribute.objects.create(key="skin_type", label="肤质", kind="choice", choices=["干性"])
    Channel.objects.create(name="门店海报", code="store")
    women = Segment.objects.create(name="女性", rules={"match": "all", "rules": [{"field": "gender", "op": "eq", "value": 2}]})
    Tag.objects.create(name="女性", kind="rule", segment=women)
    Push.objects.create(title="上新", target="/", segment=women, send_at=timezone.now())
    CouponDrop.objects.create(segment=women, template=CouponTemplate.objects.create(title="会员专享 10 元", amount_fen=1000, is_public=False),
                              targeted=1)
    InboxMessage.objects.create(member=b, direction="in", content="在吗", status="received")
    FollowUp.objects.create(member=b, note="电话回访")
    PurchaseStats.objects.create(member=b, order_count=2, paid_fen=20000)  # behind the CRM dashboard too
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    CrontabSchedule.objects.get_or_create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=31.2, longitude=121.5)
    attempt = {"user_agent": "ua", "ip_address": "10.0.0.1", "username": "x", "http_accept": "*/*", "path_info": "/admin/login/"}
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt)
    ShopSettings.get_solo(), DistributionSettings.get_solo(), AccountSettings.get_solo(), CrmSettings.get_solo()
    _campaign_rows(a, b)
    _checkin_rows(b)
    _wheel_rows(b)
    _red_packet_rows(a, b)
    _coupon_rows(b)
    _tracking_rows(b, sku)
    return {"member": b, "withdrawal": Withdrawal.objects.get(), "refund": Refund.objects.get()}


def operator_in(name: str) -> Member:
    account = MemberFactory(is_staff=True, openid=None)
    if name != NO_GROUP:
        account.groups.add(Group.objects.get(name=name))
    return Member.objects.get(pk=account.pk)  # fresh: no permission cache


def holds(user, permission) -> bool:
    options = (permission,) if isinstance(permission, str) else permission
    return any(user.has_perm(option) for option in options)


def request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def pages(model, model_admin, obj_id):
    """(label, url, permission needed or None for 'the page does not exist for anyone')."""
    opts = model._meta
    perm = lambda action: f"{opts.app_label}.{action}_{opts.model_name}"  # noqa: E731
    superuser = request_as(Member(is_superuser=True, is_staff=True, is_active=True))
    url = lambda name, *args: reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)  # noqa: E731
    yield "changelist", url("changelist"), (perm("view"), perm("change"))
    yield "add", url("add"), perm("add") if model_admin.has_add_permission(superuser) else None
    if obj_id is not None:
        yield "change", url("change", obj_id), (perm("view"), perm("change"))
        yield "delete", url("delete", obj_id), perm("delete") if model_admin.has_delete_permission(superuser) else None


def any_id(model):
    if model is OperatorAccount:
        return MemberFactory(is_staff=True, openid=None).pk
    queryset = model.objects.filter(is_staff=False) if model is Member else model._default_manager.all()
    return queryset.values_list("pk", flat=True).first()


@pytest.mark.parametrize("job", USERS)
def test_every_admin_page_answers_as_the_group_permissions_say(client, shop, job):
    user = operator_in(job)
    client.force_login(user)
    wrong = []
    for model, model_admin in admin.site._registry.items():
        obj_id = any_id(model)
        assert obj_id is not None, f"the dataset has no {model.__name__}"
        for label, url, needed in pages(model, model_admin, obj_id):
            allowed = needed is not None and model not in SUPERUSER_ONLY and holds(user, needed)
            status = client.get(url).status_code
            if allowed and status not in (200, 302) or not allowed and status != 403:
                wrong.append(f"{model.__name__} {label} {url}: {status}, expected {'allow' if allowed else 403}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("job", USERS)
def test_every_bulk_action_is_offered_only_with_its_permission(shop, job):
    user = operator_in(job)
    superuser = request_as(Member(is_superuser=True, is_staff=True, is_active=True))
    wrong = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        reachable = model_admin.has_module_permission(request_as(user)) and model_admin.has_view_or_change_permission(request_as(user))
        offered = set(model_admin.get_actions(request_as(user))) if reachable else set()
        for name, (function, _, _) in model_admin.get_actions(superuser).items():
            needed = getattr(function, "allowed_permissions", ()) or ("view",)
            # An action may need another model's permission, named by its codename (the
            # segment list's 发优惠券… needs crm.add_coupondrop).
            codenames = [f"{opts.app_label}.{p}" if "_" in p else f"{opts.app_label}.{p}_{opts.model_name}" for p in needed]
            viewable = holds(user, (f"{opts.app_label}.view_{opts.model_name}", f"{opts.app_label}.change_{opts.model_name}"))
            expected = model not in SUPERUSER_ONLY and viewable and all(
                holds(user, (codename, codename.replace(".view_", ".change_"))) for codename in codenames
            )
            if expected != (name in offered):
                wrong.append(f"{model.__name__}.{name}: offered={name in offered}, expected={expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("job", USERS)
def test_custom_admin_pages_need_their_permission(client, shop, job):
    user = operator_in(job)
    client.force_login(user)
    arguments = {"crm_push_step": Push.objects.get().pk, "mall_order_ship": shop["refund"].order_id, "distribution_team": shop["member"].pk, "distribution_rebind": shop["member"].pk}
    for name, needed in CUSTOM_PAGES.items():
        status = client.get(reverse(f"admin:{name}", args=[arguments[name]] if name in arguments else [])).status_code
        assert status == (200 if holds(user, needed) else 403), (name, status)


def test_every_custom_admin_page_is_declared():
    standard = ("_changelist", "_add", "_change", "_delete", "_history", "_autocomplete", "_password_change")
    resolver = get_resolver().namespace_dict["admin"][1]
    admin_names = {name for name in resolver.reverse_dict.keys() if isinstance(name, str)}
    custom = {
        name for name in admin_names
        if "_" in name and not name.endswith(standard) and not name.startswith(("auth_", "password_", "app_list", "view_on_site"))
        and name not in ("jsi18n", "autocomplete", "index", "login", "logout")
    }
    assert custom == set(CUSTOM_PAGES) | POST_ONLY_PAGES


# --- The policy: what each job holds -------------------------------------------------


def perms_of(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(group__name=name).values_list("content_type__app_label", "codename")
    }


def test_money_decisions_belong_to_finance_and_the_manager_only():
    for permission in ("mall.approve_refund", "distribution.approve_withdrawal"):
        assert {name for name in GROUPS if permission in perms_of(name)} == {"财务", MANAGER}


def test_no_group_holds_accounts_or_permissions():
    for name in GROUPS:
        held = perms_of(name)
        assert not {p for p in held if p.startswith(("auth.", "admin.", "contenttypes.", "sessions.")) or "operatoraccount" in p}


def test_customer_service_handles_orders_but_decides_no_money():
    held = perms_of("订单客服")
    assert {"mall.change_order", "mall.view_refund"} <= held
    assert not {"mall.change_refund", "mall.approve_refund", "distribution.approve_withdrawal", "mall.change_product"} & held


def test_member_operators_edit_members_but_nothing_else_of_an_account():
    held = perms_of("会员运营")
    assert {"members.change_member", "members.add_profileattribute"} <= held
    assert not {p for p in held if p.startswith(("mall.", "distribution.")) or p in ("members.export_member", "members.erase_member")}


def test_the_manager_holds_every_group_permission_and_the_settings():
    manager = perms_of(MANAGER)
    for name in GROUPS:
        assert perms_of(name) <= manager
    assert {"mall.change_shopsettings", "django_celery_beat.change_periodictask"} <= manager


def test_migrate_takes_away_a_grant_the_code_no_longer_gives():
    from members.services.operator_groups import sync_operator_groups

    service = Group.objects.get(name="订单客服")
    service.permissions.add(Permission.objects.get(codename="approve_refund"))
    sync_operator_groups()
    assert "mall.approve_refund" not in perms_of("订单客服")


def test_every_grant_names_a_permission_that_exists():
    from django.contrib.auth.models import Permission

    existing = {f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")}
    for name, grants in GROUPS.items():
        for model_label, actions in grants.items():
            app_label, model = model_label.split(".")
            missing = {f"{app_label}.{action}_{model}" for action in actions} - existing
            assert not missing, (name, missing)


def _campaign_rows(a, b):
    """The calendar and the social gifts (each campaign slice adds its own rows here)."""
    from datetime import timedelta

    from campaigns.models import Campaign, FollowGift, GiftGrant, Invitation, ReferralGift, Reward

    now = timezone.now()
    campaign = Campaign.objects.create(title="关注有礼", play="follow_gift", starts_at=now, ends_at=now + timedelta(days=7))
    points = Reward.objects.create(kind="points", points=10)
    FollowGift.objects.create(campaign=campaign, reward=points)
    gift = Campaign.objects.create(title="老带新", play="referral_gift", starts_at=now, ends_at=now + timedelta(days=7))
    ReferralGift.objects.create(campaign=gift, inviter_reward=points, invitee_reward=points)
    GiftGrant.objects.create(campaign=campaign, member=b, reason="follow")
    Invitation.objects.create(inviter=a, invitee=b)


def _checkin_rows(member):
    """Daily check-in: its rules with a milestone, a check-in, points moved, the campaign settings."""
    from datetime import timedelta

    from campaigns.models import Campaign, CampaignSettings, Checkin, CheckinMilestone, CheckinSetup, Reward
    from members.services.points import points_move

    now = timezone.now()
    campaign = Campaign.objects.create(title="每日签到", play="checkin", starts_at=now, ends_at=now + timedelta(days=30))
    setup = CheckinSetup.objects.create(campaign=campaign, daily_reward=Reward.objects.create(kind="points", points=5))
    CheckinMilestone.objects.create(setup=setup, streak_days=7, reward=Reward.objects.create(kind="points", points=50))
    Checkin.objects.create(campaign=campaign, member=member, day=timezone.localdate(now), streak=1)
    points_move(member_id=member.pk, amount=5, reason="checkin", source_key="test:checkin")
    CampaignSettings.get_solo()


def _wheel_rows(member):
    """The lucky wheel: a wheel with two prizes, a spin that won the physical one, its shipment."""
    from datetime import timedelta

    from campaigns.models import Campaign, PrizeShipment, Spin, Wheel, WheelPrize

    now = timezone.now()
    campaign = Campaign.objects.create(title="幸运大转盘", play="wheel", starts_at=now, ends_at=now + timedelta(days=7))
    wheel = Wheel.objects.create(campaign=campaign)
    gift = WheelPrize.objects.create(wheel=wheel, name="保温杯", kind="physical", stock=5, given=1, position=1)
    WheelPrize.objects.create(wheel=wheel, name="谢谢参与", kind="none", weight=9, position=2)
    spin = Spin.objects.create(wheel=wheel, member=member, day=timezone.localdate(now), prize=gift, prize_kind="physical")
    PrizeShipment.objects.create(spin=spin)


def _red_packet_rows(a, b):
    """Red packets: a balance packet one member grabbed, and a share packet's rules with the packet an order gave."""
    from datetime import timedelta

    from campaigns.models import Campaign, RedPacket, SharePacketSetup
    from campaigns.services.packets import red_packet_create, red_packet_grab
    from mall.models import CouponTemplate, Order

    now = timezone.now()
    campaign = Campaign.objects.create(title="抢红包", play="red_packet", starts_at=now, ends_at=now + timedelta(days=7))
    packet = red_packet_create(campaign=campaign, title="周末红包", total_fen=1000, shares=3, split="random", delivers="balance",
                               expires_at=now + timedelta(days=1))
    red_packet_grab(packet=RedPacket.objects.get(pk=packet.pk), member=b)
    sharing = Campaign.objects.create(title="分享红包", play="share_packet", starts_at=now, ends_at=now + timedelta(days=7))
    coupon = CouponTemplate.objects.create(title="5 元无门槛", amount_fen=500, is_public=False)
    SharePacketSetup.objects.create(campaign=sharing, coupon_template=coupon, shares=3)
    red_packet_create(campaign=sharing, title="分享红包", total_fen=1500, shares=3, split="equal", delivers="coupon", expires_at=now + timedelta(days=3),
                      coupon_template=coupon, owner=a, order=Order.objects.filter(member=b).first())


def _coupon_rows(member):
    """Coupons: a template with a coupon the member claimed and one an order used."""
    from mall.models import Coupon, CouponTemplate, Order
    from mall.services.coupons import coupon_claim

    template = CouponTemplate.objects.create(title="满 100 减 20", amount_fen=2000, threshold_fen=10000, per_member_limit=2)
    coupon_claim(template=template, member=member)
    used = coupon_claim(template=template, member=member)
    Coupon.objects.filter(pk=used.pk).update(status="used", order=Order.objects.filter(member=member).first(), used_at=timezone.now())


def _tracking_rows(member, sku):
    """A channel's short link clicked by the member, a page view, a recommendation."""
    from crm.models import Recommendation, TrackedEvent
    from crm.services.links import link_click, short_link_create

    link_click(link=short_link_create(target="/", channel=Channel.objects.get(code="store")), member=member)
    TrackedEvent.objects.create(member=member, name="page_view", path="/")
    other = SKUFactory().product
    Recommendation.objects.create(product=sku.product, recommended=other, kind=Recommendation.Kind.BOUGHT_TOGETHER, score=1)
