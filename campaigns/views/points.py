"""My points (积分): the balance and every movement, newest first."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from campaigns.models import CampaignSettings
from members.models import PointsEntry

PAGE_SIZE = 20


@login_required
def points_page(request):
    entries = PointsEntry.objects.filter(member=request.user).order_by("-id")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/points.html", {"page": page, "points_per_yuan": CampaignSettings.get_solo().points_per_yuan})
