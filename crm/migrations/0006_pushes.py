from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_links_recommendations")]

    operations = [
        migrations.AddField(
            model_name="push",
            name="media_id",
            field=models.CharField(blank=True, help_text="开始发送时上传一次，各批次共用", max_length=128, verbose_name="图文素材 media_id"),
        ),
        migrations.AlterField(
            model_name="push",
            name="test_sent_at",
            field=models.DateTimeField(blank=True, help_text="确认发送须在最后一次修改之后测试发送过", null=True, verbose_name="测试发送时间"),
        ),
        migrations.AddField(
            model_name="pushrecipient",
            name="retry_at",
            field=models.DateTimeField(blank=True, help_text="发送失败后到这个时间才再试（退避）", null=True, verbose_name="下次重试"),
        ),
        migrations.AddIndex(
            model_name="pushrecipient",
            index=models.Index(fields=["month", "member"], name="crm_push_cap_month"),
        ),
        migrations.AddIndex(
            model_name="pushrecipient",
            index=models.Index(fields=["week", "member"], name="crm_push_cap_week"),
        ),
    ]
