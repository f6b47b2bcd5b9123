import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATUSES = [("queued", "排队中"), ("running", "发放中"), ("done", "已完成"), ("stopped", "已中止"), ("cancelled", "已取消")]


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0008_dashboard"),
        ("mall", "0002_coupons"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CouponDrop",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(choices=STATUSES, db_index=True, default="queued", max_length=10, verbose_name="状态")),
                ("targeted", models.PositiveIntegerField(help_text="创建时分群的人数", verbose_name="分群人数")),
                ("granted", models.PositiveIntegerField(default=0, verbose_name="已发放")),
                ("already_had", models.PositiveIntegerField(default=0, help_text="这次发券之前已发给该会员（重跑时跳过）", verbose_name="已领过")),
                ("cursor", models.PositiveBigIntegerField(default=0, help_text="按会员 ID 从小到大发放，这个 ID 及之前的会员已处理",
                                                          verbose_name="已发到会员 ID")),
                ("last_error", models.CharField(blank=True, max_length=300, verbose_name="中止原因")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="结束时间")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                                 to=settings.AUTH_USER_MODEL, verbose_name="创建人")),
                ("segment", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="coupon_drops", to="crm.segment",
                                              verbose_name="目标分群")),
                ("template", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="mall.coupontemplate",
                                               verbose_name="优惠券")),
            ],
            options={
                "verbose_name": "分群发券",
                "verbose_name_plural": "分群发券",
                "ordering": ["-id"],
                "permissions": [("cancel_coupondrop", "可以取消分群发券")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(status__in=["queued", "running", "done", "stopped", "cancelled"]),
                                           name="coupon_drop_status_known", violation_error_message="未知的发券状态"),
                    models.CheckConstraint(condition=models.Q(targeted__gte=1), name="coupon_drop_targets_someone",
                                           violation_error_message="目标分群没有会员，不能发券"),
                    models.CheckConstraint(
                        condition=models.Q(status__in=["queued", "running"], finished_at__isnull=True)
                        | models.Q(status__in=["done", "stopped", "cancelled"], finished_at__isnull=False),
                        name="coupon_drop_finished_when_over", violation_error_message="发券结束时须记录结束时间，未结束时不能有结束时间",
                    ),
                    models.UniqueConstraint(condition=models.Q(status__in=["queued", "running"]), fields=("segment", "template"),
                                            name="coupon_drop_one_active", violation_error_message="这个分群正在发放这张优惠券，请等它完成或先取消"),
                ],
            },
        ),
    ]
