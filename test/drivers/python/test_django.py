"""Django (Debian's python3-django, 3.2) against vector_db.

The app vdb_django holds a model with a VectorField and an HnswIndex
(vdb_django/vectors.py), and migrations that create the extension with
Django's own CreateExtension operation, then the table and the index.
The test runs `migrate` as a project would, checks with `makemigrations
--check` that the migrations match the model, writes rows with save() and
bulk_create(), and searches with annotate(L2Distance(...)).order_by(),
QuerySet.explain() showing the index. The session settings go in the
connection's OPTIONS, as Django users set them. Django 3.2 uses psycopg2,
which has no binary format: text only.
"""
import unittest

from drivers_common import EF_SEARCH, K, DriverCase, dsn_params, require

django, SKIP = require("django", "Django")
if not SKIP:
    from django.core.management import call_command


def setup_django():
    # Imported here: the lazy settings object must not sit in the module,
    # where unittest's discovery would inspect it before it is configured.
    from django.conf import settings
    p = dsn_params()
    settings.configure(
        DATABASES={"default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": p["dbname"], "USER": p["user"], "HOST": p["host"], "PORT": p["port"],
            "OPTIONS": {"options": "-c hnsw.ef_search=%d -c enable_seqscan=off" % EF_SEARCH},
        }},
        INSTALLED_APPS=["vdb_django"],
        USE_TZ=True,
    )
    django.setup()


@unittest.skipIf(SKIP, SKIP)
class Django(DriverCase):
    @classmethod
    def setUpClass(cls):
        setup_django()
        call_command("migrate", "vdb_django", verbosity=0)
        from vdb_django.models import Item
        cls.Item = Item
        half = len(cls.data) // 2
        for i in range(half):
            Item(id=i, category=cls.categories[i], embedding=cls.data[i]).save(force_insert=True)
        Item.objects.bulk_create(Item(id=i, category=cls.categories[i], embedding=cls.data[i])
                                 for i in range(half, len(cls.data)))

    @classmethod
    def tearDownClass(cls):
        # Back to the first migration: drops the table, keeps the extension.
        call_command("migrate", "vdb_django", "0001", verbosity=0)

    def test_migrations_match_the_model(self):
        try:
            call_command("makemigrations", "vdb_django", check=True, dry_run=True, verbosity=0)
        except SystemExit as e:
            self.fail("makemigrations --check: the model differs from its migrations (exit %s)" % e.code)

    def test_text_round_trip(self):
        self.assert_rows_equal([(it.id, it.category, it.embedding) for it in self.Item.objects.all()])

    def knn(self, q, category=None):
        from vdb_django.vectors import L2Distance
        items = self.Item.objects.annotate(distance=L2Distance("embedding", q)).order_by("distance")
        if category is not None:
            items = items.filter(category=category)
        items = items[:K]
        self.assert_index_scan(items.explain().splitlines(), "drivers_django_idx")
        return [(it.id, it.distance) for it in items]

    def test_nearest_neighbours(self):
        self.check_nearest(self.knn)

    def test_filtered_nearest_neighbours(self):
        self.check_filtered(self.knn)
