"""Orders from creation to cancellation. Every function here may run many times at
once: stock moves only through guarded UPDATEs taken in SKU id order, and a status
changes only from the status it was read in, under a row lock."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from config.errors import InvalidInput
from config.rows import ModelRows
from mall.errors import CartEmpty, OutOfStock, PurchaseLimitExceeded, SkuUnavailable, TooManyUnpaidOrders
from mall.models import (
    ORDER_CREATED,
    SKU,
    ActorKind,
    CartItem,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Product,
)
from mall.selectors import PricedLine
from mall.services.cart import line_cap_check, sku_built, sku_columns, skus_with_products
from mall.services.catalog import products_changed
from mall.services.coupons import coupon_for_order, coupon_take
from mall.services.locks import lock_member_for_order
from mall.services.transitions import (
    balance_give_back,
    coupon_give_back,
    order_transition,
    orders_transition_due,
    sales_count,
    stock_give_back,
)
from members.models import BalanceKind, Member
from members.services.balance import balance_move
from outbox.services import event_sql, publish, published, writes_in_with


@dataclass(frozen=True)
class LineRequest:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class Destination:
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str

    @classmethod
    def of(cls, address) -> "Destination":
        """From an address-book entry or any mapping with the same fields."""
        get = address.get if isinstance(address, dict) else lambda field, default="": getattr(address, field, default)
        return cls(**{field: get(field, "") for field in cls.__dataclass_fields__})


@transaction.atomic
def order_create(
    *,
    member,
    destination: Destination | None = None,
    address_id: int | None = None,
    lines: list[LineRequest] | None = None,
    from_cart: bool = False,
    note: str = "",
    use_balance: bool = False,
    coupon_id: int | None = None,
) -> Order:
    """Price the lines from the SKUs, take their stock and open an order awaiting payment.
    With `coupon_id`, the member's coupon comes off the lines it covers (spread over them
    to the fen) and is used by this order; one it cannot take is CouponUnavailable and
    nothing changes. With `use_balance`, as much of the rest as the member's store balance
    covers is taken from it now (WeChat Pay collects the remainder); an order the
    balance covers in full is paid at once.

    It ships to `destination`, or to the member's address `address_id` (InvalidInput when
    it is not theirs). The order comes back with its lines (and no refunds) in place, as a
    read would give them: answering with it reads nothing more."""
    footing = lock_member_for_order(member, address_id=address_id)  # the order's first lock, as everywhere
    shop = footing.shop
    if destination is None:
        if footing.address is None:
            raise InvalidInput(ADDRESS_UNKNOWN, fields={"address_id": [ADDRESS_UNKNOWN]})
        destination = Destination.of(footing.address)
    if from_cart:
        lines = [LineRequest(sku_id=item.sku_id, quantity=item.quantity) for item in CartItem.objects.filter(member=member)]
        if not lines:
            raise CartEmpty()
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted[line.sku_id] += line.quantity
    skus = _stock_taken(member, wanted, unpaid_cap=shop.max_unpaid_orders)
    ordered = sorted(skus.values(), key=lambda sku: sku.pk)
    coupon, discounts = None, [0] * len(ordered)
    if coupon_id is not None:
        # Decided under the member lock, so two orders of one member cannot both plan on
        # the same coupon; coupon_take's guarded UPDATE below is still the last word.
        priced = [PricedLine(sku.product_id, sku.product.category_id, sku.price_fen * wanted[sku.pk]) for sku in ordered]
        coupon, discounts = coupon_for_order(member=member, coupon_id=coupon_id, lines=priced)

    order_lines = [
        OrderLine(
            sku=sku,
            product=sku.product,
            title=sku.product.title,
            spec=sku.spec,
            image=_line_image(sku),
            price_fen=sku.price_fen,
            quantity=wanted[sku.pk],
            discount_fen=discount,
            pay_fen=sku.price_fen * wanted[sku.pk] - discount,
        )
        for sku, discount in zip(ordered, discounts)
    ]
    goods_fen = sum(line.price_fen * line.quantity for line in order_lines)
    discount_fen = sum(discounts)
    shipping_fen = shop.shipping_fee_for(goods_fen)
    due_fen = goods_fen + shipping_fen - discount_fen  # a coupon takes off at most the goods it covers: never negative
    # Read under the member lock; the guarded UPDATE in balance_move is the last word.
    balance_fen = min(Member.objects.values_list("balance_fen", flat=True).get(pk=member.pk), due_fen) if use_balance else 0
    now = timezone.now()
    order = Order(
        member=member,
        goods_fen=goods_fen,
        shipping_fen=shipping_fen,
        discount_fen=discount_fen,
        balance_fen=balance_fen,
        pay_fen=due_fen - balance_fen,
        receiver_name=destination.name,
        receiver_phone=destination.phone,
        province=destination.province,
        city=destination.city,
        district=destination.district,
        address_detail=destination.detail,
        note=note,
        created_at=now,
        expires_at=now + timedelta(minutes=shop.payment_window_minutes),
    )
    opened = OrderEvent(
        order=order, to_status=OrderStatus.PENDING_PAYMENT, actor=member, actor_kind=ActorKind.SHOPPER, reason="下单", created_at=now
    )
    _written(order, order_lines, opened)
    if coupon is not None:
        coupon_take(coupon=coupon, order=order, now=now)
    if balance_fen:
        balance_move(
            member_id=member.pk,
            amount_fen=-balance_fen,
            kind=BalanceKind.ORDER_PAYMENT,
            source_key=f"order:{order.pk}:balance",
            note=f"订单 {order.number}",
        )
    if from_cart:
        CartItem.objects.filter(member=member, sku_id__in=wanted).delete()
    if order.pay_fen == 0:
        return _settle_free_order(order)  # read back whole by the transition
    _prefetched(order, "lines", order_lines)
    _prefetched(order, "refunds", [])
    return order


ADDRESS_UNKNOWN = "收货地址不存在"
ORDER_ROWS, LINE_ROWS, EVENT_ROWS = ModelRows(Order), ModelRows(OrderLine), ModelRows(OrderEvent)
FROM_PLACED = {"order_id": "(SELECT id FROM placed)"}


def _written(order: Order, lines: list[OrderLine], opened: OrderEvent) -> None:
    """The new order, its lines, the event row that opens its history and ORDER_CREATED
    (outbox), written, with their ids set. PostgreSQL: one statement, the others taking the
    order's id from its INSERT's RETURNING (the foreign keys are checked at COMMIT);
    elsewhere the ORM's rows and publish()."""
    if not writes_in_with():
        order.save(force_insert=True)
        for row in (*lines, opened):
            row.order = order
        OrderLine.objects.bulk_create(lines)
        opened.save(force_insert=True)
        publish(ORDER_CREATED, order_id=order.pk)
        return
    announced, announced_params = event_sql(ORDER_CREATED, {}, once_per="placed", id_as="order_id", now=order.created_at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH placed AS ({ORDER_ROWS.insert(1)} RETURNING id),
                     lined AS ({LINE_ROWS.insert_many(given=FROM_PLACED)} RETURNING id, sku_id),
                     logged AS ({EVENT_ROWS.insert(1, given=FROM_PLACED)}),
                     {announced}
                SELECT placed.id, lined.id, lined.sku_id FROM placed, lined""",
            [
                *ORDER_ROWS.values(order),
                *LINE_ROWS.values_many(lines, given=FROM_PLACED),
                *EVENT_ROWS.values(opened, given=FROM_PLACED),
                *announced_params,
            ],
        )
        rows = cursor.fetchall()
    published(ORDER_CREATED)
    order.pk = rows[0][0]
    order._state.adding, order._state.db = False, connection.alias
    ids = {sku_id: line_id for _, line_id, sku_id in rows}
    for row in (*lines, opened):
        row.order = order
    for line in lines:
        line.pk = ids[line.sku_id]
        line._state.adding, line._state.db = False, connection.alias


def _prefetched(order: Order, name: str, objects: list) -> None:
    """What prefetch_related(name) would leave on `order`, from rows already in hand."""
    queryset = getattr(order, name).get_queryset()
    queryset._result_cache, queryset._prefetch_done = list(objects), True
    order.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def _sellable_skus(wanted: dict[int, int]) -> dict[int, SKU]:
    """The SKUs with their products and first thumbnails, in one SELECT that also locks
    the SKU rows in id order; InvalidInput or SkuUnavailable unless every one is for sale."""
    skus = skus_with_products(wanted, lock=True)
    unknown = [sku_id for sku_id in wanted if sku_id not in skus]
    if unknown:
        raise InvalidInput("商品规格不存在", fields={"sku_id": [f"商品规格 {sku_id} 不存在" for sku_id in unknown]})
    unavailable = [sku for sku in skus.values() if not (sku.is_active and sku.product.is_on_sale)]
    if unavailable:
        raise SkuUnavailable(
            f"「{unavailable[0]}」已下架或不可售", fields={"sku_id": [f"{sku} 已下架或不可售" for sku in unavailable]}
        )
    return skus


def _check_purchase_limits(member, skus: dict[int, SKU], wanted: dict[int, int]) -> None:
    asked: dict[int, int] = defaultdict(int)
    limited = {}
    for sku_id, quantity in wanted.items():
        product = skus[sku_id].product
        if product.purchase_limit:
            asked[product.pk] += quantity
            limited[product.pk] = product
    if not limited:
        return
    # Counted under the member lock taken by order_create, so two orders of the same
    # member cannot both slip under the limit.
    bought = dict(
        OrderLine.objects.filter(order__member=member, product_id__in=limited)
        .exclude(order__status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
        .order_by()
        .values_list("product_id")
        .annotate(total=Sum("quantity"))
    )
    for product_id, quantity in asked.items():
        product = limited[product_id]
        already = bought.get(product_id, 0)
        if already + quantity > product.purchase_limit:
            bought_note = f"，你已购买 {already} 件" if already else ""
            raise PurchaseLimitExceeded(f"「{product.title}」每人限购 {product.purchase_limit} 件{bought_note}")


def _stock_taken(member, wanted: dict[int, int], *, unpaid_cap: int) -> dict[int, SKU]:
    """Every line's stock taken, and the SKUs as skus_with_products reads them; or the
    refusal that says why not: the member's orders awaiting payment at the cap, then for a
    line an unknown SKU, one not for sale, a purchase limit, the line cap, the stock. The SKU
    rows are locked in id order (after the member's lock, as everywhere): two orders sharing
    SKUs queue rather than deadlock. PostgreSQL counts, locks, takes and reads in one
    statement and looks for a line's why only when one was left; a refusal rolls back
    whatever was taken.

    The unpaid orders are counted here, by a statement that began once the member's lock was
    held, and not in the lock's own statement: that one's snapshot is taken before it waits,
    and would miss the order of the same member that it waited for."""
    if not writes_in_with():
        _check_unpaid(Order.objects.filter(member=member, status=OrderStatus.PENDING_PAYMENT).count(), unpaid_cap)
        skus = _sellable_skus(wanted)
        _check_lines(member, skus, wanted)
        _take_stock(skus, wanted)
        return skus
    unpaid, taken = _take_stock_reading(member, wanted, unpaid_cap=unpaid_cap)
    _check_unpaid(unpaid, unpaid_cap)
    if len(taken) < len(wanted):  # the why, in the refusals' order
        skus = _sellable_skus(wanted)
        _check_lines(member, skus, wanted)
        raise OutOfStock(f"「{skus[min(set(wanted) - set(taken))]}」库存不足")
    _check_lines(member, taken, wanted)
    return taken


def _check_unpaid(unpaid: int, cap: int) -> None:
    if unpaid >= cap:
        raise TooManyUnpaidOrders(f"你有 {unpaid} 个待付款订单，请先支付或取消后再下单")


def _check_lines(member, skus: dict[int, SKU], wanted: dict[int, int]) -> None:
    _check_purchase_limits(member, skus, wanted)
    for quantity in wanted.values():
        line_cap_check(quantity)


def _take_stock_reading(member, wanted: dict[int, int], *, unpaid_cap: int) -> tuple[int, dict[int, SKU]]:
    """PostgreSQL: the member's orders awaiting payment counted and, when they are under
    `unpaid_cap`, the SKU rows locked in id order, then every line's guarded stock UPDATE for
    an SKU that is for sale, RETURNING what skus_with_products reads (the stock as left), in
    one statement. The count, and the SKUs whose stock was taken by id."""
    ids = sorted(wanted)
    sku, product, orders = SKU._meta.db_table, Product._meta.db_table, Order._meta.db_table
    lines = " UNION ALL ".join(["SELECT %s::bigint AS id, %s::integer AS quantity"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH wanted AS ({lines}),
                     unpaid AS (SELECT count(*) AS n FROM {orders} WHERE member_id = %s AND status = %s),
                     locked AS MATERIALIZED (SELECT id FROM {sku} WHERE id IN (SELECT id FROM wanted)
                                               AND (SELECT n FROM unpaid) < %s ORDER BY id FOR NO KEY UPDATE),
                     taken AS (UPDATE {sku} SET stock = {sku}.stock - wanted.quantity FROM locked, wanted, {product} p
                               WHERE {sku}.id = locked.id AND wanted.id = locked.id AND p.id = {sku}.product_id
                                 AND {sku}.is_active AND p.is_on_sale AND {sku}.stock >= wanted.quantity
                               RETURNING {sku_columns()})
                SELECT unpaid.n, taken.* FROM unpaid LEFT JOIN taken ON true""",  # noqa: S608 — names and placeholders only
            [
                *(value for sku_id in ids for value in (sku_id, wanted[sku_id])),
                member.pk,
                OrderStatus.PENDING_PAYMENT,
                unpaid_cap,
            ],
        )
        rows = cursor.fetchall()
    taken = {found.pk: found for found in (sku_built(row[1:]) for row in rows if row[1] is not None)}
    products_changed(found.product_id for found in taken.values())
    return rows[0][0], taken


def _take_stock(skus: dict[int, SKU], wanted: dict[int, int]) -> None:
    """Where writes cannot share a statement (SQLite): every line's stock in one guarded
    UPDATE. The rows are locked already (_sellable_skus), so the stock read there decides;
    the guard in the UPDATE stays the last word, and a failed one rolls back whatever was
    taken."""
    short = [sku_id for sku_id in sorted(wanted) if skus[sku_id].stock < wanted[sku_id]]
    if short:
        raise OutOfStock(f"「{skus[short[0]]}」库存不足")
    ids = sorted(wanted)
    sku = SKU._meta.db_table
    with connection.cursor() as cursor:  # hand-written: compiling it cost more CPU than running it
        cursor.execute(
            f"""UPDATE {sku} SET stock = {sku}.stock - wanted.quantity
                FROM ({" UNION ALL ".join(["SELECT %s AS id, %s AS quantity"] * len(ids))}) AS wanted
                WHERE {sku}.id = wanted.id AND {sku}.stock >= wanted.quantity""",  # noqa: S608 — names and placeholders only
            [value for sku_id in ids for value in (sku_id, wanted[sku_id])],
        )
        if cursor.rowcount != len(ids):
            raise OutOfStock(f"「{skus[ids[0]]}」库存不足")
    products_changed(sku.product_id for sku in skus.values())


def _line_image(sku: SKU) -> str:
    if sku.image:
        return sku.image.name
    return sku.first_thumbnail or ""  # read with the SKU (_stock_taken)


def _settle_free_order(order: Order) -> Order:
    """Nothing left for WeChat Pay (free goods and shipping, or all from the balance): the
    order is paid at once."""
    order = order_transition(
        order=order,
        to=OrderStatus.PAID,
        actor=None,
        actor_kind=ActorKind.SYSTEM,
        reason="余额全额支付" if order.balance_fen else ("优惠后 0 元，无需支付" if order.discount_fen else "0 元订单，无需支付"),
        paid_at=timezone.now(),
    )
    sales_count(order)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor=None, actor_kind: str = ActorKind.SHOPPER, reason: str = "取消订单") -> Order:
    order = order_transition(
        order=order,
        to=OrderStatus.CANCELLED,
        actor=actor,
        actor_kind=actor_kind,
        reason=reason,
        cancelled_at=timezone.now(),
    )
    stock_give_back([order.pk])
    balance_give_back([order.pk])
    coupon_give_back([order.pk])
    return order


def orders_cancel_expired(*, now=None, batch_size: int = 500) -> int:
    """Cancel unpaid orders whose payment window has closed and give their stock (and any
    balance and coupon they took) back. Whoever changes an order's status first (this job
    or the shopper) gives them back."""
    now = now or timezone.now()
    return orders_transition_due(
        due=Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lte=now),
        to=OrderStatus.CANCELLED,
        reason="超时未支付，自动取消",
        fields={"cancelled_at": now},
        batch_size=batch_size,
        after=lambda ids: (stock_give_back(ids), balance_give_back(ids), coupon_give_back(ids)),
    )
