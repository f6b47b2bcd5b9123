from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.rest import StrictIntegerField
from config.schema import error_response
from distribution import selectors
from distribution.models import CommissionStatus, DistributorStatus, PayoutChannel, Withdrawal, WithdrawalStatus
from distribution.poster import poster_png
from distribution.services.distributors import distributor_apply
from distribution.services.withdrawals import withdrawal_request
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


def summary(member) -> dict:
    referrer = selectors.referrer_of(member=member)
    level1, level2 = selectors.team_counts(member=member)
    application = getattr(getattr(member, "distributor", None), "status", None)
    return {
        "is_distributor": selectors.member_is_distributor(member=member),
        "referral_code": member.referral_code,
        "share_url": f"{settings.SITE_URL}/?ref={member.referral_code}",
        "poster_url": f"{settings.SITE_URL}/api/v1/distribution/poster",
        "referrer": {"nickname": referrer.display_name} if referrer else None,
        "team_level1": level1,
        "team_level2": level2,
        **selectors.balances(member=member),
        "application_status": application if application != DistributorStatus.ACTIVE else None,
    }


class DistributionMeApi(APIView):
    @extend_schema(responses=DistributionMeSerializer)
    def get(self, request):
        return Response(DistributionMeSerializer(summary(request.user)).data)


class ApplyApi(APIView):
    @extend_schema(request=None, responses=DistributionMeSerializer)
    def post(self, request):
        distributor_apply(member=request.user)
        request.user.refresh_from_db()
        return Response(DistributionMeSerializer(summary(request.user)).data)


class CommissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_number = serializers.CharField(source="order.number")
    level = serializers.IntegerField()
    base_fen = serializers.IntegerField()
    rate_bp = serializers.IntegerField()
    amount_fen = serializers.IntegerField(source="net_fen", help_text="扣除退款失效部分后的佣金")
    voided_fen = serializers.IntegerField()
    status = serializers.CharField()
    available_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class CommissionQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CommissionStatus.values, required=False)


class CommissionListApi(generics.ListAPIView):
    serializer_class = CommissionSerializer

    @extend_schema(parameters=[CommissionQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = CommissionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.member_commissions(member=self.request.user, status=query.validated_data.get("status"))


class TeamMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField(source="display_name")
    avatar_url = serializers.CharField()
    bound_at = serializers.DateTimeField(source="referral.bound_at")


class TeamQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=[1, 2], required=False, default=1)


class TeamApi(generics.ListAPIView):
    serializer_class = TeamMemberSerializer

    @extend_schema(parameters=[TeamQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = TeamQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.team(member=self.request.user, level=query.validated_data["level"]).select_related("referral")


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


class WithdrawalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    amount_fen = serializers.IntegerField()
    fee_fen = serializers.IntegerField()
    net_fen = serializers.IntegerField()
    channel = serializers.CharField()
    status = serializers.CharField()
    reject_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)


class WithdrawalRequestSerializer(serializers.Serializer):
    amount_fen = StrictIntegerField(min_value=1, max_value=10**12)
    channel = serializers.ChoiceField(choices=PayoutChannel.values)


class WithdrawalQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WithdrawalStatus.values, required=False)


class WithdrawalListApi(generics.ListAPIView):
    throttle_scope = "withdrawal_request"
    serializer_class = WithdrawalSerializer

    @extend_schema(parameters=[WithdrawalQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = WithdrawalQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        withdrawals = Withdrawal.objects.filter(member=self.request.user)
        return withdrawals.filter(status=query.validated_data["status"]) if "status" in query.validated_data else withdrawals

    @extend_schema(request=WithdrawalRequestSerializer, responses={201: WithdrawalSerializer})
    def post(self, request):
        body = WithdrawalRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        withdrawal = withdrawal_request(member=request.user, **body.validated_data)
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)
