from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wx_emulator", "0002_red_packets")]

    operations = []
