import django.contrib.auth.models
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0006_pushes"), ("members", "0002_points_ledger")]

    operations = [
        migrations.AlterField(
            model_name="inboxmessage",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.AddField(
            model_name="inboxmessage",
            name="answered_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="答复时间"),
        ),
        migrations.AddIndex(
            model_name="inboxmessage",
            index=models.Index(condition=models.Q(("answered_at__isnull", True), ("direction", "in")), fields=["member"], name="inbox_unanswered"),
        ),
        migrations.AddConstraint(
            model_name="inboxmessage",
            constraint=models.CheckConstraint(
                condition=models.Q(("direction", "out"), ("operator__isnull", True), _connector="OR"),
                name="inbox_inbound_has_no_operator",
                violation_error_message="会员发来的消息没有客服",
            ),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(fields=["member", "-created_at"], name="follow_up_member_latest"),
        ),
        migrations.CreateModel(
            name="Conversation",
            fields=[],
            options={
                "verbose_name": "客服会话",
                "verbose_name_plural": "客服收件箱",
                "proxy": True,
                "default_permissions": ("view", "change"),
                "indexes": [],
                "constraints": [],
            },
            bases=("members.member",),
            managers=[("objects", django.contrib.auth.models.UserManager())],
        ),
    ]
