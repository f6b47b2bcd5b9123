import base64
import binascii

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client_ip import client_ip
from config.media import absolute_media_url
from config.rest import StrictIntegerField
from config.schema import error_response
from config.validators import no_control_characters_multiline
from mall import selectors
from mall.api.addresses import AddressSerializer
from mall.api.catalog import SkuLineSerializer
from mall.api.filters import OrderFilter
from mall.models import Order, RefundType
from mall.services.aftersales import MAX_REFUND_PHOTOS, RefundItem, refund_request
from mall.services.fulfilment import order_confirm_receipt
from mall.services.orders import Destination, LineRequest, order_cancel, order_create
from mall.services.payments import payment_start
from wechat import pay as wechat_pay


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="订单商品 id：申请售后时指明商品")
    sku_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    title = serializers.CharField()
    spec = serializers.DictField(child=serializers.CharField())
    price_fen = serializers.IntegerField()
    quantity = serializers.IntegerField()
    discount_fen = serializers.IntegerField(help_text="分摊到本商品的优惠券优惠（分）")
    pay_fen = serializers.IntegerField(help_text="本商品实付（分）= 单价 × 数量 − 分摊优惠")
    image_url = serializers.SerializerMethodField()

    def get_image_url(self, line) -> str:
        return absolute_media_url(line.image)


class OrderAddressSerializer(serializers.Serializer):
    name = serializers.CharField(source="receiver_name")
    phone = serializers.CharField(source="receiver_phone")
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    detail = serializers.CharField(source="address_detail")


class RefundItemSerializer(serializers.Serializer):
    line_id = StrictIntegerField(
        source="order_line_id", min_value=1, max_value=2**63 - 1, help_text="订单商品 id（订单 lines[].id）"
    )
    quantity = StrictIntegerField(min_value=1, max_value=10**6)


class RefundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    out_refund_no = serializers.CharField()
    refund_type = serializers.CharField(help_text="refund_only 仅退款，return_and_refund 退货退款")
    refund_type_display = serializers.CharField(source="get_refund_type_display")
    amount_fen = serializers.IntegerField()
    items = RefundItemSerializer(source="lines", many=True)
    reason = serializers.CharField()
    note = serializers.CharField()
    photo_urls = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    reject_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    refunded_at = serializers.DateTimeField(allow_null=True)

    def get_photo_urls(self, refund) -> list[str]:
        return [absolute_media_url(photo.image.name) for photo in refund.photos.all()]


class OrderSerializer(serializers.Serializer):
    """An order as order_json writes it, for the schema (a test holds the two equal)."""


    number = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    goods_fen = serializers.IntegerField()
    shipping_fen = serializers.IntegerField()
    discount_fen = serializers.IntegerField()
    balance_fen = serializers.IntegerField(help_text="余额抵扣的部分（分）；未使用余额时为 0")
    pay_fen = serializers.IntegerField(help_text="微信支付应付（分）= 商品 + 运费 − 优惠 − 余额抵扣")
    lines = OrderLineSerializer(many=True)
    address = OrderAddressSerializer(source="*")
    note = serializers.CharField()
    expires_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    carrier = serializers.CharField()
    carrier_display = serializers.CharField(source="get_carrier_display")
    tracking_number = serializers.CharField()
    refunded_fen = serializers.IntegerField()
    after_sales_deadline = serializers.DateTimeField(allow_null=True)
    refunds = RefundSerializer(many=True)


_MOMENT = serializers.DateTimeField()  # DRF's own format, in the shop's time zone


def _moment(value) -> str | None:
    return _MOMENT.to_representation(value) if value else None


def order_json(order: Order) -> dict:
    """OrderSerializer's output, written out: DRF's nested fields cost answering an order
    more than its SQL did. Refunds, rare, still go through RefundSerializer."""
    refunds = list(order.refunds.all())
    return {
        "number": order.number, "status": str(order.status), "status_display": order.get_status_display(),
        "goods_fen": order.goods_fen, "shipping_fen": order.shipping_fen, "discount_fen": order.discount_fen,
        "balance_fen": order.balance_fen, "pay_fen": order.pay_fen,
        "lines": [
            {"id": line.id, "sku_id": line.sku_id, "product_id": line.product_id, "title": line.title,
             "spec": {name: str(value) for name, value in line.spec.items()}, "price_fen": line.price_fen, "quantity": line.quantity,
             "discount_fen": line.discount_fen, "pay_fen": line.pay_fen, "image_url": absolute_media_url(line.image)}
            for line in order.lines.all()
        ],
        "address": {"name": order.receiver_name, "phone": order.receiver_phone, "province": order.province, "city": order.city,
                    "district": order.district, "detail": order.address_detail},
        "note": order.note, "expires_at": _moment(order.expires_at), "created_at": _moment(order.created_at),
        "paid_at": _moment(order.paid_at), "shipped_at": _moment(order.shipped_at), "completed_at": _moment(order.completed_at),
        "cancelled_at": _moment(order.cancelled_at), "carrier": order.carrier, "carrier_display": order.get_carrier_display(),
        "tracking_number": order.tracking_number, "refunded_fen": order.refunded_fen,
        "after_sales_deadline": _moment(order.after_sales_deadline),
        "refunds": RefundSerializer(refunds, many=True).data if refunds else [],
    }


class OrderCreateSerializer(serializers.Serializer):
    lines = SkuLineSerializer(many=True, required=False, allow_empty=False, max_length=50)
    from_cart = serializers.BooleanField(required=False, default=False)
    address_id = StrictIntegerField(required=False, min_value=1, max_value=2**63 - 1)
    address = AddressSerializer(required=False)
    coupon_id = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="我的优惠券 id（GET /api/v1/coupons?status=unused）；不存在、已使用、已过期或不适用：409 coupon_unavailable",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", validators=[no_control_characters_multiline]
    )
    use_balance = serializers.BooleanField(required=False, default=False, help_text="用商城余额抵扣（余额不足的部分用微信支付）")

    def validate(self, data):
        errors = {}
        if bool(data.get("lines")) == bool(data.get("from_cart")):
            errors["lines"] = ["请提供 lines，或设置 from_cart 为 true（二选一）"]
        if ("address_id" in data) == ("address" in data):
            errors["address_id"] = ["请提供 address_id，或填写 address（二选一）"]
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def destination(self) -> dict:
        """order_create's destination: the address typed in, or the member's address book
        entry by id (read by the service under the member's lock, 400 unless it is theirs)."""
        data = self.validated_data
        if "address" in data:
            return {"destination": Destination.of(data["address"])}
        return {"address_id": data["address_id"]}


class OrderListApi(generics.ListAPIView):
    throttle_scope = "order_create"
    serializer_class = OrderSerializer

    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilter
    queryset = Order.objects.none()  # what the schema reads; get_queryset gives the member's own

    def get_queryset(self):
        return selectors.member_orders(member=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([order_json(order) for order in page])

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer})
    def post(self, request):
        body = OrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        order = order_create(
            member=request.user,
            **body.destination(),
            lines=[LineRequest(**line) for line in data.get("lines", [])],
            from_cart=data["from_cart"],
            note=data["note"],
            use_balance=data["use_balance"],
            coupon_id=data.get("coupon_id"),
        )  # with its lines and refunds in place: nothing to read back
        return Response(order_json(order), status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderSerializer)
    def get(self, request, number: str):
        return Response(order_json(selectors.member_order(member=request.user, number=number)))


class OrderCancelApi(APIView):
    @extend_schema(request=None, responses=OrderSerializer)
    def post(self, request, number: str):
        order = selectors.member_order(member=request.user, number=number)
        order_cancel(order=order, actor=request.user, reason="买家取消订单")
        return Response(order_json(selectors.member_order(member=request.user, number=number)))


class PayResponseSerializer(serializers.Serializer):
    out_trade_no = serializers.CharField()
    jsapi = serializers.DictField()
    cashier_url = serializers.CharField(required=False, help_text="仅模拟器模式：代替微信支付弹窗的收银台页面")


class OrderPayApi(APIView):
    throttle_scope = "order_pay"

    @extend_schema(
        request=None,
        responses={
            200: PayResponseSerializer,
            503: error_response("payment_unavailable：微信支付暂时不可用，请稍后再试"),
        },
    )
    def post(self, request, number: str):
        order = selectors.member_order(member=request.user, number=number)
        started = payment_start(order=order, client_ip=client_ip(request))
        body = {"out_trade_no": started.out_trade_no, "jsapi": started.jsapi}
        cashier = wechat_pay.emulator_cashier_url(started.prepay_id, return_to=f"/orders/{order.number}/")
        if cashier:
            body["cashier_url"] = cashier
        return Response(body)


class OrderConfirmReceiptApi(APIView):
    @extend_schema(request=None, responses=OrderSerializer)
    def post(self, request, number: str):
        order = selectors.member_order(member=request.user, number=number)
        order_confirm_receipt(order=order, member=request.user)
        return Response(order_json(selectors.member_order(member=request.user, number=number)))


class Base64ImageField(serializers.CharField):
    """A picture as base64 text (a data: URL's prefix is allowed), so the request stays
    one JSON body; whether it is a picture we take is the service's call."""

    def to_internal_value(self, data) -> bytes:
        _, _, payload = super().to_internal_value(data).rpartition(",")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("图片数据无法识别") from None


class RefundRequestSerializer(serializers.Serializer):
    refund_type = serializers.ChoiceField(
        choices=RefundType.choices,
        required=False,
        default=RefundType.REFUND_ONLY,
        error_messages={"invalid_choice": "售后类型只能是仅退款或退货退款"},
        help_text="退货退款仅限已发货的订单",
    )
    reason = serializers.CharField(max_length=200, validators=[no_control_characters_multiline])
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, validators=[no_control_characters_multiline]
    )
    amount_fen = StrictIntegerField(
        required=False, min_value=1, max_value=10**12, error_messages={"min_value": "退款金额至少 0.01 元"}
    )
    items = RefundItemSerializer(
        many=True,
        required=False,
        default=list,
        max_length=50,
        error_messages={"max_length": "一次最多选择 50 种商品"},
        help_text="申请售后的商品及数量；不传则按金额申请",
    )
    # At most ~2.7 MB of base64 each, and the whole body stays under the 5 MB request cap:
    # the page shrinks phone photos before sending.
    photos = serializers.ListField(
        child=Base64ImageField(max_length=3 * 1024 * 1024),
        required=False,
        default=list,
        max_length=MAX_REFUND_PHOTOS,
        error_messages={"max_length": f"最多上传 {MAX_REFUND_PHOTOS} 张图片"},
        help_text=f"凭证图片，最多 {MAX_REFUND_PHOTOS} 张，JPEG 或 PNG，base64（可带 data: 前缀），每张不超过 2 MB",
    )


class OrderRefundApi(APIView):
    throttle_scope = "refund_request"

    @extend_schema(request=RefundRequestSerializer, responses={201: RefundSerializer})
    def post(self, request, number: str):
        order = selectors.member_order(member=request.user, number=number)
        body = RefundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        refund = refund_request(
            order=order,
            member=request.user,
            reason=data["reason"],
            amount_fen=data.get("amount_fen"),
            refund_type=data["refund_type"],
            note=data["note"],
            photos=data["photos"],
            items=[RefundItem(**item) for item in data["items"]],
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
