from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = "分销"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from distribution import receivers

        user_logged_in.connect(receivers.on_login, dispatch_uid="distribution.referral_at_login")
        post_migrate.connect(install_schedules, sender=self)


def install_schedules(sender, **kwargs):
    from config.periodic import ensure_interval_task

    ensure_interval_task(
        name="佣金解冻",
        task="distribution.tasks.release_due_commissions",
        every_seconds=600,
        description="订单完成且售后期结束后，冻结佣金转为可提现（同 manage.py release_due_commissions）。",
    )
    ensure_interval_task(
        name="重试未确认的提现打款",
        task="distribution.tasks.pay_stuck_withdrawals",
        every_seconds=600,
        description="微信打款结果未知的提现，用同一单号重试（微信对同一单号最多付款一次）。",
    )
    ensure_interval_task(
        name="佣金对账",
        task="distribution.tasks.reconcile_commissions",
        every_seconds=86400,
        description="核对每位分销员的余额与流水、佣金、提现是否一致，差异记入错误日志（同 manage.py reconcile_commissions）。",
    )
