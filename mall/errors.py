from config.errors import DomainError, InvalidInput, WeChatUnavailable


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


class AfterSalesClosed(DomainError):
    code = "after_sales_closed"
    message = "已超过售后期，无法申请退款"


class RefundRejected(Exception):
    """A refund notification we must not accept."""


class PaymentUnavailable(WeChatUnavailable):
    code = "payment_unavailable"
    message = "微信支付暂时不可用，请稍后再试"


class WeChatLoginRequired(DomainError):
    code = "wechat_login_required"
    message = "请通过微信登录后再支付"


class RejectedNotification(Exception):
    """A well-signed notification we must not accept (unknown order, wrong amount)."""


class SoldOut(DomainError):
    code = "sold_out"
    message = "优惠券已领完"


class ClaimLimitReached(DomainError):
    code = "claim_limit_reached"
    message = "已达到领取上限"


class CouponUnavailable(DomainError):
    code = "coupon_unavailable"
    message = "优惠券不可用"
