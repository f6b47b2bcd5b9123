from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_segments_tags_rfm")]

    operations = []
