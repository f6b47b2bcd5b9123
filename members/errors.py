"""Domain errors of members: each a stable `code`, a message for a person and an HTTP status."""

from config.errors import DomainError


class InsufficientBalance(DomainError):
    code = "insufficient_balance"
    message = "余额不足"


class AlreadyMoved(Exception):
    """This source has moved the balance already (the unique key held)."""


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    message = "积分不足"
