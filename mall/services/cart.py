from django.db import transaction

from config.errors import InvalidInput, NotFound
from mall.errors import OutOfStock, SkuUnavailable
from mall.models import SKU, CartItem
from mall.services.locks import lock_member

MAX_LINE_QUANTITY = 999


def line_quantity_limit(product) -> int:
    return min(product.purchase_limit or MAX_LINE_QUANTITY, MAX_LINE_QUANTITY)


def sellable_sku(sku_id: int) -> SKU:
    sku = SKU.objects.select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise InvalidInput("商品规格不存在", fields={"sku_id": ["商品规格不存在"]})
    if not (sku.is_active and sku.product.is_on_sale):
        raise SkuUnavailable(fields={"sku_id": ["商品已下架或规格不可售"]})
    return sku


def line_quantity_check(sku: SKU, quantity: int) -> None:
    """The shop's own answer to a quantity: the purchase limit, then the stock (what the
    shopper can act on), then the line cap that only a typo reaches."""
    limit = sku.product.purchase_limit
    if limit and quantity > limit:
        raise InvalidInput(f"每人限购 {limit} 件", fields={"quantity": [f"每人限购 {limit} 件"]})
    if quantity > sku.stock:
        raise OutOfStock(f"库存仅剩 {sku.stock} 件" if sku.stock else "该规格已售罄")
    line_cap_check(quantity)


def line_cap_check(quantity: int) -> None:
    if quantity > MAX_LINE_QUANTITY:
        raise InvalidInput(f"单次最多购买 {MAX_LINE_QUANTITY} 件", fields={"quantity": [f"单次最多购买 {MAX_LINE_QUANTITY} 件"]})


@transaction.atomic
def cart_item_add(*, member, sku_id: int, quantity: int) -> CartItem:
    """Put an SKU in the cart; if it is there already, add to its quantity."""
    sku = sellable_sku(sku_id)
    lock_member(member)
    item = CartItem.objects.filter(member=member, sku=sku).first()
    total = quantity + (item.quantity if item else 0)
    line_quantity_check(sku, total)
    if item is None:
        return CartItem.objects.create(member=member, sku=sku, quantity=total)
    item.quantity = total
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def cart_item_set_quantity(*, member, item_id: int, quantity: int) -> CartItem:
    lock_member(member)
    item = CartItem.objects.select_related("sku__product").filter(member=member, pk=item_id).first()
    if item is None:
        raise NotFound("购物车里没有这件商品")
    line_quantity_check(item.sku, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, member, item_id: int) -> None:
    deleted, _ = CartItem.objects.filter(member=member, pk=item_id).delete()
    if not deleted:
        raise NotFound("购物车里没有这件商品")
