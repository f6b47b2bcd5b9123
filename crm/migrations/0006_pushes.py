from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_links_recommendations")]

    operations = []
