"""What I earned and drew: commissions, my team, withdrawals."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from config.rest import StrictIntegerField
from distribution import selectors
from distribution.api.filters import CommissionFilter, WithdrawalFilter
from distribution.models import Commission, PayoutChannel, Withdrawal
from distribution.services.withdrawals import withdrawal_request


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


class CommissionListApi(generics.ListAPIView):
    serializer_class = CommissionSerializer

    filter_backends = [DjangoFilterBackend]
    filterset_class = CommissionFilter
    queryset = Commission.objects.none()  # what the schema reads; get_queryset gives the member's own

    def get_queryset(self):
        return selectors.member_commissions(member=self.request.user)


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
    # No minimum here: withdrawal_request answers 「最低提现 … 元」 (409 below_minimum)
    # with the operator's own minimum; the bound only keeps a hostile number out.
    amount_fen = StrictIntegerField(max_value=10**12)
    channel = serializers.ChoiceField(choices=PayoutChannel.values)


class WithdrawalListApi(generics.ListAPIView):
    throttle_scope = "withdrawal_request"
    serializer_class = WithdrawalSerializer

    filter_backends = [DjangoFilterBackend]
    filterset_class = WithdrawalFilter
    queryset = Withdrawal.objects.none()  # what the schema reads; get_queryset gives the member's own

    def get_queryset(self):
        return Withdrawal.objects.filter(member=self.request.user)

    @extend_schema(request=WithdrawalRequestSerializer, responses={201: WithdrawalSerializer})
    def post(self, request):
        body = WithdrawalRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        withdrawal = withdrawal_request(member=request.user, **body.validated_data)
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)
