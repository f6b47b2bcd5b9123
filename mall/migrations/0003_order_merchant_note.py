from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("mall", "0002_coupons")]

    operations = []
