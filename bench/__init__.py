"""Benchmarks of aimlapi-video against raw httpx and its peers; ``python bench/run.py`` runs them all."""
