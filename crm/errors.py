"""Domain errors of the CRM: each a stable `code`, a message for a person and an HTTP status."""

from config.errors import DomainError, InvalidInput


class SegmentRuleError(InvalidInput):
    """A segment's rules cannot be compiled: an unknown field or operator, a value of the
    wrong type, an empty group, too deep or too many rules. The message names the rule."""

    code = "invalid_segment_rules"
    message = "分群规则有误"



class LinkTargetInvalid(InvalidInput):
    code = "invalid_target"
    message = "跳转地址须是本店内的路径，以 / 开头，如 /products/12/"


class ReplyWindowClosed(DomainError):
    """WeChat lets the account answer a member only within 48 hours of their last message."""

    code = "reply_window_closed"
    message = "会员最近 48 小时内没有发来消息，微信不允许客服回复；请等会员再次发消息，或改用电话等方式跟进"


class PushNotTested(DomainError):
    code = "push_not_tested"
    message = "请先「发送测试」到运营人员的微信，确认无误后再发送；推送修改后须重新测试"


class PushSegmentEmpty(InvalidInput):
    code = "push_segment_empty"
    message = "目标分群没有会员，无法推送"


class PushNoFollowers(InvalidInput):
    code = "push_no_followers"
    message = "目标分群里没有关注公众号的会员，无法推送"


class PushAllCapped(DomainError):
    code = "push_all_capped"
    message = "全部会员已达推送上限（每周上限或微信每月 4 条），请换个时间或分群"


class PushSendTimePast(InvalidInput):
    code = "push_send_at_past"
    message = "发送时间已过，请选一个将来的时间"


class PushNoTestRecipient(DomainError):
    code = "push_no_test_recipient"
    message = "没有可以接收测试的微信：请运营人员先用自己的微信登录一次商城，再在「CRM 设置 → 测试接收人」中选中自己的会员账号"


class PushWeChatFailed(DomainError):
    status = 503
    code = "push_wechat_failed"
    message = "微信暂时无法发送，请稍后再试"


class CouponDropSegmentEmpty(InvalidInput):
    code = "coupon_drop_segment_empty"
    message = "目标分群没有会员，无法发券"


class CouponDropTemplateUnusable(InvalidInput):
    code = "coupon_drop_template_unusable"
    message = "这张优惠券已停用或已过有效期，不能发放"


class CouponDropStockShort(DomainError):
    """Nothing half-sent: a drop starts only when the stock covers the whole segment."""

    code = "coupon_drop_stock_short"
    message = "优惠券剩余库存不够分群里每人一张"


class CouponDropActive(DomainError):
    code = "coupon_drop_active"
    message = "这个分群正在发放这张优惠券，请等它完成或先取消"
