"""Per-job workers: one script per implementation, each run by its own interpreter (peers in side venvs)."""
