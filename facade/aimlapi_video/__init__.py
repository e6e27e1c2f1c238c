"""aimlapi-video: a typed client for the AI/ML API video generation endpoint."""

__version__ = "0.1.0"

__all__ = ["__version__"]
