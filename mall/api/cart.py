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
    """A cart line as cart_item_json writes it, for the schema (a test holds the two to the same fields)."""

    id = serializers.IntegerField()
    sku_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    title = serializers.CharField()
    spec = serializers.DictField(child=serializers.CharField())
    price_fen = serializers.IntegerField()
    quantity = serializers.IntegerField()
    available = serializers.BooleanField()
    stock = serializers.IntegerField()
    max_quantity = serializers.IntegerField()
    image_url = serializers.CharField(allow_blank=True, help_text="无图片时为空")


def cart_item_json(item) -> dict:
    """A cart line's JSON, written out rather than through a serializer: adding to the cart
    is a hot path, and DRF's field machinery cost it more than its SQL."""
    sku = item.sku
    if not sku.image and hasattr(sku, "first_thumbnail"):  # read with the SKU (services.cart.sellable_sku)
        image = sku.first_thumbnail
    else:
        image = selectors.cart_item_image(item)
    return {
        "id": item.id, "sku_id": item.sku_id, "product_id": sku.product_id, "title": sku.product.title,
        "spec": {name: str(value) for name, value in sku.spec.items()}, "price_fen": sku.price_fen, "quantity": item.quantity,
        "available": selectors.cart_item_available(item), "stock": sku.stock, "max_quantity": line_quantity_limit(sku.product),
        "image_url": absolute_media_url(image),
    }


class CartSerializer(serializers.Serializer):
    items = CartItemSerializer(many=True)
    total_fen = serializers.IntegerField()


class CartApi(APIView):
    @extend_schema(responses=CartSerializer)
    def get(self, request):
        items = selectors.cart_items(member=request.user)
        total_fen = sum(item.sku.price_fen * item.quantity for item in items if selectors.cart_item_available(item))
        return Response({"items": [cart_item_json(item) for item in items], "total_fen": total_fen})


class CartItemCreateApi(APIView):
    @extend_schema(request=SkuLineSerializer, responses={201: CartItemSerializer})
    def post(self, request):
        line = SkuLineSerializer(data=request.data)
        line.is_valid(raise_exception=True)
        item = cart_item_add(member=request.user, **line.validated_data)
        return Response(cart_item_json(item), status=status.HTTP_201_CREATED)


class CartItemApi(APIView):
    conflict_free_methods = ("DELETE",)
    patch_requires_all_fields = True

    @extend_schema(request=QuantitySerializer, responses=CartItemSerializer)
    def patch(self, request, item_id: int):
        body = QuantitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = cart_item_set_quantity(member=request.user, item_id=item_id, **body.validated_data)
        return Response(cart_item_json(item))

    @extend_schema(responses={204: None})
    def delete(self, request, item_id: int):
        cart_item_remove(member=request.user, item_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
