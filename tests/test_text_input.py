"""Text people type refuses control characters with a clear 400 (issue 7, item 4).

Single-line fields (names, addresses, nicknames, places, text profile attributes) refuse
every control character; multi-line fields typed into a textarea (an order note, a refund
reason) take line breaks and tabs and refuse the rest."""

import pytest

from config.validators import MULTI_LINE_MESSAGE, SINGLE_LINE_MESSAGE, control_character_problem
from mall.models import Address, Order, Refund
from members.models import ProfileAttribute
from tests.factories import AddressFactory, SKUFactory
from tests.helpers import ADDRESS
from tests.journeys import pay_at_cashier, place_order

pytestmark = pytest.mark.django_db

# NUL, a bell, ESC (terminal escapes), DEL, a C1 control (NEL), a right-to-left override.
CONTROLS = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u202e"]
ADDRESS_FIELDS = ["name", "province", "city", "district", "detail"]


def refused(response, *path):
    """The 400 names the field; its first message (and `detail`) is the one for a person.
    (For NUL, DRF's own "null characters" message follows it.)"""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    messages = body["fields"]
    for key in path:
        messages = messages[key]
    assert body["detail"].endswith(messages[0])  # a profile attribute's starts with its label
    return messages[:1]


@pytest.mark.parametrize("text", ["张三", "Zhang San", "a\u00a0b", "👨\u200d👩\u200d👧", "O'Brien & 李"])
def test_ordinary_text_has_no_problem(text):
    assert control_character_problem(text) == "" and control_character_problem(text, multiline=True) == ""


@pytest.mark.parametrize("control", CONTROLS + ["\n", "\t", "\r"])
def test_single_line_text_refuses_every_control_character(control):
    assert control_character_problem(f"张{control}三") == SINGLE_LINE_MESSAGE


@pytest.mark.parametrize("control", CONTROLS)
def test_multi_line_text_refuses_controls_but_line_breaks_and_tabs(control):
    assert control_character_problem(f"第一行{control}") == SINGLE_LINE_MESSAGE
    assert control_character_problem(f"第一行{control}", multiline=True) == MULTI_LINE_MESSAGE
    assert control_character_problem("第一行\r\n第二行\t完", multiline=True) == ""


@pytest.mark.parametrize("field", ADDRESS_FIELDS)
@pytest.mark.parametrize("control", ["\x1b", "\n", "\u202e"])
def test_address_fields_refuse_control_characters(member_api, member, field, control):
    response = member_api.post("/api/v1/addresses", {**ADDRESS, field: f"中{control}间"}, format="json")
    assert refused(response, field) == [SINGLE_LINE_MESSAGE]
    assert not Address.objects.filter(member=member).exists()


@pytest.mark.parametrize("field", ADDRESS_FIELDS)
def test_address_edits_refuse_control_characters(member_api, member, field):
    address = AddressFactory(member=member)
    response = member_api.patch(f"/api/v1/addresses/{address.pk}", {field: "中\x00间"}, format="json")
    assert refused(response, field) == [SINGLE_LINE_MESSAGE]
    assert getattr(Address.objects.get(pk=address.pk), field) == getattr(address, field)


@pytest.mark.parametrize("field", ADDRESS_FIELDS)
def test_an_order_address_typed_inline_refuses_control_characters(member_api, member, field):
    sku = SKUFactory()
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": {**ADDRESS, field: "中\x1b间"}}
    response = member_api.post("/api/v1/orders", body, format="json")
    assert refused(response, "address", field) == [SINGLE_LINE_MESSAGE]
    assert not Order.objects.exists()


def test_an_order_note_refuses_control_characters(member_api):
    sku = SKUFactory()
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "note": "放门口\x07"}
    assert refused(member_api.post("/api/v1/orders", body, format="json"), "note") == [MULTI_LINE_MESSAGE]
    assert not Order.objects.exists()


def test_an_order_note_keeps_its_line_breaks(member_api):
    sku = SKUFactory()
    body = {"lines": [{"sku_id": sku.pk, "quantity": 1}], "address": ADDRESS, "note": "放门口\n别按门铃\t谢谢"}
    response = member_api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 201
    assert Order.objects.get(number=response.json()["number"]).note == "放门口\n别按门铃\t谢谢"


def test_a_refund_reason_refuses_control_characters_and_keeps_line_breaks(member_api):
    order = pay_at_cashier(member_api, place_order(member_api, SKUFactory(price_fen=10000)))
    path = f"/api/v1/orders/{order.number}/refunds"
    assert refused(member_api.post(path, {"reason": "坏了\u202e"}, format="json"), "reason") == [MULTI_LINE_MESSAGE]
    assert not Refund.objects.exists()
    assert member_api.post(path, {"reason": "坏了\n屏幕有裂痕"}, format="json").status_code == 201
    assert Refund.objects.get().reason == "坏了\n屏幕有裂痕"


@pytest.mark.parametrize("field", ["nickname", "province", "city"])
def test_profile_fields_refuse_control_characters(member_api, member, field):
    response = member_api.patch("/api/v1/me", {field: "小\x1b[2J明"}, format="json")
    assert refused(response, field) == [SINGLE_LINE_MESSAGE]
    member.refresh_from_db()
    assert "\x1b" not in getattr(member, field)


@pytest.mark.parametrize("value", ["早睡\\u0000早起", "早睡\\n早起", "\\u202e起早睡早"])
def test_text_profile_attributes_refuse_control_characters(member_api, member, value):
    ProfileAttribute.objects.create(key="motto", label="座右铭", kind="text")
    response = member_api.patch("/api/v1/me", f'{{"motto": "{value}"}}', content_type="application/json")
    assert refused(response, "attributes", "motto") == [SINGLE_LINE_MESSAGE]
    member.refresh_from_db()
    assert "motto" not in member.attributes


def test_text_profile_attributes_refuse_a_lone_surrogate(member_api, member):
    """JSON can carry "\\ud800", which is no character at all: PostgreSQL would refuse it."""
    ProfileAttribute.objects.create(key="motto", label="座右铭", kind="text")
    response = member_api.patch("/api/v1/me", '{"motto": "\\ud800"}', content_type="application/json")
    assert refused(response, "attributes", "motto") == ["请填写文字"]


def test_text_profile_attributes_take_ordinary_text(member_api, member):
    ProfileAttribute.objects.create(key="motto", label="座右铭", kind="text")
    assert member_api.patch("/api/v1/me", {"motto": " 早睡早起 "}, format="json").status_code == 200
    member.refresh_from_db()
    assert member.attributes["motto"] == "早睡早起"


def test_the_schema_documents_the_rule(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    address = schema["components"]["schemas"]["AddressRequest"]["properties"]
    assert "\\u0000-\\u001f" in address["name"]["pattern"]
    note = schema["components"]["schemas"]["OrderCreateRequest"]["properties"]["note"]["oneOf"][0]
    assert "\\u0000-\\u0008\\u000b" in note["pattern"]  # \t and \n pass in a note
