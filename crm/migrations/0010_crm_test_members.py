from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0009_coupon_drops"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.AddField(
            model_name="crmsettings",
            name="test_members",
            field=models.ManyToManyField(
                blank=True,
                help_text="「发送测试」发给这些会员账号（运营人员先用自己的微信登录一次商城，再在这里选中自己），以及绑定了微信的运营账号",
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="测试接收人",
            ),
        ),
    ]
