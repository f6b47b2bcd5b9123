"""The campaigns back office: one module per play, imported here so Django registers them."""

from campaigns.admin import (
    calendar,  # noqa: E402,F401
    checkin,  # noqa: E402,F401
    packets,  # noqa: E402,F401
    wheel,  # noqa: E402,F401
)
