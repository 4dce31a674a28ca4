"""Infrastructure-as-code scanning: Terraform (HCL, plan and state JSON) and Kubernetes manifests.

``scan(root)`` returns a :class:`ScanResult` whose ``fragment`` holds one
system per Terraform root module, plan/state file and Kubernetes namespace,
ready to merge with hand-written inventory files, plus how every location was
resolved. The detection catalogue is data under ``rules/iac/``.
"""

from auditor.loader.iac.catalogue import Catalogue, load_catalogue
from auditor.loader.iac.result import How, Resolution, ResolutionStep, ScannedRoute, ScanResult
from auditor.loader.iac.scan import scan
from auditor.loader.yamlsrc import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_LIMITS",
    "Catalogue",
    "How",
    "Limits",
    "Resolution",
    "ResolutionStep",
    "ScanResult",
    "ScannedRoute",
    "load_catalogue",
    "scan",
]
