from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.media import absolute_media_url
from config.rest import StrictIntegerField
from config.rich_text import clean_rich_text
from mall import selectors
from mall.api.filters import ProductFilter
from mall.services.cart import MAX_LINE_QUANTITY


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    icon_url = serializers.SerializerMethodField()

    def get_icon_url(self, category) -> str:
        return absolute_media_url(category.icon)


class CategoryListApi(APIView):
    permission_classes = [AllowAny]

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


class ProductListApi(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductListItemSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter

    def get_queryset(self):
        return selectors.products_for_sale()


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
    description_html = serializers.SerializerMethodField(help_text="运营编辑的详情 HTML，已按白名单清理（无脚本）")
    images = serializers.SerializerMethodField()
    specs = SpecSerializer(many=True)
    skus = SkuSerializer(many=True, source="active_skus")
    purchase_limit = serializers.IntegerField(allow_null=True)
    sales = serializers.IntegerField()

    def get_description_html(self, product) -> str:
        return clean_rich_text(product.description_html)

    def get_images(self, product) -> list[str]:
        return [absolute_media_url(image.image) for image in product.images.all()]


class ProductDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ProductDetailSerializer)
    def get(self, request, product_id: int):
        return Response(ProductDetailSerializer(selectors.product_detail(product_id=product_id)).data)


class QuantitySerializer(serializers.Serializer):
    # No business cap here: the services answer a quantity with the purchase limit or
    # the stock left; this bound only keeps a hostile number out of the database.
    quantity = StrictIntegerField(
        min_value=1, max_value=2**31 - 1, error_messages={"min_value": "数量至少为 1", "max_value": f"单次最多购买 {MAX_LINE_QUANTITY} 件"},
    )


class SkuLineSerializer(QuantitySerializer):
    """One SKU and how many: the unit of the cart and of an order."""

    sku_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
