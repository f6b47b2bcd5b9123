from mall.admin import catalog, orders, refunds, shop  # noqa: F401  (registers the ModelAdmins)
