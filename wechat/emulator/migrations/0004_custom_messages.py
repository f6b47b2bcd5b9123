from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("wx_emulator", "0003_mass_messages")]

    operations = []
