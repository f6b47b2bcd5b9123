"""Reads about event deliveries."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from outbox.models import Delivery, DeliveryStatus

# Normally an event is delivered within seconds of its commit.
LATE_AFTER = timedelta(minutes=5)


def stuck_deliveries(*, now=None) -> QuerySet[Delivery]:
    """Pending deliveries that failed at least once, or that nobody delivered in time."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(attempts__gt=0) | Q(event__created_at__lte=now - LATE_AFTER)
    )
