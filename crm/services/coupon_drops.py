"""Coupon drops: one coupon of a template to every member of a segment.

A drop is created only when it can be given whole (nothing half-sent): the segment has
members and compiles, the template is on and not expired, and its stock left covers the
segment beside what the template's other running drops still need. Creates of drops of
one template queue on the template's row lock, so two at once cannot both count on the
same stock.

A worker gives it in batches. Each batch is one transaction holding the drop's row
(FOR UPDATE SKIP LOCKED: a second worker finds it taken and leaves it), walking the
segment's members in id order after the cursor; the coupons, the cursor and the counters
commit together, so a worker dying mid-batch leaves nothing half-counted and the next one
starts where the last batch ended. Every coupon's source is the drop and the member
(`drop:<id>:<member>`, unique), so no rerun gives anybody a second. The stock running out
stops the drop and says so; a cancelled drop is never picked up again."""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from config.errors import InvalidStatus
from crm.errors import (
    CouponDropActive,
    CouponDropSegmentEmpty,
    CouponDropStockShort,
    CouponDropTemplateUnusable,
    SegmentRuleError,
)
from crm.models import CouponDrop, Segment
from crm.selectors.segments import segment_count, segment_members
from mall.errors import SoldOut
from mall.models import CouponTemplate, CouponValidity
from mall.selectors import coupon_template_left
from mall.services.coupons import coupon_grant
from members.models import Member

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # each grant is a savepoint and two statements; 500 keeps a batch's transaction to a second or two


def coupon_template_unusable(template: CouponTemplate, now: datetime) -> str:
    """Why the template cannot be given out now, or "" when it can."""
    if not template.is_active:
        return "这张优惠券已停用，不能发放"
    if template.validity == CouponValidity.FIXED and template.valid_until is not None and template.valid_until <= now:
        return "这张优惠券已过有效期，不能发放"
    return ""


def coupon_drops_promised(*, template_id: int) -> int:
    """Coupons of the template that its queued and running drops are still to give."""
    still_to_give = Greatest(F("targeted") - F("granted") - F("already_had"), 0)
    active = CouponDrop.objects.filter(template_id=template_id, status__in=CouponDrop.ACTIVE)
    return active.aggregate(n=Sum(still_to_give))["n"] or 0


def coupon_drop_create(*, segment: Segment, template: CouponTemplate, by: Member | None, now: datetime | None = None) -> CouponDrop:
    """Queue one coupon of the template for every member of the segment, or refuse with
    nothing changed: rules that no longer compile (SegmentRuleError), an empty segment,
    a template switched off or expired, stock short of the segment, the same drop already
    under way."""
    now = now or timezone.now()
    with transaction.atomic():
        template = CouponTemplate.objects.select_for_update().get(pk=template.pk)
        targeted = segment_count(segment.rules)
        if not targeted:
            raise CouponDropSegmentEmpty()
        unusable = coupon_template_unusable(template, now)
        if unusable:
            raise CouponDropTemplateUnusable(unusable)
        left = coupon_template_left(template)
        if left is not None:
            promised = coupon_drops_promised(template_id=template.pk)
            if left - promised < targeted:
                held = f"，其中 {promised} 张留给进行中的发券" if promised else ""
                raise CouponDropStockShort(
                    f"「{template.title}」剩余 {left} 张{held}，不够分群「{segment.name}」的 {targeted} 人每人一张：请先增加发放总量或缩小分群"
                )
        try:
            with transaction.atomic():
                drop = CouponDrop.objects.create(segment=segment, template=template, targeted=targeted, created_by=by)
        except IntegrityError:
            raise CouponDropActive() from None
        from crm.tasks import run_coupon_drop

        # robust: a dead broker leaves the drop queued for the minute's sweep
        transaction.on_commit(lambda: run_coupon_drop.delay(drop.pk), robust=True)
    return drop


def coupon_drop_cancel(*, drop_id: int, now: datetime | None = None) -> None:
    """Stop a drop that has not finished; coupons already given stay. The UPDATE waits for
    a batch in progress, which commits whole, and no batch starts on a cancelled drop."""
    cancelled = CouponDrop.objects.filter(pk=drop_id, status__in=CouponDrop.ACTIVE).update(
        status=CouponDrop.Status.CANCELLED, finished_at=now or timezone.now()
    )
    if not cancelled:
        raise InvalidStatus("只有排队中或发放中的发券可以取消")


def _stop(drop: CouponDrop, *, status: str, reason: str = "", now: datetime, **counts) -> None:
    CouponDrop.objects.filter(pk=drop.pk).update(status=status, last_error=reason[:300], finished_at=now, **counts)


def coupon_drop_run_batch(*, drop_id: int, size: int = BATCH_SIZE) -> bool:
    """Give the next batch of the drop; False when there is nothing for this worker to do
    (the drop is over, cancelled, or another worker holds it)."""
    now = timezone.now()
    with transaction.atomic():
        drop = (
            CouponDrop.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("segment", "template")
            .filter(pk=drop_id, status__in=CouponDrop.ACTIVE)
            .first()
        )
        if drop is None:
            return False
        unusable = coupon_template_unusable(drop.template, now)
        if unusable:
            _stop(drop, status=CouponDrop.Status.STOPPED, reason=unusable, now=now)
            return False
        try:
            member_ids = list(
                segment_members(drop.segment.rules).filter(pk__gt=drop.cursor).order_by("pk").values_list("pk", flat=True)[:size]
            )
        except SegmentRuleError as error:
            # The segment was edited into rules that no longer compile: nobody more can be found.
            _stop(drop, status=CouponDrop.Status.STOPPED, reason=f"分群规则有误：{error.message}", now=now)
            return False
        if not member_ids:
            _stop(drop, status=CouponDrop.Status.DONE, now=now)
            return False
        granted = already_had = 0
        cursor = drop.cursor
        sold_out = False
        for member_id in member_ids:
            try:
                coupon = coupon_grant(template=drop.template, member_id=member_id, source_key=f"drop:{drop.pk}:{member_id}", now=now)
            except SoldOut:
                sold_out = True
                break
            if coupon is None:
                already_had += 1
            else:
                granted += 1
            cursor = member_id
        counts = {"cursor": cursor, "granted": F("granted") + granted, "already_had": F("already_had") + already_had}
        if sold_out:
            total = drop.granted + granted
            logger.warning("coupon drop %s stopped: template %s sold out after %s coupons", drop.pk, drop.template_id, total)
            _stop(drop, status=CouponDrop.Status.STOPPED, reason=f"优惠券库存已发完：已发出 {total} 张，之后的会员未发", now=now, **counts)
            return False
        CouponDrop.objects.filter(pk=drop.pk).update(status=CouponDrop.Status.RUNNING, **counts)
    return True


def coupon_drop_run(*, drop_id: int, batch: int = BATCH_SIZE) -> int:
    """Give the drop batch after batch until it is over or another worker holds it; how
    many batches this call gave. Safe to run twice, at once or after each other."""
    batches = 0
    while coupon_drop_run_batch(drop_id=drop_id, size=batch):
        batches += 1
    return batches


def coupon_drops_run_pending() -> int:
    """The minute's sweep: run every queued or running drop (a lost task, a dead worker);
    drops a worker is giving right now are skipped by their row lock. How many batches."""
    active = CouponDrop.objects.filter(status__in=CouponDrop.ACTIVE).order_by("pk").values_list("pk", flat=True)
    return sum(coupon_drop_run(drop_id=drop_id) for drop_id in list(active))
