"""Reads about campaigns."""

from django.db.models import QuerySet
from django.utils import timezone

from campaigns.errors import CampaignNotActive
from campaigns.models import Campaign


def campaigns_running(*, now=None) -> QuerySet[Campaign]:
    now = now or timezone.now()
    return Campaign.objects.filter(is_active=True, starts_at__lte=now, ends_at__gt=now)


def campaign_running(*, play: str, pk: int | None = None, now=None) -> Campaign:
    """The running campaign of this play (this one, when `pk` is given), or CampaignNotActive."""
    campaigns = campaigns_running(now=now).filter(play=play)
    campaign = campaigns.filter(pk=pk).first() if pk is not None else campaigns.order_by("-starts_at", "-id").first()
    if campaign is None:
        raise CampaignNotActive()
    return campaign
