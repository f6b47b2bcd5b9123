from mall.admin import catalog, orders, shop  # noqa: F401  (registers the ModelAdmins)
