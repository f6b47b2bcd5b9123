"""What distribution brings and costs, per period: orders and sales brought by sharers,
commission cost, the top sharers, and the withdrawal queue."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from config.admin_tools import DashboardAdmin
from distribution.models import Commission, CommissionStatus, DistributionDashboard, Withdrawal, WithdrawalStatus
from mall.models import Order


def dashboard_figures(*, days: int) -> dict:
    since = timezone.now() - timedelta(days=days)
    referred = Order.objects.filter(paid_at__gte=since, referral_snapshot__level1__isnull=False)
    brought = referred.aggregate(orders=Count("id"), sales=Sum(F("pay_fen") - F("refunded_fen")))
    earned = Commission.objects.filter(created_at__gte=since).exclude(status=CommissionStatus.VOID)
    cost = earned.aggregate(total=Sum(F("amount_fen") - F("voided_fen")))["total"] or 0
    sales = brought["sales"] or 0
    per_day = list(
        earned.annotate(day=TruncDate("created_at")).values("day").annotate(total=Sum(F("amount_fen") - F("voided_fen"))).order_by("day")
    )
    peak = max((row["total"] for row in per_day), default=0) or 1
    top = list(
        earned.values("beneficiary_id", "beneficiary__nickname", "beneficiary__referral_code")
        .annotate(total=Sum(F("amount_fen") - F("voided_fen")), orders=Count("order", distinct=True))
        .order_by("-total")[:10]
    )
    queue = Withdrawal.objects.filter(status__in=[WithdrawalStatus.PENDING, WithdrawalStatus.PAYING]).aggregate(
        count=Count("id"), total=Sum("amount_fen"), pending=Count("id", filter=Q(status=WithdrawalStatus.PENDING))
    )
    return {
        "orders": brought["orders"],
        "sales_fen": sales,
        "cost_fen": cost,
        "cost_ratio": f"{cost / sales * 100:.1f}%" if sales else "—",
        "per_day": [{**row, "width": round(row["total"] * 100 / peak)} for row in per_day],
        "top": top,
        "queue": queue,
    }


@admin.register(DistributionDashboard)
class DistributionDashboardAdmin(DashboardAdmin):
    dashboard_title = "分销看板"
    dashboard_template = "admin/distribution/dashboard.html"
    dashboard_figures = staticmethod(dashboard_figures)
