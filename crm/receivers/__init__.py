"""What the CRM keeps from other apps' events, one module per subject."""

from crm.receivers import channels, purchase_stats  # noqa: F401 — registers the subscribers
