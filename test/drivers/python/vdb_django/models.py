from django.db import models

from .vectors import HnswIndex, VectorField
from drivers_common import DIMS


class Item(models.Model):
    id = models.IntegerField(primary_key=True)
    category = models.IntegerField()
    embedding = VectorField(dimensions=DIMS)

    class Meta:
        app_label = "vdb_django"
        indexes = [HnswIndex(fields=["embedding"], name="drivers_django_idx", opclasses=["vector_l2_ops"],
                             m=16, ef_construction=64)]
