import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_me_needs_login_and_still_sets_the_csrf_cookie(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "csrftoken" in response.cookies


def test_me_describes_the_member(member_api, member):
    body = member_api.get("/api/v1/me").json()
    assert {k: body[k] for k in ("id", "openid", "nickname", "avatar_url", "referral_code", "is_distributor", "points", "balance_fen")} == {
        "id": member.pk, "openid": member.openid, "nickname": member.nickname, "avatar_url": member.avatar_url,
        "referral_code": member.referral_code, "is_distributor": True, "points": 0, "balance_fen": 0,
    }


def test_patch_updates_the_profile(member_api, member):
    response = member_api.patch("/api/v1/me", {"gender": 2, "province": "四川", "city": "成都", "phone": "13512345678"}, format="json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.gender, member.province, member.city, member.phone) == (2, "四川", "成都", "13512345678")


@pytest.mark.parametrize("body", [{"phone": "123"}, {"gender": 7}, {"city": "长" * 40}])
def test_patch_refuses_bad_values(member_api, member, body):
    response = member_api.patch("/api/v1/me", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(body)


def test_patch_cannot_touch_points_or_balance(member_api, member):
    member_api.patch("/api/v1/me", {"points": 9999, "balance_fen": 10**8, "openid": "x"}, format="json")
    member.refresh_from_db()
    assert (member.points, member.balance_fen) == (0, 0) and member.openid != "x"


def test_unsafe_methods_need_the_csrf_header(member):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    token = client.get("/api/v1/me").cookies["csrftoken"].value
    refused = client.patch("/api/v1/me", {"city": "厦门"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    accepted = client.patch("/api/v1/me", {"city": "厦门"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200


def test_logout_ends_the_session(member_api):
    assert member_api.post("/api/v1/logout").status_code == 204
    assert member_api.get("/api/v1/me").status_code == 401


@pytest.fixture
def attributes(db):
    from members.models import ProfileAttribute

    ProfileAttribute.objects.create(key="skin_type", label="肤质", kind="choice", choices=["干性", "油性"])
    ProfileAttribute.objects.create(key="height_cm", label="身高", kind="number", unit="cm", min_value=100, max_value=230)
    ProfileAttribute.objects.create(key="birthday", label="生日", kind="date")
    ProfileAttribute.objects.create(key="retired", label="旧项", kind="text", is_active=False)


def test_members_set_operator_defined_attributes(member_api, member, attributes):
    response = member_api.patch("/api/v1/me", {"skin_type": "油性", "attributes": {"height_cm": 168, "birthday": "1995-04-01"}}, format="json")
    assert response.status_code == 200
    assert response.json()["attributes"] == {"skin_type": "油性", "height_cm": 168, "birthday": "1995-04-01"}
    member.refresh_from_db()
    assert member.attributes["height_cm"] == 168


def test_null_clears_an_attribute_and_others_stay(member_api, member, attributes):
    member_api.patch("/api/v1/me", {"attributes": {"skin_type": "干性", "height_cm": 170}}, format="json")
    body = member_api.patch("/api/v1/me", {"attributes": {"skin_type": None}}, format="json").json()
    assert body["attributes"] == {"height_cm": 170}


@pytest.mark.parametrize(
    "values",
    [{"skin_type": "中性"}, {"height_cm": 20}, {"height_cm": "170"}, {"height_cm": True}, {"birthday": "1995-13-01"},
     {"birthday": 19950401}, {"unknown": 1}, {"retired": "x"}],
)
def test_attribute_values_are_checked_against_their_type(member_api, member, attributes, values):
    response = member_api.patch("/api/v1/me", {"attributes": values}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]["attributes"]) == set(values)
    member.refresh_from_db()
    assert member.attributes == {}


def test_attributes_must_be_an_object(member_api, attributes):
    assert member_api.patch("/api/v1/me", {"attributes": ["skin_type"]}, format="json").status_code == 400
    assert member_api.patch("/api/v1/me", ["skin_type"], format="json").status_code == 400


def test_attribute_keys_cannot_shadow_profile_fields(db):
    from django.core.exceptions import ValidationError

    from members.models import ProfileAttribute

    with pytest.raises(ValidationError):
        ProfileAttribute(key="phone", label="电话", kind="text").full_clean()
    with pytest.raises(ValidationError):
        ProfileAttribute(key="Skin-Type", label="肤质", kind="text").full_clean()
