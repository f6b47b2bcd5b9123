"""Recommendations: "bought together" and same-category best sellers worked out set-based
from purchase history (only products on sale, a top list per product, replaced whole), and
GET /api/v1/recommendations for the member in a fixed number of queries."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import PurchasedProduct, Recommendation
from crm.selectors import recommendations_for
from crm.services.recommendations import TOP_PER_PRODUCT, recommendations_recompute
from mall.models import Product
from tests.factories import CategoryFactory, MemberFactory, ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db

TOGETHER, CATEGORY = Recommendation.Kind.BOUGHT_TOGETHER, Recommendation.Kind.SAME_CATEGORY


def product(category=None, **fields):
    return SKUFactory(product=ProductFactory(category=category or CategoryFactory(), **fields)).product


def bought(member, *products):
    for item in products:
        PurchasedProduct.objects.create(member=member, product=item, category=item.category, quantity=1, last_paid_at=timezone.now())


def recommended(of, kind) -> dict:
    return dict(Recommendation.objects.filter(product=of, kind=kind).values_list("recommended_id", "score"))


@pytest.fixture
def shop():
    """Skincare: cream, serum, toner, mask; snacks: nuts. Bought by four members."""
    skincare, snacks = CategoryFactory(name="护肤"), CategoryFactory(name="零食")
    items = {name: product(skincare, title=name) for name in ("面霜", "精华", "爽肤水", "面膜")}
    items["坚果"] = product(snacks, title="坚果")
    a, b, c, d = (MemberFactory() for _ in range(4))
    bought(a, items["面霜"], items["精华"], items["坚果"])
    bought(b, items["面霜"], items["精华"])
    bought(c, items["面霜"], items["爽肤水"])
    bought(d, items["面膜"])
    return items


def test_bought_together_is_scored_by_members_who_bought_both(shop):
    recommendations_recompute()
    assert recommended(shop["面霜"], TOGETHER) == {shop["精华"].pk: 2, shop["爽肤水"].pk: 1, shop["坚果"].pk: 1}
    assert recommended(shop["坚果"], TOGETHER) == {shop["面霜"].pk: 1, shop["精华"].pk: 1}
    assert recommended(shop["面膜"], TOGETHER) == {}


def test_same_category_is_its_best_sellers_by_buyers(shop):
    recommendations_recompute()
    assert recommended(shop["面膜"], CATEGORY) == {shop["面霜"].pk: 3, shop["精华"].pk: 2, shop["爽肤水"].pk: 1}
    assert recommended(shop["面霜"], CATEGORY) == {shop["精华"].pk: 2, shop["爽肤水"].pk: 1, shop["面膜"].pk: 1}
    assert recommended(shop["坚果"], CATEGORY) == {}


def test_products_off_sale_are_never_recommended_nor_given_recommendations(shop):
    Product.objects.filter(pk=shop["精华"].pk).update(is_on_sale=False)
    recommendations_recompute()
    assert not Recommendation.objects.filter(recommended=shop["精华"]).exists()
    assert not Recommendation.objects.filter(product=shop["精华"]).exists()


def test_each_product_keeps_its_top_ten(shop):
    category = shop["面霜"].category
    others = [product(category) for _ in range(TOP_PER_PRODUCT + 2)]
    buyer = MemberFactory()
    bought(buyer, shop["面霜"], *others)
    recommendations_recompute()
    assert len(recommended(shop["面霜"], TOGETHER)) == TOP_PER_PRODUCT
    assert shop["精华"].pk in recommended(shop["面霜"], TOGETHER)  # scored 2: above the ones bought once


def test_a_recompute_replaces_the_old_rows_and_a_second_run_gives_the_same(shop):
    stale = product()
    Recommendation.objects.create(product=shop["面霜"], recommended=stale, kind=TOGETHER, score=99)
    first = recommendations_recompute()
    rows = set(Recommendation.objects.values_list("product_id", "recommended_id", "kind", "score"))
    assert not Recommendation.objects.filter(recommended=stale).exists()
    assert recommendations_recompute() == first == len(rows)
    assert set(Recommendation.objects.values_list("product_id", "recommended_id", "kind", "score")) == rows


def test_the_nightly_job_is_scheduled_and_is_also_a_command(shop):
    from django_celery_beat.models import PeriodicTask

    from crm.apps import install_schedules

    install_schedules(sender=None)
    job = PeriodicTask.objects.get(task="crm.tasks.recompute_recommendations")
    assert job.crontab.hour == "4"
    call_command("recompute_recommendations")
    assert Recommendation.objects.exists()


# --- For the member -----------------------------------------------------------------


def test_a_member_gets_what_goes_with_what_they_bought_never_what_they_have(shop):
    recommendations_recompute()
    member = MemberFactory()
    bought(member, shop["爽肤水"])
    titles = [item.title for item in recommendations_for(member=member, limit=3)]
    assert titles[0] == "面霜"  # bought together with 爽肤水
    assert "爽肤水" not in titles and len(titles) == 3


def test_a_product_page_gets_its_companions_first(shop):
    recommendations_recompute()
    member = MemberFactory()
    bought(member, shop["精华"])
    titles = [item.title for item in recommendations_for(member=member, product_id=shop["面霜"].pk, limit=4)]
    # 精华 is theirs already; 爽肤水 ties 坚果 on "together" and wins on category; 面膜 only shares the category.
    assert titles == ["爽肤水", "坚果", "面膜"]


def test_a_member_without_history_gets_the_best_sellers(shop):
    recommendations_recompute()
    Product.objects.filter(pk=shop["坚果"].pk).update(sales=500)
    Product.objects.filter(pk=shop["面膜"].pk).update(sales=300)
    titles = [item.title for item in recommendations_for(member=MemberFactory(), limit=2)]
    assert titles == ["坚果", "面膜"]


def test_the_api_answers_product_cards_in_a_fixed_number_of_queries(api_for, shop):
    recommendations_recompute()
    member = MemberFactory()
    client = api_for(member)
    bought(member, shop["爽肤水"])
    with CaptureQueriesContext(connection) as few:
        response = client.get("/api/v1/recommendations?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"] is None
    card = body["results"][0]
    assert set(card) >= {"id", "title", "cover_url", "price_fen", "original_price_fen", "sales", "in_stock"}
    assert card["title"] == "面霜"

    bought(member, shop["面霜"], shop["坚果"], *(product(shop["面霜"].category) for _ in range(5)))
    recommendations_recompute()
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/recommendations?limit=10").json()["results"]) >= 2
    assert len(many) == len(few)


def test_the_api_needs_a_login_and_refuses_bad_parameters(api, member_api):
    assert api.get("/api/v1/recommendations").status_code == 401
    for query in ("limit=0", "limit=21", "limit=x", "product=0", "product=abc"):
        response = member_api.get(f"/api/v1/recommendations?{query}")
        assert response.status_code == 400 and response.json()["code"], query


def test_an_unknown_product_still_gets_the_best_sellers(member_api, shop):
    response = member_api.get("/api/v1/recommendations?product=999999&limit=3")
    assert response.status_code == 200 and response.json()["count"] == 3


@pytest.mark.parametrize("page, title", [("product", "经常一起买"), ("/cart/", "猜你喜欢")])
def test_the_product_page_and_the_cart_carry_a_hidden_strip_filled_by_a_static_script(member, page, title):
    from django.test import Client

    client = Client()
    client.force_login(member)
    path = f"/products/{product().pk}/" if page == "product" else page
    html = client.get(path).content.decode()
    assert "<section class=\"hidden\" data-recommendations" in html and f"<h2>{title}</h2>" in html
    assert '/static/js/recommendations.js"' in html


def test_a_push_page_suggests_what_goes_best_with_what_its_segment_bought(client, shop):
    """Recommendations as push content: the push page lists, for its segment, the products
    that go with what those members bought, heaviest first, each with the path to link to."""
    from crm.models import Push, Segment
    from crm.selectors.segments import segment_recommended_products

    recommendations_recompute()
    mask_buyers = {"match": "all", "rules": [{"field": "products", "op": "any", "value": [shop["面膜"].pk]}]}
    suggested = segment_recommended_products(mask_buyers)
    assert [item.title for item in suggested][:2] == ["面霜", "精华"]  # skincare's best sellers by buyers
    segment = Segment.objects.create(name="买过面膜的", rules=mask_buyers)
    push = Push.objects.create(title="上新", target="/", segment=segment, send_at=timezone.now())
    client.force_login(MemberFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/crm/push/{push.pk}/change/").content.decode()
    assert "推荐内容" in page and f"/products/{shop['面霜'].pk}/" in page
