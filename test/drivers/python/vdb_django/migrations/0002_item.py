from django.db import migrations, models

import vdb_django.vectors


class Migration(migrations.Migration):
    dependencies = [("vdb_django", "0001_vector_db")]

    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.IntegerField(primary_key=True, serialize=False)),
                ("category", models.IntegerField()),
                ("embedding", vdb_django.vectors.VectorField(dimensions=8)),
            ],
        ),
        migrations.AddIndex(
            model_name="item",
            index=vdb_django.vectors.HnswIndex(ef_construction=64, fields=["embedding"], m=16,
                                               name="drivers_django_idx", opclasses=["vector_l2_ops"]),
        ),
    ]
