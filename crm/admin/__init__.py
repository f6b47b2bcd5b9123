"""The CRM's back office, one module per subject."""

from crm.admin import (  # noqa: F401 — registers the admins
    channels,
    coupon_drops,
    dashboard,
    inbox,
    links,
    members,
    pushes,
    segments,
    tags,
)
from crm.admin.workbench import workbench

__all__ = ["workbench"]
