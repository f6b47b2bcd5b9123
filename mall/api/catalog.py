from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.media import absolute_media_url
from config.rest import StrictIntegerField
from config.rich_text import clean_rich_text
from mall import selectors
from mall.selectors import ORDERINGS


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


class ProductQuerySerializer(serializers.Serializer):
    category = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    q = serializers.CharField(required=False, max_length=50, allow_blank=True, trim_whitespace=True)
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False)


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

    @extend_schema(parameters=[ProductQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = ProductQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return selectors.product_list(
            category_id=params.get("category"), query=params.get("q", ""), ordering=params.get("ordering", "")
        )


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


class SkuLineSerializer(serializers.Serializer):
    """One SKU and how many: the unit of the cart and of an order."""

    sku_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=999)
