"""GET /api/v1/recommendations: products for me, from my purchase history (or for the
product I am looking at, ?product=), as the product list's cards."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.rest import StrictIntegerField
from crm.selectors import recommendations_for
from mall.api.catalog import ProductListItemSerializer

MAX_LIMIT = 20


class RecommendationQuerySerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="正在看的商品：推荐与它一起买、同类热销的")
    limit = serializers.IntegerField(required=False, default=6, min_value=1, max_value=MAX_LIMIT)


class RecommendationListApi(APIView):
    @extend_schema(
        parameters=[RecommendationQuerySerializer],
        responses=inline_serializer("RecommendationList", {
            "count": StrictIntegerField(), "next": serializers.CharField(allow_null=True), "previous": serializers.CharField(allow_null=True),
            "results": ProductListItemSerializer(many=True),
        }),
    )
    def get(self, request):
        query = RecommendationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        products = recommendations_for(member=request.user, product_id=query.validated_data.get("product"), limit=query.validated_data["limit"])
        # The list convention's shape, all on one page: `limit` is the page.
        return Response({"count": len(products), "next": None, "previous": None, "results": ProductListItemSerializer(products, many=True).data})
