"""The outbox without the two `varchar_pattern_ops` indexes PostgreSQL had for `dedup_key`
(unique) and `topic` (indexed): they serve LIKE 'prefix%' queries nothing runs, and every
INSERT, claim and "sent" UPDATE of a row maintained them. The key stays unique (a constraint:
the writers' ON CONFLICT (dedup_key) finds it) and the topic indexed (the delivery log).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='outbox',
            name='dedup_key',
            field=models.CharField(max_length=200, verbose_name='de-duplication key'),
        ),
        migrations.AlterField(
            model_name='outbox',
            name='topic',
            field=models.CharField(blank=True, help_text='What the message is about, e.g. event:42 (used for delivery logs).', max_length=80, verbose_name='topic'),
        ),
        migrations.AddIndex(
            model_name='outbox',
            index=models.Index(fields=['topic'], name='members_outbox_topic_idx'),
        ),
        migrations.AddConstraint(
            model_name='outbox',
            constraint=models.UniqueConstraint(fields=('dedup_key',), name='members_outbox_dedup_key_uniq'),
        ),
    ]
