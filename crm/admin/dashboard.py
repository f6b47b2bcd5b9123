"""The CRM dashboard: fan growth, and every funnel beside its benchmark — per push, per
campaign, per channel and per sharer — with the RFM groups' sizes."""

import json

from django.contrib import admin

from config.admin_tools import DashboardAdmin
from config.money import format_percent
from crm.models import CrmDashboard, Push
from crm.selectors import dashboard
from crm.selectors.kpis import BENCHMARKS, Rate, fan_growth_rate, participation_rate, push_funnel, with_push_funnel


def _chart(labels: list, *datasets: tuple[str, list]) -> str:
    return json.dumps({"labels": labels, "datasets": [{"label": label, "data": data} for label, data in datasets]}, ensure_ascii=False)


def dashboard_context(*, days: int) -> dict:
    fans = dashboard.fan_days(days=days)
    pushes = with_push_funnel(Push.objects.exclude(status=Push.Status.DRAFT).select_related("segment").order_by("-send_at"))[:10]
    campaigns = dashboard.campaign_rows(days=days)
    channels = dashboard.channel_rows()
    rfm = dashboard.rfm_groups()
    return {
        "overview": dashboard.members_overview(),
        "fan_chart": _chart([day.day.strftime("%m-%d") for day in fans], ("关注人数", [day.followers for day in fans])),
        "fan_moves_chart": _chart([day.day.strftime("%m-%d") for day in fans], ("新关注", [day.gained for day in fans]),
                                  ("取消关注", [day.lost for day in fans])),
        "fan_period": fans and fan_growth_rate(followers_before=fans[0].followers - fans[0].gained + fans[0].lost,
                                               followers_after=fans[-1].followers),
        "pushes": [(push, push_funnel(push)) for push in pushes],
        "campaigns": [
            (row, participation_rate(participants=row.participants, audience=row.audience),
             fan_growth_rate(followers_before=row.followers_at_start, followers_after=row.followers_at_start + row.followers_gained))
            for row in campaigns
        ],
        "channels": [
            (row, Rate("关注率", row.followers, row.members), Rate("购买率", row.buyers, row.members)) for row in channels
        ],
        "sharers": [(row, Rate("购买率", row.buyers, row.friends)) for row in dashboard.sharer_rows()],
        "rfm_chart": _chart([label for label, _ in rfm], ("会员数", [count for _, count in rfm])),
        "benchmarks": {name: f"{format_percent(value)}%" for name, value in BENCHMARKS.items()},
    }


@admin.register(CrmDashboard)
class CrmDashboardAdmin(DashboardAdmin):
    dashboard_title = "CRM 看板"
    dashboard_template = "admin/crm/dashboard.html"
    dashboard_figures = staticmethod(dashboard_context)
