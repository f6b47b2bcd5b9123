"""The lucky wheel: look at it, spin it, see what I won, and tell where a physical prize goes."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors
from campaigns.models import PrizeKind, PrizeShipment, Spin, Wheel
from campaigns.services.wheel import (
    CONSOLATION_NAME,
    SpinOutcome,
    my_spins,
    prize_shipment_address,
    wheel_running,
    wheel_spin,
    wheel_spins_left,
)
from config.media import absolute_media_url
from config.money import format_yuan
from config.rest import StrictIntegerField
from mall.models import Address


def prize_where(spin: Spin) -> dict | None:
    """Where the winner finds what the spin gave, in words and as a page."""
    prize = spin.prize
    if spin.prize_kind == PrizeKind.POINTS:
        return {"text": f"{prize.points} 积分已到账，可在「积分明细」查看", "path": "/points/"}
    if spin.prize_kind == PrizeKind.COUPON:
        return {"text": "优惠券已放入「我的优惠券」，下单时可以使用", "path": "/coupons/"}
    if spin.prize_kind == PrizeKind.RED_PACKET:
        return {"text": f"¥{format_yuan(prize.balance_fen)} 已存入商城余额，可在「我的」查看，下单时抵扣", "path": "/me/"}
    if spin.prize_kind == PrizeKind.PHYSICAL:
        return {"text": "请在本页填写收货地址，我们会尽快寄出", "path": f"/wheels/{spin.wheel_id}/#my-prizes"}
    return None


class WheelPrizeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PrizeKind.choices)
    image_url = serializers.SerializerMethodField()

    def get_image_url(self, prize) -> str:
        return absolute_media_url(prize.image)


class WheelSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="大转盘 id")
    title = serializers.CharField(source="campaign.title")
    starts_at = serializers.DateTimeField(source="campaign.starts_at")
    ends_at = serializers.DateTimeField(source="campaign.ends_at")
    running = serializers.BooleanField(help_text="现在能否抽奖（活动上线且在时间内）")
    rules = serializers.ListField(child=serializers.CharField(), source="campaign.rules", help_text="最多 3 步")
    cost_points = serializers.IntegerField(help_text="每次消耗积分，0 为免费")
    spins_per_day = serializers.IntegerField()
    spins_per_campaign = serializers.IntegerField(allow_null=True, help_text="活动期间每人总次数，null 为不限")
    prizes = WheelPrizeSerializer(many=True, help_text="盘面上的奖品，按顺时针位置排列")
    spins_left_today = serializers.IntegerField()
    points = serializers.IntegerField(help_text="我现在的积分")


class SpinPrizeSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="盘面上奖品的 id；盘面没有「谢谢参与」格时为 null")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PrizeKind.choices)


class PrizeWhereSerializer(serializers.Serializer):
    text = serializers.CharField()
    path = serializers.CharField(help_text="去哪个页面查看")


class PrizeShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="awaiting_address / to_ship / shipped")
    status_display = serializers.CharField(source="get_status_display")
    receiver_name = serializers.CharField()
    receiver_phone = serializers.CharField()
    address = serializers.CharField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)


def _prize_of(spin: Spin) -> dict:
    if spin.prize is None:
        return {"id": None, "name": CONSOLATION_NAME, "kind": PrizeKind.NONE}
    return {"id": spin.prize_id, "name": spin.prize.name, "kind": spin.prize_kind}


def _shipment_of(spin: Spin) -> PrizeShipment | None:
    return getattr(spin, "shipment", None) if spin.prize_kind == PrizeKind.PHYSICAL else None


class SpinResultSerializer(serializers.Serializer):
    """A spin's answer as spin_result_json writes it, for the schema (a test holds the two to the same fields)."""

    spin_id = serializers.IntegerField()
    prize = SpinPrizeSerializer()
    spins_left_today = serializers.IntegerField()
    where = PrizeWhereSerializer(allow_null=True, help_text="在哪里找到奖品；没中奖为 null")
    shipment = PrizeShipmentSerializer(allow_null=True, help_text="实物奖品：发货信息，先填收货地址")
    points = serializers.IntegerField(help_text="抽奖后我的积分")


class WheelApi(APIView):
    @extend_schema(responses=WheelSerializer)
    def get(self, request, wheel_id: int):
        wheel = generics.get_object_or_404(Wheel.objects.select_related("campaign").prefetch_related("prizes"), pk=wheel_id)
        wheel.running = wheel_running(wheel=wheel)
        wheel.spins_left_today = wheel_spins_left(wheel=wheel, member_id=request.user.pk)
        wheel.points = request.user.points
        return Response(WheelSerializer(wheel).data)


class WheelSpinApi(APIView):
    throttle_scope = "spin"

    @extend_schema(request=None, responses=SpinResultSerializer)
    def post(self, request, wheel_id: int):
        wheel = selectors.wheel_rules(wheel_id)
        if wheel is None:
            raise Http404
        return Response(spin_result_json(wheel_spin(wheel=wheel, member=request.user), member=request.user))


def spin_result_json(outcome: SpinOutcome, *, member) -> dict:
    """A spin's answer, written out rather than through a serializer: a crowd spins at
    once, and DRF's field machinery cost the spin more than its SQL."""
    spin = outcome.spin
    shipment = _shipment_of(spin)
    return {
        "spin_id": spin.pk,
        "prize": _prize_of(spin),
        "spins_left_today": outcome.spins_left_today,
        "where": prize_where(spin),
        "shipment": PrizeShipmentSerializer(shipment).data if shipment else None,
        # As the spin left them; when it moved none, as this request found them.
        "points": outcome.points if outcome.points is not None else member.points,
    }


class MySpinSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prize = serializers.SerializerMethodField()
    cost_points = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    where = serializers.SerializerMethodField()
    shipment = serializers.SerializerMethodField()

    @extend_schema_field(SpinPrizeSerializer)
    def get_prize(self, spin) -> dict:
        return _prize_of(spin)

    @extend_schema_field(PrizeWhereSerializer(allow_null=True))
    def get_where(self, spin) -> dict | None:
        return prize_where(spin)

    @extend_schema_field(PrizeShipmentSerializer(allow_null=True))
    def get_shipment(self, spin) -> dict | None:
        shipment = _shipment_of(spin)
        return PrizeShipmentSerializer(shipment).data if shipment else None


class MySpinListApi(generics.ListAPIView):
    """My spins of this wheel, newest first (what I won, and where each prize is)."""

    serializer_class = MySpinSerializer
    queryset = Spin.objects.none()  # what the schema reads; get_queryset gives the member's own

    def get_queryset(self):
        wheel = generics.get_object_or_404(Wheel, pk=self.kwargs["wheel_id"])
        return my_spins(wheel=wheel, member=self.request.user)


class PrizeAddressSerializer(serializers.Serializer):
    address_id = StrictIntegerField(min_value=1, max_value=2**63 - 1, help_text="我的收货地址（/api/v1/addresses）之一")


class PrizeAddressApi(APIView):
    """Where my physical prize goes: one of my addresses, until the parcel leaves."""

    @extend_schema(request=PrizeAddressSerializer, responses=PrizeShipmentSerializer)
    def post(self, request, spin_id: int):
        shipment = generics.get_object_or_404(PrizeShipment, spin_id=spin_id, spin__member=request.user)
        body = PrizeAddressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        address = Address.objects.filter(member=request.user, pk=body.validated_data["address_id"]).first()
        if address is None:
            raise serializers.ValidationError({"address_id": ["收货地址不存在"]})
        return Response(PrizeShipmentSerializer(prize_shipment_address(shipment=shipment, address=address)).data)
