"""Who I am as a sharer: my summary, applying, my poster."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import error_response
from distribution import selectors
from distribution.services.distributors import distributor_apply
from distribution.services.poster import poster_png
from mall.models import Product


class DistributionMeSerializer(serializers.Serializer):
    is_distributor = serializers.BooleanField()
    referral_code = serializers.CharField()
    share_url = serializers.CharField()
    poster_url = serializers.CharField()
    referrer = serializers.DictField(allow_null=True)
    team_level1 = serializers.IntegerField()
    team_level2 = serializers.IntegerField()
    frozen_fen = serializers.IntegerField()
    available_fen = serializers.IntegerField()
    withdrawing_fen = serializers.IntegerField()
    withdrawn_fen = serializers.IntegerField()
    application_status = serializers.CharField(allow_null=True, help_text="pending / rejected / revoked，或无申请时为 null")


class DistributionMeApi(APIView):
    @extend_schema(responses=DistributionMeSerializer)
    def get(self, request):
        return Response(DistributionMeSerializer(selectors.sharer_summary(member=request.user)).data)


class ApplyApi(APIView):
    @extend_schema(request=None, responses=DistributionMeSerializer)
    def post(self, request):
        distributor_apply(member=request.user)
        request.user.refresh_from_db()
        return Response(DistributionMeSerializer(selectors.sharer_summary(member=request.user)).data)


class PosterQuerySerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class PosterApi(APIView):
    throttle_scope = "poster"

    @extend_schema(
        parameters=[PosterQuerySerializer],
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            404: error_response("not_found：商品不存在或已下架"),
        },
    )
    def get(self, request):
        query = PosterQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        product = None
        if "product" in query.validated_data:
            product = Product.objects.filter(pk=query.validated_data["product"], is_on_sale=True).first()
            if product is None:
                return Response({"code": "not_found", "detail": "商品不存在或已下架"}, status=status.HTTP_404_NOT_FOUND)
        response = HttpResponse(poster_png(member=request.user, product=product), content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response
