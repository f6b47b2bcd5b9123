"""First touch wins under concurrent clicks (PostgreSQL): one member opening two channels'
short links many times at once gets a source set exactly once, never overwritten, and
every click is counted."""

import pytest
from django.test import Client

from crm.models import Channel, LinkClick, ShortLink
from crm.services.links import short_link_create
from members.models import Member
from tests.concurrency.racing import race
from tests.factories import MemberFactory
from tests.helpers import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLICKS_PER_LINK = 15


def clicker(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_two_channels_clicked_at_once_set_the_source_once_and_count_every_click():
    member = MemberFactory()
    links = [short_link_create(target=f"/products/{n}/", channel=Channel.objects.create(name=f"渠道{n}", code=f"ch{n}")) for n in (1, 2)]
    clients = [clicker(member) for _ in range(CLICKS_PER_LINK * 2)]
    work = [lambda c=c, link=links[i % 2]: c.get(f"/s/{link.code}") for i, c in enumerate(clients)]

    results, errors = race(work)

    assert not errors
    assert all(response.status_code == 302 for response in results)
    source = Member.objects.get(pk=member.pk).source_channel
    assert source in {"ch1", "ch2"}
    assert {link.click_count for link in ShortLink.objects.all()} == {CLICKS_PER_LINK}
    assert LinkClick.objects.filter(member=member).count() == CLICKS_PER_LINK * 2

    # A later click on the other channel's link leaves it where it is.
    other = next(link for link in links if link.channel.code != source)
    clicker(member).get(f"/s/{other.code}")
    assert Member.objects.get(pk=member.pk).source_channel == source


def test_many_members_clicking_at_once_each_get_the_channel():
    link = short_link_create(target="/", channel=Channel.objects.create(name="海报", code="poster"))
    members = [MemberFactory() for _ in range(20)]
    results, errors = race([lambda c=clicker(m): c.get(f"/s/{link.code}") for m in members])
    assert not errors and all(response.status_code == 302 for response in results)
    assert set(Member.objects.filter(pk__in=[m.pk for m in members]).values_list("source_channel", flat=True)) == {"poster"}
    assert ShortLink.objects.get(pk=link.pk).click_count == 20
