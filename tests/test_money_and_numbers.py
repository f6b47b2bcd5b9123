"""One way to show money and rates, integer arithmetic only; one number generator."""

import re

import pytest

from config.money import format_percent, format_yuan
from config.numbers import new_order_number, new_refund_number, new_withdrawal_number


@pytest.mark.parametrize("fen, shown", [(9950, "99.50"), (1, "0.01"), (0, "0.00"), (100, "1.00"), (-50, "-0.50"),
                                        (123456789, "1234567.89"), (10**17 + 1, "1000000000000000.01")])
def test_yuan_is_exact_to_the_fen(fen, shown):
    assert format_yuan(fen) == shown


@pytest.mark.parametrize("basis_points, shown", [(1000, "10"), (1250, "12.5"), (5, "0.05"), (9999, "99.99"), (0, "0")])
def test_rates_in_basis_points_read_as_percent(basis_points, shown):
    assert format_percent(basis_points) == shown


@pytest.mark.parametrize("make, prefix", [(new_order_number, ""), (new_refund_number, "R"), (new_withdrawal_number, "W")])
def test_numbers_start_with_the_time_fit_wechat_and_do_not_repeat(make, prefix):
    numbers = {make() for _ in range(1000)}
    assert len(numbers) == 1000
    for number in list(numbers)[:20]:
        assert re.fullmatch(rf"{prefix}20\d{{12}}\d+", number) and len(number) == 24
