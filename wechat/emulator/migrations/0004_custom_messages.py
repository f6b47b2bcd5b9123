from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wx_emulator", "0003_mass_messages")]

    operations = [
        migrations.CreateModel(
            name="CustomMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("openid", models.CharField(max_length=64)),
                ("sender", models.CharField(choices=[("user", "用户"), ("account", "公众号")], max_length=8)),
                ("msgtype", models.CharField(default="text", max_length=16)),
                ("content", models.TextField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["id"],
                "indexes": [models.Index(fields=["openid", "sender", "created_at"], name="emulator_chat_by_user")],
            },
        ),
    ]
