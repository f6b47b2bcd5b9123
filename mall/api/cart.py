from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.media import absolute_media_url
from mall import selectors
from mall.api.catalog import QuantitySerializer, SkuLineSerializer
from mall.services.cart import (
    cart_item_add,
    cart_item_remove,
    cart_item_set_quantity,
    line_quantity_limit,
)


class CartItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku_id = serializers.IntegerField()
    product_id = serializers.IntegerField(source="sku.product_id")
    title = serializers.CharField(source="sku.product.title")
    spec = serializers.DictField(source="sku.spec", child=serializers.CharField())
    price_fen = serializers.IntegerField(source="sku.price_fen")
    quantity = serializers.IntegerField()
    available = serializers.SerializerMethodField()
    stock = serializers.IntegerField(source="sku.stock")
    max_quantity = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()

    def get_available(self, item) -> bool:
        return selectors.cart_item_available(item)

    def get_max_quantity(self, item) -> int:
        return line_quantity_limit(item.sku.product)

    def get_image_url(self, item) -> str:
        sku = item.sku
        if not sku.image and hasattr(sku, "first_thumbnail"):  # read with the SKU (services.cart.sellable_sku)
            return absolute_media_url(sku.first_thumbnail)
        return absolute_media_url(selectors.cart_item_image(item))


class CartSerializer(serializers.Serializer):
    items = CartItemSerializer(many=True)
    total_fen = serializers.IntegerField()


class CartApi(APIView):
    @extend_schema(responses=CartSerializer)
    def get(self, request):
        items = selectors.cart_items(member=request.user)
        total_fen = sum(item.sku.price_fen * item.quantity for item in items if selectors.cart_item_available(item))
        return Response(CartSerializer({"items": items, "total_fen": total_fen}).data)


class CartItemCreateApi(APIView):
    @extend_schema(request=SkuLineSerializer, responses={201: CartItemSerializer})
    def post(self, request):
        line = SkuLineSerializer(data=request.data)
        line.is_valid(raise_exception=True)
        item = cart_item_add(member=request.user, **line.validated_data)
        return Response(CartItemSerializer(item).data, status=status.HTTP_201_CREATED)


class CartItemApi(APIView):
    conflict_free_methods = ("DELETE",)
    patch_requires_all_fields = True

    @extend_schema(request=QuantitySerializer, responses=CartItemSerializer)
    def patch(self, request, item_id: int):
        body = QuantitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = cart_item_set_quantity(member=request.user, item_id=item_id, **body.validated_data)
        return Response(CartItemSerializer(item).data)

    @extend_schema(responses={204: None})
    def delete(self, request, item_id: int):
        cart_item_remove(member=request.user, item_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
