"""Coupons: issuing one from a template (stock taken by a guarded counter, once per
source), claiming one in the coupon centre (the member's limits, guarded counters too),
and taking one for an order. Giving a coupon back when its order falls through is
mall.services.transitions.coupon_give_back, beside the stock and the balance."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.errors import InvalidStatus, NotFound
from config.money import format_yuan
from mall.errors import ClaimLimitReached, CouponUnavailable, SoldOut
from mall.models import Coupon, CouponClaimCount, CouponStatus, CouponTemplate, CouponValidity, Order
from mall.selectors import PricedLine, coupon_line_discounts, coupon_scopes, coupon_usable_now


def coupon_validity(template: CouponTemplate, now) -> tuple:
    """(valid_from, valid_until) of a coupon issued now."""
    if template.validity == CouponValidity.FIXED:
        return template.valid_from or now, template.valid_until
    return now, now + timedelta(days=template.valid_days)


def coupon_stock_take(*, template_id: int) -> None:
    """One from the template's stock, or SoldOut (the guard is the UPDATE itself)."""
    taken = CouponTemplate.objects.filter(pk=template_id).filter(Q(total__isnull=True) | Q(claimed__lt=F("total"))).update(
        claimed=F("claimed") + 1
    )
    if not taken:
        raise SoldOut()


def coupon_grant(*, template: CouponTemplate, member_id: int, source_key: str, now=None) -> Coupon | None:
    """Give a member a coupon of this template, taking it from stock, once per source: the
    same source again gives nothing (None). SoldOut when none are left; nothing changed."""
    now = now or timezone.now()
    valid_from, valid_until = coupon_validity(template, now)
    try:
        with transaction.atomic():
            coupon_stock_take(template_id=template.pk)
            return Coupon.objects.create(
                template=template, member_id=member_id, valid_from=valid_from, valid_until=valid_until, source_key=source_key
            )
    except IntegrityError:
        return None  # this source gave its coupon already; the stock taken rolled back with it


@transaction.atomic
def coupon_claim(*, template: CouponTemplate, member, now=None) -> Coupon:
    """The member takes one coupon of a public template in the coupon centre.

    Limits and stock are counters, each moved by one guarded UPDATE (never counted and
    then inserted), so a member tapping thirty times at once gets what the limits allow
    and no more: the member's count for the template (per_member_limit), the member's
    count for today in Asia/Shanghai (per_member_daily_limit), then the template's stock.
    ClaimLimitReached or SoldOut roll all of them back. Coupons campaigns give out
    (coupon_grant) take stock but do not count against these limits."""
    now = now or timezone.now()
    template = CouponTemplate.objects.filter(pk=template.pk).first()
    if template is None or not (template.is_public and template.is_active):
        raise NotFound("优惠券不存在或已停止发放")
    if template.claim_starts_at > now:
        raise InvalidStatus(f"{timezone.localtime(template.claim_starts_at):%m-%d %H:%M} 开始领取")
    if template.claim_ends_at is not None and template.claim_ends_at <= now:
        raise InvalidStatus("领取已结束")
    if template.validity == CouponValidity.FIXED and template.valid_until is not None and template.valid_until <= now:
        raise InvalidStatus("优惠券已过期，不能再领")

    today = timezone.localdate(now)
    # The counter rows exist before they are counted on; two first claims at once insert
    # one row, the other insert does nothing (the unique keys), and both then queue on
    # the row's lock in the UPDATEs below.
    CouponClaimCount.objects.bulk_create(
        [CouponClaimCount(template=template, member=member, day=None), CouponClaimCount(template=template, member=member, day=today)],
        ignore_conflicts=True,
    )
    mine = CouponClaimCount.objects.filter(template=template, member=member, day__isnull=True)
    if not mine.filter(count__lt=template.per_member_limit).update(count=F("count") + 1):
        raise ClaimLimitReached(f"每人限领 {template.per_member_limit} 张，你已领过")
    today_row = CouponClaimCount.objects.filter(template=template, member=member, day=today)
    if template.per_member_daily_limit is not None:
        today_row = today_row.filter(count__lt=template.per_member_daily_limit)
    if not today_row.update(count=F("count") + 1):
        raise ClaimLimitReached(f"每人每天限领 {template.per_member_daily_limit} 张，明天再来")
    coupon_stock_take(template_id=template.pk)
    # Our own count, under the row lock the UPDATE took: the n-th claim of this member.
    claimed = mine.values_list("count", flat=True).get()
    valid_from, valid_until = coupon_validity(template, now)
    return Coupon.objects.create(
        template=template, member=member, valid_from=valid_from, valid_until=valid_until,
        source_key=f"claim:{template.pk}:{member.pk}:{claimed}",
    )


def coupon_for_order(*, member, coupon_id: int, lines: list[PricedLine], now=None) -> tuple[Coupon, list[int]]:
    """The member's coupon and what it takes off each of these lines, or CouponUnavailable
    saying why not (unknown or someone else's, used, not yet valid, expired, switched off,
    nothing it covers, under the threshold). A read: coupon_take is the last word."""
    now = now or timezone.now()
    coupon = Coupon.objects.filter(pk=coupon_id, member=member).select_related("template").first()
    if coupon is None:
        raise CouponUnavailable("优惠券不存在")
    if coupon.status != CouponStatus.UNUSED:
        raise CouponUnavailable("优惠券已使用")
    if coupon.valid_until <= now:
        raise CouponUnavailable("优惠券已过期")
    if coupon.valid_from > now:
        raise CouponUnavailable(f"优惠券 {timezone.localtime(coupon.valid_from):%m-%d %H:%M} 起可用")
    template = coupon.template
    if not template.is_active:
        raise CouponUnavailable("优惠券已停用")
    discounts = coupon_line_discounts(template, lines, coupon_scopes([template]).get(template.pk))
    if not any(discounts):
        threshold = f"：适用商品满 ¥{format_yuan(template.threshold_fen)} 可用" if template.threshold_fen else ""
        raise CouponUnavailable(f"订单不满足该优惠券的使用条件{threshold}")
    return coupon, discounts


def coupon_take(*, coupon: Coupon, order: Order, now=None) -> None:
    """Mark the coupon used by this order: one guarded UPDATE (still unused, the member's,
    valid now, its template on); nothing taken is CouponUnavailable, and the caller's
    transaction rolls the order back with it."""
    now = now or timezone.now()
    taken = Coupon.objects.filter(coupon_usable_now(now), pk=coupon.pk, member_id=order.member_id).update(
        status=CouponStatus.USED, order=order, used_at=now
    )
    if not taken:
        raise CouponUnavailable("优惠券已使用或已失效")
