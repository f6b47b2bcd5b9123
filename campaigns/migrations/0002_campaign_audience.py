from django.db import migrations, models


class Migration(migrations.Migration):
    """The audience takes values other apps register (the CRM's "segment:<id>")."""

    dependencies = [("campaigns", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="campaign", name="audience", field=models.CharField("参与对象", max_length=32, default="all")),
    ]
