"""The member's own profile page in the store (我的 → 个人资料): the shop's attributes as
the right inputs, saved through PATCH /api/v1/me."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_me_links_to_the_profile_page(member_api):
    assert 'href="/me/profile/"' in member_api.get("/me/").content.decode()


def test_the_page_needs_login(client):
    response = client.get("/me/profile/")
    assert response.status_code == 302


def test_the_page_shows_each_attribute_as_its_input(member_api, member, attributes):
    member.attributes = {"skin_type": "油性", "height_cm": 168, "birthday": "1995-04-01", "vip": True}
    member.province, member.city = "广东", "深圳"
    member.save()
    html = member_api.get("/me/profile/").content.decode()
    assert re.search(r'<select id="a-skin_type">.*<option selected>油性</option>', html)
    assert re.search(r'<input id="a-height_cm" type="number"[^>]* min="100" max="230" value="168"', html)
    assert '<span class="unit">cm</span>' in html
    assert '<input id="a-birthday" type="date" value="1995-04-01">' in html
    assert re.search(r'<label class="switch"><input id="a-vip" type="checkbox" checked>', html)
    assert 'value="广东"' in html and 'value="深圳"' in html
    assert "旧项" not in html
    # No inline script (django-csp): the page's behaviour is a static file.
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "/static/js/profile.js" in html


def test_what_the_page_sends_is_saved_and_errors_name_their_field(member_api, member, attributes):
    """The body profile.js builds: base fields, attributes by key, null for a cleared one."""
    body = {"gender": 2, "province": "广东", "city": "深圳", "phone": "13800138000",
            "attributes": {"skin_type": "干性", "height_cm": 172.5, "birthday": "2000-01-31", "vip": False}}
    assert member_api.patch("/api/v1/me", body, format="json").status_code == 200
    member.refresh_from_db()
    assert member.attributes == body["attributes"] and member.phone == "13800138000"

    refused = member_api.patch("/api/v1/me", {**body, "phone": "123", "attributes": {"height_cm": 999, "skin_type": None}}, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"phone": ["请输入 11 位手机号"]}
    refused = member_api.patch("/api/v1/me", {"attributes": {"height_cm": 999}}, format="json")
    assert refused.json()["fields"] == {"attributes": {"height_cm": ["不能大于 230cm"]}}
    member.refresh_from_db()
    assert member.attributes["height_cm"] == 172.5
