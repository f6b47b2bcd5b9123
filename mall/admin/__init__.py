from mall.admin import catalog, coupons, orders, refunds, shop  # noqa: F401  (registers the ModelAdmins)
