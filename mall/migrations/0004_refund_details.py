from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("mall", "0003_order_merchant_note")]

    operations = []
