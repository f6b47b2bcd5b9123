"""The CRM's back office, one module per subject."""

from crm.admin import channels, links, members  # noqa: F401 — registers the admins
from crm.admin.workbench import workbench

__all__ = ["workbench"]
