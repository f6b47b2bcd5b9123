"""Hostile input to the CRM's endpoints: each once reached PostgreSQL or the json module
and came back a 500. Now a 400 with a code and a Chinese message, and nothing stored."""

import json

import pytest

from crm.models import Segment, TrackedEvent
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

DEEP = '{"rules": ' + "[" * 1000 + "]" * 1000 + "}"


@pytest.mark.parametrize("props", [
    '{"q": "口红\\u0000"}',  # jsonb refuses \u0000
    '{"q": "\\ud800"}',  # a lone surrogate has no UTF-8
    '{"\\ud800": 1}',
    '{"price": 1e400}',  # json reads it as infinity
])
def test_an_event_with_unstorable_props_is_refused_and_not_stored(api, props):
    body = f'{{"name": "search", "path": "/products/", "props": {props}}}'
    response = api.post("/api/v1/events", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error" and "属性" in response.json()["detail"]
    assert not TrackedEvent.objects.exists()


@pytest.fixture
def operator_client(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, openid=None))
    return client


def rules_with(rule: dict) -> str:
    return json.dumps({"rules": {"match": "all", "rules": [rule]}})


@pytest.mark.parametrize("body, detail", [
    (DEEP, "请求格式不对"),
    (rules_with({"field": ["province"], "op": "eq", "value": "广东"}), "这个字段"),  # a list is no dict key
    (rules_with({"field": "points", "op": {"gt": 1}, "value": 1}), "这种比较"),
    (rules_with({"field": "province", "op": "eq", "value": "广东\x00"}), "控制字符"),  # PostgreSQL refuses NUL in text
    (rules_with({"field": "city", "op": "in", "value": ["深圳", "\ud800"]}), "控制字符"),
    (rules_with({"field": "referrer", "op": "by", "value": "ABC\x00"}), "控制字符"),
])
def test_the_segment_preview_refuses_what_cannot_be_compiled(operator_client, body, detail):
    response = operator_client.post("/admin/crm/segment/preview/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in ("validation_error", "invalid_segment_rules")
    assert detail in response.json()["detail"]


@pytest.mark.parametrize("rules", ['{"match": "all", "rules": ' + "[" * 1000 + "]" * 1000 + "}", "[" * 5000])
def test_a_segment_saved_with_json_nested_too_deep_is_refused_on_the_form(operator_client, rules):
    response = operator_client.post("/admin/crm/segment/add/", {"name": "广东女性", "description": "", "rules": rules})
    assert response.status_code == 200
    assert "规则 JSON 嵌套太深" in response.content.decode()
    assert not Segment.objects.exists()
