from distribution.admin import dashboard, money, people, rules  # noqa: F401  (registers the ModelAdmins)
