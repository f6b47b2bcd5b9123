from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_inbox")]

    operations = [
        migrations.CreateModel(
            name="CrmDashboard",
            fields=[],
            options={"verbose_name": "CRM 看板", "verbose_name_plural": "CRM 看板", "proxy": True, "indexes": [], "constraints": []},
            bases=("crm.purchasestats",),
        ),
    ]
