"""The campaigns back office: one module per play, imported here so Django registers them."""

from campaigns.admin import calendar  # noqa: E402,F401
