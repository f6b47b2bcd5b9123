"""Coupons: issuing one from a template (stock taken by a guarded counter, once per source).
Claiming with the per-member limits, choosing one at checkout and giving it back build on
this."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from mall.errors import SoldOut
from mall.models import Coupon, CouponTemplate, CouponValidity


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
