import wechat.emulator.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wx_emulator", "0004_custom_messages")]

    operations = [
        migrations.CreateModel(
            name="MassThumb",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("media_id", models.CharField(default=wechat.emulator.models.new_token, max_length=64, unique=True)),
                ("image", models.BinaryField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["-id"]},
        ),
    ]
