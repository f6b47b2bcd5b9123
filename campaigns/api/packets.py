"""Red packets: look at one (how much is left, what I got, who got how much), grab a
share, and the share packets (分享红包) my orders earned me to pass on."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors
from campaigns.models import PacketDelivery, PacketStatus, RedPacket, SplitMode
from campaigns.services.packets import red_packet_grab
from config.schema import error_response


class GrabSerializer(serializers.Serializer):
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()
    amount_fen = serializers.IntegerField()
    grabbed_at = serializers.DateTimeField()
    best = serializers.BooleanField(help_text="手气最佳（拼手气红包领完或过期后才评出）")


class OwnerSerializer(serializers.Serializer):
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()


class RedPacketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    total_fen = serializers.IntegerField()
    shares = serializers.IntegerField()
    shares_left = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
    my_amount_fen = serializers.IntegerField(allow_null=True, help_text="我领到的金额；没领过为 null")
    delivers = serializers.ChoiceField(
        choices=PacketDelivery.choices, help_text="领到的是什么：balance 商城余额 / coupon 无门槛券 / wechat_cash 微信现金红包"
    )
    split = serializers.ChoiceField(choices=SplitMode.choices)
    status = serializers.ChoiceField(choices=PacketStatus.choices)
    can_grab = serializers.BooleanField(help_text="现在能否领（活动进行中、未过期、还有剩余、我还没领过）")
    my_destination = serializers.CharField(allow_null=True, help_text="我领到的去了哪里；没领过为 null")
    owner = OwnerSerializer(allow_null=True, help_text="分享红包：送出红包的人；活动红包为 null")
    order_number = serializers.CharField(allow_null=True, help_text="分享红包：来自我的哪笔订单（仅分享人本人可见）")
    running = serializers.BooleanField(help_text="红包所属活动是否在进行中")
    path = serializers.CharField(help_text="红包页面，分享给好友")
    grabs = GrabSerializer(many=True, help_text="谁领了多少，先领的在前")


def _packets():
    return RedPacket.objects.select_related("owner", "order")


class RedPacketApi(APIView):
    @extend_schema(responses={200: RedPacketSerializer, 404: error_response("没有这个红包")})
    def get(self, request, packet_id: int):
        packet = generics.get_object_or_404(_packets(), pk=packet_id)
        return Response(RedPacketSerializer(selectors.red_packet_view(packet=packet, member=request.user)).data)


class GrabResultSerializer(serializers.Serializer):
    """A grab's answer as RedPacketGrabApi writes it, for the schema (a test holds the two to the same fields)."""

    amount_fen = serializers.IntegerField(help_text="领到的金额（分）")
    delivers = serializers.ChoiceField(choices=PacketDelivery.choices)
    where = serializers.CharField(help_text="领到的去了哪里")
    shares_left = serializers.IntegerField()


class RedPacketGrabApi(APIView):
    throttle_scope = "grab"

    @extend_schema(
        request=None,
        responses={
            200: GrabResultSerializer,
            404: error_response("没有这个红包"),
            409: error_response("already_grabbed 已经领过 / packet_empty 已被领完 / campaign_not_active 活动未进行或红包已过期"),
        },
    )
    def post(self, request, packet_id: int):
        # The packet's rules come cached, and the answer is written out: a crowd grabs at
        # once, and the ORM's read and DRF's fields cost more than the grab's SQL.
        packet = selectors.red_packet_rules(packet_id)
        if packet is None:
            raise Http404
        share = red_packet_grab(packet=packet, member=request.user)
        return Response(
            {
                "amount_fen": share.amount_fen,
                "delivers": packet.delivers,
                "shares_left": packet.shares_left,
                "where": selectors.share_destination(packet=packet, reference=share.delivery_reference),
            }
        )


class MyRedPacketListApi(generics.ListAPIView):
    """The share packets (分享红包) my paid orders earned me to pass on, newest first;
    `?order=<number>` for one order's."""

    serializer_class = RedPacketSerializer
    queryset = RedPacket.objects.none()  # what the schema reads; get_queryset gives the member's own

    @extend_schema(parameters=[OpenApiParameter("order", str, description="订单号：只看这笔订单送的分享红包")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        packets = _packets().filter(owner=self.request.user).order_by("-id")
        number = self.request.query_params.get("order", "")
        if number:
            # Order numbers are letters and digits; anything else names no order.
            packets = (
                packets.filter(order__number=number)
                if number.isascii() and number.isalnum() and len(number) <= 32
                else packets.none()
            )
        return packets

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        body = [selectors.red_packet_view(packet=packet, member=request.user) for packet in page]
        return self.get_paginated_response(RedPacketSerializer(body, many=True).data)
