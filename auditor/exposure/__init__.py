"""Who can reach what: exposures, GDPR Chapter V transfers, evidence gaps, residency (DESIGN.md 3.4, 3.5).

One module per concern: ``control`` (who controls an entity), ``triggers``
(which law reaches a party), ``mitigation``, ``exposures``, ``transfers``,
``gaps``, ``residency``, ``components`` (component facts), ``register`` (the
inventory register); ``rows`` holds the typed rows the checks match over, and
``engine`` runs them all. Unknown facts never silently mean "safe": they become
evidence gaps that the rules turn into findings.
"""

from auditor.exposure.engine import ExposureEngine, ExposureResult
from auditor.exposure.register import register_rows

__all__ = ["ExposureEngine", "ExposureResult", "register_rows"]
