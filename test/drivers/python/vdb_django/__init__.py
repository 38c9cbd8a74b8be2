"""A Django app for the driver tests: one model with a vector column and an
hnsw index, created by its migrations (test_django.py runs them)."""
