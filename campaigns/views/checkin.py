"""The check-in page (签到): the month, today's button, the streak, the next milestone and
make-up days. It draws the month here and acts through the JSON API (static/js/checkin.js)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from campaigns.errors import CampaignNotActive
from campaigns.services.checkin import checkin_board


@login_required
def checkin_page(request):
    try:
        board = checkin_board(member=request.user)
    except CampaignNotActive:
        board = None
    return render(request, "campaigns/checkin.html", {"board": board})
