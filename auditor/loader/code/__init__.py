"""Application-code scanning: the AI services Python, JavaScript/TypeScript and config files call.

``scan_code(root, rules)`` reads source without executing it (Python through
``ast``, JavaScript/TypeScript through a tokenizer) and configuration files
(``.env``, docker-compose, YAML/JSON/TOML), and returns the detected calls as
component drafts per system. The detection catalogue is data under ``rules/code/``.
``auditor.loader.iac.scan`` calls it, so ``auditor scan`` covers code too.
"""

from auditor.loader.code.catalogue import CodeRules, load_code_catalogue
from auditor.loader.code.scan import DEFAULT_CODE_LIMITS, CodeLimits, CodeScan, scan_code

__all__ = [
    "DEFAULT_CODE_LIMITS",
    "CodeLimits",
    "CodeRules",
    "CodeScan",
    "load_code_catalogue",
    "scan_code",
]
