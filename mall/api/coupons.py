"""Coupons: the coupon centre (claim), my coupons, and which of them fit an order."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mall import selectors
from mall.api.catalog import SkuLineSerializer
from mall.api.filters import CouponFilter
from mall.errors import CartEmpty
from mall.models import CartItem, Coupon, CouponTemplate
from mall.services.coupons import coupon_claim


class CouponTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="amount 满减券 | percent 折扣券")
    amount_fen = serializers.IntegerField(help_text="满减券减多少（分）；折扣券为 0")
    percent_off = serializers.IntegerField(help_text="折扣券减去的百分比（20 即 8 折）；满减券为 0")
    cap_fen = serializers.IntegerField(allow_null=True, help_text="折扣券最多减多少（分）；null 不封顶")
    threshold_fen = serializers.IntegerField(help_text="适用商品满多少可用（分）；0 为无门槛")
    per_member_limit = serializers.IntegerField()
    left = serializers.SerializerMethodField(help_text="还剩多少张；null 为不限量")
    per_member_daily_limit = serializers.IntegerField(allow_null=True)
    scope = serializers.CharField(help_text="all | categories | products")
    scope_display = serializers.CharField(source="get_scope_display")
    rule = serializers.SerializerMethodField(help_text="给人看的规则，如「满 100 减 20」")
    valid_days = serializers.SerializerMethodField(help_text="领取后有效天数；固定日期的券为 null")
    valid_from = serializers.SerializerMethodField(help_text="固定日期的券的生效时间；否则 null")
    valid_until = serializers.SerializerMethodField(help_text="固定日期的券的失效时间；否则 null")
    claim_ends_at = serializers.DateTimeField(allow_null=True)
    claimed_by_me = serializers.IntegerField(help_text="我已领的张数")
    can_claim = serializers.SerializerMethodField(help_text="我现在还能领")

    def get_left(self, template) -> int | None:
        return selectors.coupon_template_left(template)

    def get_rule(self, template) -> str:
        return selectors.coupon_rule(template)

    def get_valid_days(self, template) -> int | None:
        return template.valid_days if template.validity == "days" else None

    def _fixed(self, template, moment):
        if template.validity != "fixed" or moment is None:
            return None
        return serializers.DateTimeField().to_representation(moment)

    def get_valid_from(self, template) -> str | None:
        return self._fixed(template, template.valid_from)

    def get_valid_until(self, template) -> str | None:
        return self._fixed(template, template.valid_until)

    def get_can_claim(self, template) -> bool:
        return selectors.coupon_template_open_to_me(template)


class CouponSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(source="template.title")
    kind = serializers.CharField(source="template.kind")
    amount_fen = serializers.IntegerField(source="template.amount_fen")
    percent_off = serializers.IntegerField(source="template.percent_off")
    cap_fen = serializers.IntegerField(source="template.cap_fen", allow_null=True)
    threshold_fen = serializers.IntegerField(source="template.threshold_fen")
    scope = serializers.CharField(source="template.scope")
    rule = serializers.SerializerMethodField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    status = serializers.SerializerMethodField(help_text="unused | used | expired（未使用且已过有效期）")
    used_at = serializers.DateTimeField(allow_null=True)
    order_number = serializers.SerializerMethodField(help_text="使用它的订单号；未使用为 null")

    def get_rule(self, coupon) -> str:
        return selectors.coupon_rule(coupon.template)

    def get_status(self, coupon) -> str:
        return selectors.coupon_shown_status(coupon, self.context.get("now"))

    def get_order_number(self, coupon) -> str | None:
        return coupon.order.number if coupon.order_id else None


class CouponTemplateListApi(generics.ListAPIView):
    """Coupons anyone may claim now (the coupon centre); signed in, with my counts."""

    serializer_class = CouponTemplateSerializer
    permission_classes = [permissions.AllowAny]
    queryset = CouponTemplate.objects.none()  # what the schema reads; get_queryset gives the claimable ones

    def get_queryset(self):
        return selectors.coupon_templates_claimable(member=self.request.user)


class CouponClaimApi(APIView):
    throttle_scope = "claim"

    @extend_schema(request=None, responses={201: CouponSerializer})
    def post(self, request, template_id: int):
        template = get_object_or_404(CouponTemplate, pk=template_id)
        coupon = coupon_claim(template=template, member=request.user)
        coupon = Coupon.objects.select_related("template", "order").get(pk=coupon.pk)
        return Response(CouponSerializer(coupon).data, status=status.HTTP_201_CREATED)


class CouponListApi(generics.ListAPIView):
    """My coupons; ?status=unused|used|expired."""

    serializer_class = CouponSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CouponFilter
    queryset = Coupon.objects.none()  # what the schema reads; get_queryset gives the member's own

    def get_queryset(self):
        return selectors.member_coupons(member=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class ApplicableRequestSerializer(serializers.Serializer):
    lines = SkuLineSerializer(many=True, required=False, allow_empty=False, max_length=50)
    from_cart = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if bool(data.get("lines")) == bool(data.get("from_cart")):
            raise serializers.ValidationError({"lines": ["请提供 lines，或设置 from_cart 为 true（二选一）"]})
        return data


class CouponOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="coupon.id")
    title = serializers.CharField(source="coupon.template.title")
    kind = serializers.CharField(source="coupon.template.kind")
    amount_fen = serializers.IntegerField(source="coupon.template.amount_fen")
    percent_off = serializers.IntegerField(source="coupon.template.percent_off")
    cap_fen = serializers.IntegerField(source="coupon.template.cap_fen", allow_null=True)
    threshold_fen = serializers.IntegerField(source="coupon.template.threshold_fen")
    rule = serializers.SerializerMethodField()
    valid_until = serializers.DateTimeField(source="coupon.valid_until")
    discount_fen = serializers.IntegerField(help_text="用在这些商品上能减多少（分）")

    def get_rule(self, offer) -> str:
        return selectors.coupon_rule(offer.coupon.template)


class CouponApplicableApi(APIView):
    """Which of my coupons these lines (or my cart) could use, best first, each with the
    discount it would give: what the checkout offers, computed as the order will be."""

    conflict_free_methods = ("POST",)

    @extend_schema(request=ApplicableRequestSerializer, responses={200: CouponOfferSerializer(many=True)})
    def post(self, request):
        body = ApplicableRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["from_cart"]:
            wanted = dict(CartItem.objects.filter(member=request.user).values_list("sku_id", "quantity"))
            if not wanted:
                raise CartEmpty()
        else:
            wanted = {}
            for line in data["lines"]:
                wanted[line["sku_id"]] = wanted.get(line["sku_id"], 0) + line["quantity"]
        offers = selectors.coupons_applicable(member=request.user, lines=selectors.priced_lines(wanted=wanted))
        return Response(CouponOfferSerializer(offers, many=True).data)
