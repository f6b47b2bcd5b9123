import pytest

from mall.models import Address
from tests.factories import AddressFactory, MemberFactory
from tests.helpers import ADDRESS

pytestmark = pytest.mark.django_db


def test_first_address_becomes_the_default(member_api, member):
    response = member_api.post("/api/v1/addresses", ADDRESS, format="json")
    assert response.status_code == 201
    assert response.json() == {**ADDRESS, "id": response.json()["id"], "is_default": True}


def test_a_new_default_replaces_the_old_one(member_api, member):
    old = AddressFactory(member=member, is_default=True)
    response = member_api.post("/api/v1/addresses", {**ADDRESS, "is_default": True}, format="json")
    assert response.status_code == 201
    old.refresh_from_db()
    assert not old.is_default
    assert Address.objects.get(member=member, is_default=True).pk == response.json()["id"]


@pytest.mark.parametrize("change", [{"phone": "12345"}, {"name": ""}, {"detail": "x" * 121}, {"province": None}])
def test_invalid_addresses_are_400(member_api, member, change):
    response = member_api.post("/api/v1/addresses", {**ADDRESS, **change}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(change)
    assert not Address.objects.exists()


def test_list_is_paginated_and_mine_only(member_api, member):
    AddressFactory(member=member)
    AddressFactory(member=MemberFactory())
    body = member_api.get("/api/v1/addresses").json()
    assert body["count"] == 1 and len(body["results"]) == 1


def test_patch_updates_fields_and_can_move_the_default(member_api, member):
    first = AddressFactory(member=member, is_default=True)
    second = AddressFactory(member=member)
    response = member_api.patch(f"/api/v1/addresses/{second.pk}", {"city": "广州", "is_default": True}, format="json")
    assert response.status_code == 200
    assert response.json()["city"] == "广州" and response.json()["is_default"] is True
    first.refresh_from_db()
    assert not first.is_default


def test_deleting_the_default_makes_the_newest_remaining_one_default(member_api, member):
    older = AddressFactory(member=member)
    newer = AddressFactory(member=member)
    default = AddressFactory(member=member, is_default=True)
    assert member_api.delete(f"/api/v1/addresses/{default.pk}").status_code == 204
    assert Address.objects.get(member=member, is_default=True) == max(older, newer, key=lambda a: a.pk)


def test_another_members_address_is_not_found_and_untouched(member_api):
    theirs = AddressFactory(member=MemberFactory(), city="成都")
    assert member_api.get(f"/api/v1/addresses/{theirs.pk}").status_code == 404
    assert member_api.patch(f"/api/v1/addresses/{theirs.pk}", {"city": "x"}, format="json").status_code == 404
    assert member_api.delete(f"/api/v1/addresses/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.city == "成都"


def test_twenty_addresses_is_the_limit(member_api, member):
    AddressFactory.create_batch(20, member=member)
    response = member_api.post("/api/v1/addresses", ADDRESS, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "address_limit"
