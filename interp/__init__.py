"""interp: a self-hosted interpretation service for community organisations."""

__version__ = "0.1.0"
