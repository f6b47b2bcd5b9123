from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0010_crm_test_members")]

    operations = [
        migrations.AddField(
            model_name="push",
            name="thumb_media_id",
            field=models.CharField(
                blank=True, help_text="封面压成 64 KB 内的 JPEG 上传一次（微信保留三天），测试发送与各批次共用", max_length=128,
                verbose_name="封面缩略图 media_id",
            ),
        ),
    ]
