import django.db.models.deletion
from django.db import migrations, models

import wechat.emulator.models


class Migration(migrations.Migration):
    dependencies = [("wx_emulator", "0002_red_packets")]

    operations = [
        migrations.CreateModel(
            name="MassNews",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("media_id", models.CharField(default=wechat.emulator.models.new_token, max_length=64, unique=True)),
                ("articles", models.JSONField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["-id"]},
        ),
        migrations.CreateModel(
            name="MassMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("msg_id", models.BigIntegerField(db_index=True)),
                ("touser", models.CharField(max_length=64)),
                ("preview", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("news", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="messages", to="wx_emulator.massnews")),
            ],
            options={
                "ordering": ["-id"],
                "indexes": [models.Index(fields=["touser", "created_at"], name="emulator_mass_by_user")],
            },
        ),
    ]
