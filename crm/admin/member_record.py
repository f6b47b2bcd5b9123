"""The member's one-page record, under the profile on the member's change page: orders,
commissions, points and balance, coupons, campaigns, the conversation with its reply box
and the follow-ups with their add form. Each section needs the permission of what it
shows; each is one or two queries with a fixed limit, so the page costs the same however
long the member's history is."""

from django.urls import reverse

from campaigns.models import Checkin, PacketShare, Participation, Spin
from config.money import format_yuan
from crm.admin.inbox import conversation_context, duration_text
from crm.models import FollowUp
from distribution.selectors import balances, member_commissions
from mall.selectors import COUPON_LIST_STATUSES, coupon_shown_status, member_coupons, member_orders
from members.models import BalanceEntry, PointsEntry

LATEST = 20  # orders
SHORT = 10  # every other list


def _orders(member):
    return [
        {"order": order, "url": reverse("admin:mall_order_change", args=[order.pk]), "pay": format_yuan(order.pay_fen),
         "refunded": format_yuan(order.refunded_fen) if order.refunded_fen else ""}
        for order in member_orders(member=member).prefetch_related(None)[:LATEST]
    ]


def _commissions(member):
    money = balances(member=member)
    return {
        "balances": [(label, format_yuan(money[key])) for key, label in
                     [("frozen_fen", "冻结中"), ("available_fen", "可提现"), ("withdrawing_fen", "提现中"), ("withdrawn_fen", "已提现")]],
        "latest": [(commission, format_yuan(commission.amount_fen - commission.voided_fen))
                   for commission in member_commissions(member=member).order_by("-id")[:SHORT]],
    }


def _ledger(entries, amount):
    return [(entry, amount(entry)) for entry in entries.order_by("-id")[:SHORT]]


def _campaigns(member, user):
    shown = {}
    if user.has_perm("campaigns.view_campaign"):
        shown["joined"] = list(Participation.objects.filter(member=member).select_related("campaign").order_by("-first_at")[:SHORT])
    if user.has_perm("campaigns.view_checkin"):
        shown["checkins"] = list(Checkin.objects.filter(member=member).order_by("-day", "-id")[:SHORT])
    if user.has_perm("campaigns.view_spin"):
        shown["spins"] = list(Spin.objects.filter(member=member).select_related("wheel", "prize").order_by("-id")[:SHORT])
    if user.has_perm("campaigns.view_packetshare"):
        shown["packets"] = [(share, format_yuan(share.amount_fen)) for share in
                            PacketShare.objects.filter(member=member).select_related("packet").order_by("-grabbed_at")[:SHORT]]
    return shown


def member_record(*, member, request) -> dict:
    """The sections this operator may see, each with what it shows."""
    user = request.user
    record = {}
    if user.has_perm("mall.view_order"):
        record["orders"] = _orders(member)
    if user.has_perm("distribution.view_commission"):
        record["commissions"] = _commissions(member)
    if user.has_perm("members.view_pointsentry"):
        record["points"] = _ledger(PointsEntry.objects.filter(member=member), lambda entry: f"{entry.amount:+d}")
    if user.has_perm("members.view_balanceentry"):
        record["balance"] = _ledger(BalanceEntry.objects.filter(member=member), lambda entry: format_yuan(entry.amount_fen))
    if user.has_perm("mall.view_coupon"):
        record["coupons"] = [(coupon, dict(COUPON_LIST_STATUSES)[coupon_shown_status(coupon)])
                             for coupon in member_coupons(member=member)[:SHORT]]
    campaigns = _campaigns(member, user)
    if campaigns:
        record["campaigns"] = campaigns
    if user.has_perm("crm.view_conversation") or user.has_perm("crm.change_conversation"):
        record["conversation"] = conversation_context(member=member, request=request)
    if user.has_perm("crm.view_followup"):
        record["follow_ups"] = [
            (follow_up, duration_text(follow_up.response_seconds))
            for follow_up in FollowUp.objects.filter(member=member).select_related("operator").order_by("-id")[:SHORT]
        ]
        record["may_follow_up"] = user.has_perm("crm.add_followup")
        record["follow_up_channels"] = FollowUp.Channel.choices
    return record


class MemberRecordMixin:
    """The member's one-page record: orders, commissions, points, coupons, campaigns, the conversation."""

    change_form_template = "admin/members/member/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        member = self.get_object(request, object_id)
        if member is not None and self.has_view_or_change_permission(request, member):
            extra_context = {**(extra_context or {}), "record": member_record(member=member, request=request)}
        return super().change_view(request, object_id, form_url, extra_context)
