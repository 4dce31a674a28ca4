"""residency-auditor: which foreign laws can reach the data your AI systems process."""

__version__ = "0.1.0"

__all__ = ["__version__"]
