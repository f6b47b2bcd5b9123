"""What the CRM keeps from other apps' events, one module per subject."""

from crm.receivers import channels, inbox, purchase_stats, pushes  # noqa: F401 — registers the subscribers
