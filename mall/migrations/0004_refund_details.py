import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mall", "0003_order_merchant_note")]

    operations = [
        migrations.AddField(
            model_name="refund",
            name="refund_type",
            field=models.CharField(choices=[("refund_only", "仅退款"), ("return_and_refund", "退货退款")], default="refund_only", max_length=20, verbose_name="售后类型"),
        ),
        migrations.AddField(
            model_name="refund",
            name="note",
            field=models.CharField(blank=True, max_length=200, verbose_name="补充说明"),
        ),
        migrations.AddField(
            model_name="refund",
            name="return_tracking_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="退货快递单号"),
        ),
        migrations.AlterField(
            model_name="refund",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "待审核"), ("returning", "已同意，待买家退货"), ("approved", "已同意，待提交微信"),
                    ("processing", "微信退款中"), ("refunded", "已退款"), ("rejected", "已拒绝"), ("failed", "退款失败"),
                ],
                default="requested", max_length=12, verbose_name="状态",
            ),
        ),
        migrations.RemoveConstraint(model_name="refund", name="refund_one_open_per_order"),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["requested", "returning", "approved", "processing"])), fields=("order",),
                name="refund_one_open_per_order", violation_error_message="该订单已有处理中的售后申请",
            ),
        ),
        migrations.CreateModel(
            name="RefundLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("quantity", models.PositiveIntegerField(verbose_name="数量")),
                ("order_line", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="refund_lines", to="mall.orderline", verbose_name="订单商品")),
                ("refund", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="lines", to="mall.refund")),
            ],
            options={
                "verbose_name": "售后商品",
                "verbose_name_plural": "售后商品",
                "ordering": ["id"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("quantity__gte", 1)), name="refund_line_quantity_positive", violation_error_message="售后商品数量至少为 1"),
                    models.UniqueConstraint(fields=("refund", "order_line"), name="refund_line_once", violation_error_message="同一商品在一个申请中只能出现一次"),
                ],
            },
        ),
        migrations.CreateModel(
            name="RefundPhoto",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("image", models.ImageField(upload_to="refunds/%Y/%m/", verbose_name="凭证图片")),
                ("refund", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="photos", to="mall.refund")),
            ],
            options={"verbose_name": "售后凭证", "verbose_name_plural": "售后凭证", "ordering": ["id"]},
        ),
    ]
