from django.urls import register_converter


class OrderNumberConverter:
    """Order numbers are digits; anything else is not an order and never reaches SQL."""

    regex = "[0-9]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OrderNumberConverter, "order_number")
