from config.errors import DomainError, InvalidInput


class OutOfStock(DomainError):
    code = "out_of_stock"
    message = "库存不足"


class PurchaseLimitExceeded(DomainError):
    code = "purchase_limit"
    message = "超出限购数量"


class TooManyUnpaidOrders(DomainError):
    code = "too_many_unpaid_orders"
    message = "待付款订单太多，请先支付或取消后再下单"


class SkuUnavailable(InvalidInput):
    message = "商品已下架或规格不可售"


class CartEmpty(InvalidInput):
    code = "cart_empty"
    message = "购物车是空的"


class AddressLimitReached(DomainError):
    code = "address_limit"
    message = "收货地址最多保存 20 个"
