"""活动中心: every campaign running now, and the page of a campaign with no page of its own
(有奖关注 shows its QR code, 老带新 how inviting works)."""

from django.shortcuts import get_object_or_404, render

from campaigns import selectors
from campaigns.models import Play


def hub(request):
    return render(request, "campaigns/hub.html", {"campaigns": selectors.campaigns_to_join(member=request.user)})


def campaign_page(request, campaign_id: int):
    campaign = get_object_or_404(
        selectors.campaigns_running().filter(play__in=[Play.FOLLOW_GIFT, Play.REFERRAL_GIFT]).select_related("follow_gift", "referral_gift"),
        pk=campaign_id,
    )
    return render(request, "campaigns/campaign.html", {"campaign": campaign})
