from django.urls import reverse
from django.utils.http import urlencode

from config.money import format_yuan
from crm.selectors import workbench_figures


def workbench(request, context):
    """The admin home as a workbench (unfold's DASHBOARD_CALLBACK): today's figures and
    the queues waiting on someone, each a link to its list already filtered. An operator
    sees only the figures of lists they may open."""

    def may_open(model_label: str) -> bool:
        app_label, model = model_label.split(".")
        return request.user.has_perm(f"{app_label}.view_{model}") or request.user.has_perm(f"{app_label}.change_{model}")

    def link(url_name: str, **query) -> str:
        return f"{reverse(url_name)}?{urlencode(query)}" if query else reverse(url_name)

    figures = workbench_figures()
    day = {"start": str(figures["day_start"]), "end": str(figures["day_end"])}
    orders, members = "admin:mall_order_changelist", "admin:members_member_changelist"
    today = []
    if may_open("mall.order"):
        paid_today = link(orders, paid_at__gte=day["start"], paid_at__lt=day["end"])
        today += [
            {"title": "今日销售额（元）", "value": format_yuan(figures["sales_fen"]), "link": paid_today,
             "note": "今天付款的订单：微信支付 + 余额"},
            {"title": "今日订单", "value": figures["orders_placed"], "link": link(orders, created_at__gte=day["start"], created_at__lt=day["end"]),
             "note": "今天下单，含未付款"},
            {"title": "今日付款会员", "value": figures["paying_members"], "link": paid_today, "note": "今天有订单付款的会员"},
        ]
    if may_open("members.member"):
        today.append({"title": "今日新会员", "value": figures["new_members"],
                      "link": link(members, date_joined__gte=day["start"], date_joined__lt=day["end"]), "note": "今天注册的会员"})
    queues = [
        {"title": "待发货", "value": figures["to_ship"], "link": link(orders, status__exact="paid"), "model": "mall.order",
         "note": "已付款，等待发货的订单"},
        {"title": "待审核售后", "value": figures["refunds_waiting"], "link": link("admin:mall_refund_changelist", status__exact="requested"),
         "model": "mall.refund", "note": "买家申请退款，等待财务审核"},
        {"title": "待审核提现", "value": figures["withdrawals_waiting"],
         "link": link("admin:distribution_withdrawal_changelist", status__exact="pending"), "model": "distribution.withdrawal",
         "note": "分销员申请提现，等待财务审核"},
        {"title": "卡住的事件投递", "value": figures["stuck_deliveries"], "link": link("admin:outbox_delivery_changelist", stuck="yes"),
         "model": "outbox.delivery", "note": "失败过或超过 5 分钟未投递"},
    ]
    context.update({
        "workbench_day": figures["day_start"],
        "workbench_today": today,
        "workbench_queues": [queue for queue in queues if may_open(queue["model"])],
    })
    return context


