from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_invoice_overdue_notified_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='taxrule',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
    ]
