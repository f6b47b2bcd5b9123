"""The catalogue's hot paths (issue 12): product pages are kept whole and lists keep what
operators edit (process memory, the shared cache), reading only stock, sales and being on
sale from the database; their query budgets stay fixed however many products, SKUs or
pictures there are; every edit, and every committed move of stock or sales, shows on the
next read."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from mall import selectors
from mall.api.catalog import ProductDetailSerializer, ProductListItemSerializer, product_card_json, product_detail_json
from mall.models import ActorKind, Product, ShopSettings
from mall.services.catalog import sku_adjust_stock
from mall.services.orders import LineRequest, order_cancel, order_create
from tests.factories import CategoryFactory, MemberFactory, ProductFactory, ProductImageFactory, SKUFactory, png_bytes
from tests.helpers import DESTINATION
from tests.journeys import pay_at_cashier, place_order

pytestmark = pytest.mark.django_db


def shop_of(count, *, category=None, skus=2, images=1, stock=10):
    category = category or CategoryFactory(parent=CategoryFactory())
    products = []
    for _ in range(count):
        product = ProductFactory(category=category)
        for n in range(skus):
            SKUFactory(product=product, price_fen=1000 + n, stock=stock)
        for _ in range(images):
            ProductImageFactory(product=product)
        products.append(product)
    ShopSettings.get_solo()  # the singleton is read through the cache like everything else here
    return category, products


def cold_and_warm(client, path, django_assert_max_num_queries, *, cold, warm):
    with django_assert_max_num_queries(cold):
        assert client.get(path).status_code == 200
    with django_assert_max_num_queries(warm):
        response = client.get(path)
    assert response.status_code == 200
    return response


# --- Query budgets -----------------------------------------------------------------------


@pytest.mark.parametrize("skus, images", [(1, 1), (40, 8)])
def test_product_api_reads_nothing_once_kept_however_many_skus(api, django_assert_max_num_queries, skus, images):
    _, [product] = shop_of(1, skus=skus, images=images)
    body = cold_and_warm(api, f"/api/v1/products/{product.pk}", django_assert_max_num_queries, cold=3, warm=0).json()
    assert len(body["skus"]) == skus and len(body["images"]) == images


@pytest.mark.parametrize("skus, images", [(1, 1), (40, 8)])
def test_product_page_reads_nothing_once_kept_however_many_skus(client, django_assert_max_num_queries, skus, images):
    _, [product] = shop_of(1, skus=skus, images=images)
    cold_and_warm(client, f"/products/{product.pk}/", django_assert_max_num_queries, cold=3, warm=0)


@pytest.mark.parametrize("count", [3, 45])
def test_product_list_api_reads_one_query_a_page_once_kept(api, django_assert_max_num_queries, count):
    category, _ = shop_of(count, skus=3, images=2)
    for page in (1, 2, 3):
        if (page - 1) * 20 >= count:
            break
        # cold: the categories, the COUNT and the page; then only the page's stock and sales
        cold_and_warm(api, f"/api/v1/products?category={category.parent_id}&page={page}", django_assert_max_num_queries, cold=3, warm=1)


@pytest.mark.parametrize("count", [3, 45])
def test_product_list_page_reads_one_query_a_page_once_kept(client, django_assert_max_num_queries, count):
    category, _ = shop_of(count, skus=3, images=2)
    cold_and_warm(client, f"/products/?category={category.pk}&page=1", django_assert_max_num_queries, cold=3, warm=1)


def test_a_search_is_never_kept_and_costs_two_queries(api, django_assert_max_num_queries):
    shop_of(25)
    for _ in range(2):
        with django_assert_max_num_queries(2):  # COUNT (without the card subqueries) and the page
            assert api.get("/api/v1/products?q=商品").status_code == 200


# --- The H5 list's pages -------------------------------------------------------------------


def test_list_page_turns_pages_with_a_link_to_the_next(client):
    category, products = shop_of(45)
    newest_first = [p.pk for p in sorted(products, key=lambda p: -p.pk)]
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/products/?category={category.pk}&page={page}").content.decode()
        shown = [pk for pk in newest_first if f'href="/products/{pk}/"' in html]
        assert len(shown) == (20 if page < 3 else 5)
        seen += shown
        if page < 3:
            assert f'href="?page={page + 1}&amp;category={category.pk}"' in html
            assert f'data-next="{page + 1}"' in html
        else:
            assert "下一页" not in html and "data-load-more" not in html
    assert sorted(seen) == sorted(newest_first)


def test_list_page_past_the_end_shows_the_last(client):
    category, products = shop_of(3)
    html = client.get(f"/products/?category={category.pk}&page=9").content.decode()
    assert all(f'href="/products/{p.pk}/"' in html for p in products)


# --- What is kept follows every change ------------------------------------------------------


def stock_shown(api, client, product) -> tuple[int, str]:
    """The first SKU's stock as the product API shows it, and the product page's HTML."""
    return api.get(f"/api/v1/products/{product.pk}").json()["skus"][0]["stock"], client.get(f"/products/{product.pk}/").content.decode()


def test_an_order_and_its_cancel_move_the_stock_on_the_kept_pages(api, client, django_capture_on_commit_callbacks):
    _, [product] = shop_of(1, skus=1, stock=2)
    sku = product.skus.get()
    category_path = f"/api/v1/products?category={product.category_id}"
    assert stock_shown(api, client, product)[0] == 2
    assert api.get(category_path).json()["results"][0]["in_stock"] is True
    with django_capture_on_commit_callbacks(execute=True):  # the page is renewed when the order commits
        order = order_create(member=MemberFactory(), destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=2)])
    stock, page = stock_shown(api, client, product)
    assert stock == 0 and '"stock": 0' in page
    assert api.get(category_path).json()["results"][0]["in_stock"] is False
    assert "已售罄" in client.get(f"/products/?category={product.category_id}").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor_kind=ActorKind.SYSTEM)
    stock, page = stock_shown(api, client, product)
    assert stock == 2 and '"stock": 2' in page
    assert api.get(category_path).json()["results"][0]["in_stock"] is True


def test_a_kept_page_changes_only_when_the_change_commits(api, django_capture_on_commit_callbacks):
    """Read between the stock's UPDATE and its COMMIT, the page still shows the committed
    stock (another process would); the renewal comes with the COMMIT."""
    _, [product] = shop_of(1, skus=1, stock=5)
    sku = product.skus.get()
    assert api.get(f"/api/v1/products/{product.pk}").json()["skus"][0]["stock"] == 5
    with django_capture_on_commit_callbacks(execute=False) as pending:
        order_create(member=MemberFactory(), destination=DESTINATION, lines=[LineRequest(sku_id=sku.pk, quantity=2)])
    assert api.get(f"/api/v1/products/{product.pk}").json()["skus"][0]["stock"] == 5  # kept, not read uncommitted
    for callback in pending:
        callback()
    assert api.get(f"/api/v1/products/{product.pk}").json()["skus"][0]["stock"] == 3


def test_an_operators_stock_correction_shows_on_the_kept_page(api, django_capture_on_commit_callbacks):
    _, [product] = shop_of(1, skus=1, stock=5)
    assert api.get(f"/api/v1/products/{product.pk}").json()["skus"][0]["stock"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        sku_adjust_stock(sku_id=product.skus.get().pk, delta=7)
    assert api.get(f"/api/v1/products/{product.pk}").json()["skus"][0]["stock"] == 12


def test_sales_show_on_the_kept_page_within_its_generation(api, member_api, django_capture_on_commit_callbacks):
    """Only a payment moves sales, and it leaves kept pages be (its notification is a hot
    path of its own): a page shows them once its generation has run out, the lists at once."""
    _, [product] = shop_of(1, skus=1)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(member_api, product.skus.get(), 3)
    assert api.get(f"/api/v1/products/{product.pk}").json()["sales"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        pay_at_cashier(member_api, order)
    assert api.get(f"/api/v1/products?category={product.category_id}").json()["results"][0]["sales"] == 3
    cache.delete(selectors.product_generation_key(product.pk))  # as PRODUCT_GENERATION_SECONDS run out
    assert api.get(f"/api/v1/products/{product.pk}").json()["sales"] == 3


@pytest.fixture
def boss(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True))
    return client


def test_an_operators_edit_in_the_admin_shows_at_once(boss, api):
    sku = SKUFactory(spec={"颜色": "红"}, price_fen=5000)
    product = sku.product
    product.specs = [{"name": "颜色", "values": ["红"]}]
    product.save()
    assert api.get(f"/api/v1/products/{product.pk}").json()["title"] == product.title
    assert api.get(f"/api/v1/products?category={product.category_id}").json()["results"][0]["price_fen"] == 5000
    data = {
        "title": "新标题", "subtitle": "", "category": product.category_id, "is_on_sale": "on", "position": 0,
        "specs": "颜色: 红", "purchase_limit": "", "description_html": "<p>新详情</p>",
        "images-TOTAL_FORMS": 0, "images-INITIAL_FORMS": 0, "images-MIN_NUM_FORMS": 0, "images-MAX_NUM_FORMS": 1000,
        "skus-TOTAL_FORMS": 1, "skus-INITIAL_FORMS": 1, "skus-MIN_NUM_FORMS": 1, "skus-MAX_NUM_FORMS": 1000,
        "skus-0-id": sku.pk, "skus-0-product": product.pk, "skus-0-spec_text": "红", "skus-0-price_fen": "39.90",
        "skus-0-stock": 100, "initial-skus-0-stock": 100, "skus-0-code": "", "skus-0-is_active": "on",
    }
    assert boss.post(f"/admin/mall/product/{product.pk}/change/", data).status_code == 302
    body = api.get(f"/api/v1/products/{product.pk}").json()
    assert (body["title"], body["description_html"], body["skus"][0]["price_fen"]) == ("新标题", "<p>新详情</p>", 3990)
    card = api.get(f"/api/v1/products?category={product.category_id}").json()["results"][0]
    assert (card["title"], card["price_fen"]) == ("新标题", 3990)


def test_taking_products_off_sale_in_the_admin_hides_them_at_once(boss, api, client):
    category, [gone, kept] = shop_of(2)
    assert api.get(f"/api/v1/products?category={category.pk}").json()["count"] == 2
    assert client.get(f"/products/{gone.pk}/").status_code == 200
    response = boss.post("/admin/mall/product/", {"action": "take_off_sale", "_selected_action": [gone.pk]})
    assert response.status_code == 302
    listed = api.get(f"/api/v1/products?category={category.pk}").json()
    assert (listed["count"], [p["id"] for p in listed["results"]]) == (1, [kept.pk])
    assert api.get(f"/api/v1/products/{gone.pk}").status_code == 404
    assert client.get(f"/products/{gone.pk}/").status_code == 404


def test_a_new_picture_shows_on_the_kept_product_page(api, client):
    _, [product] = shop_of(1, images=1)
    assert len(api.get(f"/api/v1/products/{product.pk}").json()["images"]) == 1
    picture = ProductImageFactory(product=product, position=-1)
    images = api.get(f"/api/v1/products/{product.pk}").json()["images"]
    assert len(images) == 2 and images[0].endswith(picture.image.name)
    picture.image.save("other.png", ContentFile(png_bytes()), save=True)
    assert api.get(f"/api/v1/products/{product.pk}").json()["images"][0].endswith(picture.image.name)
    assert picture.image.name in client.get(f"/products/{product.pk}/").content.decode()


def test_a_product_saved_with_named_fields_still_shows_its_edit(api):
    _, [product] = shop_of(1)
    api.get(f"/api/v1/products/{product.pk}")
    product.title = "只改标题"
    product.save(update_fields=["title"])  # updated_at is not among them
    assert api.get(f"/api/v1/products/{product.pk}").json()["title"] == "只改标题"


def test_a_product_moved_to_another_category_leaves_the_kept_list(api):
    category, [moved, stays] = shop_of(2)
    assert api.get(f"/api/v1/products?category={category.pk}").json()["count"] == 2
    moved.category = CategoryFactory()
    moved.save()
    assert [p["id"] for p in api.get(f"/api/v1/products?category={category.pk}").json()["results"]] == [stays.pk]


def test_a_hidden_category_hides_its_products_from_the_kept_lists(api):
    category, _ = shop_of(2)
    assert api.get(f"/api/v1/products?category={category.pk}").json()["count"] == 2
    category.is_active = False
    category.save()
    assert api.get(f"/api/v1/products?category={category.pk}").json()["count"] == 0
    assert category.pk not in [c["id"] for c in api.get("/api/v1/categories").json()]


def test_a_copy_kept_in_memory_is_not_used_once_the_product_changed(api):
    """What this process keeps may have been changed by another one: that one renews the
    product's generation in the shared cache, which every read looks at."""
    _, [product] = shop_of(1)
    api.get(f"/api/v1/products/{product.pk}")
    Product.objects.filter(pk=product.pk).update(title="别处改的", updated_at=timezone.now())  # no signal in this process
    cache.delete(selectors.product_generation_key(product.pk))  # what products_changed did in the other one
    assert api.get(f"/api/v1/products/{product.pk}").json()["title"] == "别处改的"


# --- The hand-written JSON says what the serializers (and the schema) say -------------------


def test_detail_json_is_what_the_serializer_gives():
    _, [product] = shop_of(1, skus=3, images=2)
    product.specs = [{"name": "颜色", "values": ["红", "黑"]}]
    product.purchase_limit = 3
    product.save()
    shown = selectors.product_shown(product_id=product.pk)
    assert product_detail_json(shown) == ProductDetailSerializer(shown).data


def test_card_json_is_what_the_serializer_gives():
    category, _ = shop_of(3)
    for card in selectors.ProductCards(category_id=category.pk)[0:20]:
        assert product_card_json(card) == ProductListItemSerializer(card).data
