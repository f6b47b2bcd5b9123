from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_crm_schema")]

    operations = []
