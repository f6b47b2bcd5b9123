"""The numbers orders, refunds and withdrawals carry: time first (operators sort and read
them), then random digits, so another person cannot guess a neighbour's number. 24
characters fit WeChat Pay's out_trade_no, out_refund_no and partner_trade_no (32)."""

import secrets

from django.utils import timezone

LENGTH = 24


def _number(prefix: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    digits = LENGTH - len(prefix) - len(stamp)
    return f"{prefix}{stamp}{secrets.randbelow(10**digits):0{digits}d}"


def new_order_number() -> str:
    return _number("")


def new_refund_number() -> str:
    return _number("R")


def new_withdrawal_number() -> str:
    return _number("W")
