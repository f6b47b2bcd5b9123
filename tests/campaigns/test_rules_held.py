"""The wheel's and the check-in's rules held by the process that read them: a tap asks the
shared cache nothing while they are held, a save lets go of them at once in its own process,
and another process's save shows here within RULES_HELD_SECONDS."""

import pytest

from campaigns import selectors
from campaigns.models import Campaign
from tests.campaigns.test_wheel import make_wheel

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules_reads(monkeypatch):
    """The rules keys this process asks the shared cache for, in order."""
    asked = []
    real_get = selectors.cache.get

    def get(key, default=None):
        if key.startswith("campaigns:rules:"):
            asked.append(key)
        return real_get(key, default)

    monkeypatch.setattr(selectors.cache, "get", get)
    return asked


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock the held rules are aged by, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(selectors, "monotonic", lambda: now[0])
    return now


def spin(member_api, wheel):
    return member_api.post(f"/api/v1/wheels/{wheel.pk}/spin", format="json")


def test_a_tap_asks_the_shared_cache_nothing_while_the_rules_are_held(member_api, rules_reads, clock):
    wheel = make_wheel()

    first, second = spin(member_api, wheel), spin(member_api, wheel)
    clock[0] += selectors.RULES_HELD_SECONDS + 0.1
    third = spin(member_api, wheel)

    assert first.status_code == second.status_code == third.status_code == 200
    assert rules_reads == [f"campaigns:rules:wheel:{wheel.pk}"] * 2  # the first tap, and the one after they aged


def test_a_save_lets_go_of_the_held_rules_in_its_own_process_at_once(member_api, clock):
    wheel = make_wheel()
    assert spin(member_api, wheel).status_code == 200

    campaign = wheel.campaign
    campaign.is_active = False
    campaign.save()

    assert spin(member_api, wheel).json()["code"] == "campaign_not_active"


def test_a_save_in_another_process_shows_here_within_the_held_seconds(member_api, clock):
    wheel = make_wheel()
    assert spin(member_api, wheel).status_code == 200

    # Another process's save: the row changed and the shared cache cleared there, nothing here.
    Campaign.objects.filter(pk=wheel.campaign_id).update(is_active=False)
    selectors.cache.delete(f"campaigns:rules:wheel:{wheel.pk}")
    held = spin(member_api, wheel)
    clock[0] += selectors.RULES_HELD_SECONDS + 0.1
    aged = spin(member_api, wheel)

    assert held.status_code == 200
    assert aged.json()["code"] == "campaign_not_active"


def test_checkin_rules_are_held_too(member_api, rules_reads, clock):
    selectors.checkin_setups_live()
    selectors.checkin_setups_live()
    assert rules_reads == ["campaigns:rules:checkin"]
