import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_urls_answer_json_404(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到"}


def test_wrong_method_is_405_with_a_code(member_api):
    response = member_api.delete("/api/v1/products")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/products", "/api/v1/cart/items", "/api/v1/orders/{number}/cancel", "/api/v1/me"):
        assert path in text
    assert api.get("/api/docs/").status_code == 200


def test_unknown_pages_are_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_favicon_points_at_the_shop_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("img/favicon.svg")
