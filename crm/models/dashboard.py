from crm.models.stats import PurchaseStats


class CrmDashboard(PurchaseStats):
    """Not data of its own: lets the CRM dashboard sit in the admin's sidebar, opened by
    whoever may view it."""

    class Meta:
        proxy = True
        verbose_name = "CRM 看板"
        verbose_name_plural = "CRM 看板"
