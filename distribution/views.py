"""The sharer center (分销中心): earnings, commissions, team, withdrawals, poster."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from distribution import selectors
from distribution.models import CommissionStatus, DistributionSettings, Withdrawal
from distribution.services.poster import share_link
from mall.models import Product, ShopSettings

PAGE_SIZE = 20


@login_required
def center(request):
    return render(
        request,
        "distribution/center.html",
        {"me": selectors.sharer_summary(member=request.user), "rules": DistributionSettings.get_solo(), "after_sales_days": ShopSettings.get_solo().after_sales_days},
    )


@login_required
def commissions(request):
    status = request.GET.get("status", "")
    status = status if status in CommissionStatus.values else ""
    page = Paginator(selectors.member_commissions(member=request.user, status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [("", "全部"), *CommissionStatus.choices]
    return render(request, "distribution/commissions.html", {"page": page, "status": status, "tabs": tabs, "pager_extra": f"&status={status}"})


@login_required
def team(request):
    level = 2 if request.GET.get("level") == "2" else 1
    members = selectors.team(member=request.user, level=level).select_related("referral")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    level1, level2 = selectors.team_counts(member=request.user)
    return render(
        request, "distribution/team.html", {"page": page, "level": level, "level1": level1, "level2": level2, "pager_extra": f"&level={level}"}
    )


@login_required
def withdraw(request):
    return render(
        request,
        "distribution/withdraw.html",
        {"me": selectors.sharer_summary(member=request.user), "rules": DistributionSettings.get_solo(), "withdrawals": Withdrawal.objects.filter(member=request.user)[:20]},
    )


@login_required
def poster(request):
    product_id = request.GET.get("product", "")
    product = Product.objects.filter(pk=product_id, is_on_sale=True).first() if product_id.isascii() and product_id.isdigit() else None
    return render(
        request, "distribution/poster.html", {"me": selectors.sharer_summary(member=request.user), "product": product, "link": share_link(member=request.user, product=product)}
    )
