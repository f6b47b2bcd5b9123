import pytest

from tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SKUFactory,
)
from tests.helpers import queries_to_get

pytestmark = pytest.mark.django_db


def make_product(*, prices=(5000,), stocks=None, images=1, **fields):
    product = ProductFactory(**fields)
    for index, price in enumerate(prices):
        SKUFactory(product=product, price_fen=price, stock=(stocks or [10] * len(prices))[index])
    for _ in range(images):
        ProductImageFactory(product=product)
    return product


def test_categories_list_every_active_category_flat(api):
    root = CategoryFactory(name="服饰")
    CategoryFactory(name="女装", parent=root)
    CategoryFactory(name="隐藏", is_active=False)
    response = api.get("/api/v1/categories")
    assert response.status_code == 200
    assert [(c["name"], c["parent_id"]) for c in response.json()] == [("服饰", None), ("女装", root.pk)]
    assert set(response.json()[0]) == {"id", "name", "parent_id", "icon_url"}


def test_product_list_shows_lowest_price_and_stock_of_products_on_sale(api):
    product = make_product(prices=(7900, 5900), stocks=(0, 0))
    make_product(is_on_sale=False)
    response = api.get("/api/v1/products")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    item = body["results"][0]
    assert item["id"] == product.pk
    assert item["price_fen"] == 5900
    assert item["in_stock"] is False
    assert item["cover_url"].startswith("http://127.0.0.1:8000/media/")
    assert {"id", "title", "cover_url", "price_fen", "original_price_fen", "sales", "in_stock"} <= set(item)


def test_inactive_skus_do_not_set_the_price(api):
    product = make_product(prices=(5000,))
    SKUFactory(product=product, price_fen=100, is_active=False)
    assert api.get("/api/v1/products").json()["results"][0]["price_fen"] == 5000


def test_category_filter_includes_subcategories(api):
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    in_child = make_product(category=child)
    make_product()
    ids = [p["id"] for p in api.get(f"/api/v1/products?category={root.pk}").json()["results"]]
    assert ids == [in_child.pk]


def test_text_search_matches_title_and_subtitle(api):
    silk = make_product(title="真丝衬衫")
    tea = make_product(title="红茶", subtitle="武夷山真丝般顺滑")
    make_product(title="帆布鞋")
    ids = {p["id"] for p in api.get("/api/v1/products?q=真丝").json()["results"]}
    assert ids == {silk.pk, tea.pk}


@pytest.mark.parametrize(
    "ordering, expected",
    [("price_fen", ["cheap", "mid", "dear"]), ("-price_fen", ["dear", "mid", "cheap"]), ("-sales", ["mid", "dear", "cheap"]),
     ("-created", ["dear", "mid", "cheap"])],
)
def test_ordering(api, ordering, expected):
    make_product(title="cheap", prices=(100,), sales=1)
    make_product(title="mid", prices=(200,), sales=50)
    make_product(title="dear", prices=(300,), sales=20)
    titles = [p["title"] for p in api.get(f"/api/v1/products?ordering={ordering}").json()["results"]]
    assert titles == expected


@pytest.mark.parametrize("query", ["ordering=price", "category=abc", "category=-1", "q=" + "长" * 51])
def test_bad_list_parameters_are_a_400_with_a_code(api, query):
    response = api.get(f"/api/v1/products?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_page_size_is_capped_at_100(api):
    product = make_product()
    response = api.get("/api/v1/products?page_size=500")
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == product.pk


def test_a_page_past_the_end_is_not_found(api):
    make_product()
    response = api.get("/api/v1/products?page=9")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_product_detail_has_specs_active_skus_and_images(api):
    product = make_product(prices=(), images=2, specs=[{"name": "颜色", "values": ["红", "黑"]}], purchase_limit=3)
    red = SKUFactory(product=product, spec={"颜色": "红"}, price_fen=100, stock=5)
    SKUFactory(product=product, spec={"颜色": "黑"}, is_active=False)
    body = api.get(f"/api/v1/products/{product.pk}").json()
    assert body["specs"] == [{"name": "颜色", "values": ["红", "黑"]}]
    assert body["skus"] == [{"id": red.pk, "spec": {"颜色": "红"}, "price_fen": 100, "original_price_fen": None, "stock": 5, "image_url": ""}]
    assert len(body["images"]) == 2 and body["images"][0].startswith("http")
    assert body["purchase_limit"] == 3
    assert {"id", "title", "subtitle", "description_html", "images", "specs", "skus", "purchase_limit", "sales"} <= set(body)


@pytest.mark.parametrize("path", ["/api/v1/products/999999", "/api/v1/products/99999999999999999999999999"])
def test_unknown_product_is_not_found(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_product_off_sale_is_not_found(api):
    product = make_product(is_on_sale=False)
    assert api.get(f"/api/v1/products/{product.pk}").status_code == 404


def test_product_list_query_count_does_not_grow_with_products(api):
    for _ in range(3):
        make_product(prices=(100, 200))
    few = queries_to_get(api, "/api/v1/products")
    for _ in range(30):
        make_product(prices=(100, 200, 300), images=2)
    assert queries_to_get(api, "/api/v1/products?page_size=100") == few == 2  # count + page


def test_product_detail_query_count_does_not_grow_with_skus(api):
    small = make_product(prices=(100, 200), images=1)
    big = make_product(prices=tuple(range(100, 4100, 100)), images=8)
    assert queries_to_get(api, f"/api/v1/products/{small.pk}") == queries_to_get(api, f"/api/v1/products/{big.pk}") == 3
