"""Domain errors of this app: each a stable `code`, a message for a person and an HTTP status."""

from config.errors import DomainError


class BindingRefused(DomainError):
    code = "binding_refused"
    message = "无法绑定该推荐人"


class NotDistributor(DomainError):
    status = 403
    code = "not_distributor"
    message = "您还不是分销员"


class DistributionOff(DomainError):
    code = "distribution_disabled"
    message = "分销功能未开启"


class InsufficientBalance(DomainError):
    code = "insufficient_balance"
    message = "可提现余额不足"


class BelowMinimum(DomainError):
    code = "below_minimum"
    message = "低于最低提现金额"


class AboveMaximum(DomainError):
    code = "above_maximum"
    message = "超过单次最高提现金额"


class NotEnoughBalance(Exception):
    pass


class AlreadyBooked(Exception):
    """This source event is in the ledger already."""
