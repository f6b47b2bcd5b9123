from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "会员"

    def ready(self):
        from members import receivers  # noqa: F401 — registers the subscribers
        from members.services.operator_groups import sync_operator_groups

        # After every app's migrations: the groups hold exactly what the code grants.
        post_migrate.connect(sync_operator_groups, dispatch_uid="members.sync_operator_groups")
