from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.media import absolute_media_url
from config.rest import PublicRead, StrictIntegerField
from mall import selectors
from mall.api.filters import ProductFilter
from mall.models import Product
from mall.services.cart import MAX_LINE_QUANTITY


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    icon_url = serializers.SerializerMethodField()

    def get_icon_url(self, category) -> str:
        return absolute_media_url(category.icon)


class CategoryListApi(PublicRead, APIView):

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        return Response(CategorySerializer(selectors.categories_active(), many=True).data)


class ProductListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    cover_url = serializers.SerializerMethodField()
    price_fen = serializers.IntegerField()
    original_price_fen = serializers.IntegerField(allow_null=True)
    sales = serializers.IntegerField()
    in_stock = serializers.BooleanField()

    def get_cover_url(self, product) -> str:
        return absolute_media_url(product.cover)


def product_card_json(card: selectors.ProductCard) -> dict:
    """ProductListItemSerializer's output, written out: on the list's hot path DRF's field
    machinery cost as much as the rest of the request (tests hold the two equal)."""
    return {
        "id": card.id, "title": card.title, "subtitle": card.subtitle, "cover_url": absolute_media_url(card.cover),
        "price_fen": card.price_fen, "original_price_fen": card.original_price_fen, "sales": card.sales, "in_stock": card.in_stock,
    }


class ProductListApi(PublicRead, generics.ListAPIView):
    """The filters validated as the filterset says (and documented from it); the page's
    cards come from selectors.ProductCards, mostly from the cache."""

    serializer_class = ProductListItemSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter

    def get_queryset(self):
        return selectors.products_for_sale()

    def list(self, request, *args, **kwargs):
        filters = ProductFilter(request.query_params, queryset=Product.objects.none())
        if not filters.is_valid():
            raise translate_validation(filters.errors)
        page = self.paginate_queryset(filters.cards())
        return self.get_paginated_response([product_card_json(card) for card in page])


class SkuSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    spec = serializers.DictField(child=serializers.CharField())
    price_fen = serializers.IntegerField()
    original_price_fen = serializers.IntegerField(allow_null=True)
    stock = serializers.IntegerField()
    image_url = serializers.SerializerMethodField()

    def get_image_url(self, sku) -> str:
        return absolute_media_url(sku.image)


class SpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField())


class ProductDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    category_id = serializers.IntegerField()
    description_html = serializers.CharField(help_text="运营编辑的详情 HTML，已按白名单清理（无脚本）")
    images = serializers.SerializerMethodField()
    specs = SpecSerializer(many=True)
    skus = SkuSerializer(many=True)
    purchase_limit = serializers.IntegerField(allow_null=True)
    sales = serializers.IntegerField()

    def get_images(self, product) -> list[str]:
        return [absolute_media_url(image.image) for image in product.images]


def product_detail_json(product: selectors.ProductShown) -> dict:
    """ProductDetailSerializer's output, written out, for the same reason as product_card_json."""
    return {
        "id": product.id, "title": product.title, "subtitle": product.subtitle, "category_id": product.category_id,
        "description_html": product.description_html, "images": [absolute_media_url(image.image) for image in product.images],
        "specs": [{"name": str(spec["name"]), "values": [str(value) for value in spec["values"]]} for spec in product.specs],
        "skus": [
            {"id": sku.id, "spec": {name: str(value) for name, value in sku.spec.items()}, "price_fen": sku.price_fen, "original_price_fen": sku.original_price_fen,
             "stock": sku.stock, "image_url": absolute_media_url(sku.image)}
            for sku in product.skus
        ],
        "purchase_limit": product.purchase_limit, "sales": product.sales,
    }


class ProductDetailApi(PublicRead, APIView):

    @extend_schema(responses=ProductDetailSerializer)
    def get(self, request, product_id: int):
        return Response(product_detail_json(selectors.product_shown(product_id=product_id)))


class QuantitySerializer(serializers.Serializer):
    # No business cap here: the services answer a quantity with the purchase limit or
    # the stock left; this bound only keeps a hostile number out of the database.
    quantity = StrictIntegerField(
        min_value=1, max_value=2**31 - 1, error_messages={"min_value": "数量至少为 1", "max_value": f"单次最多购买 {MAX_LINE_QUANTITY} 件"},
    )


class SkuLineSerializer(QuantitySerializer):
    """One SKU and how many: the unit of the cart and of an order."""

    sku_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
