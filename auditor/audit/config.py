"""The repository config file ``.auditor.yaml``, found from the working folder upward.

Command-line flags override it. Paths in it are relative to the folder that holds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, create_model

from auditor.errors import InputError
from auditor.loader.validate import validate_document
from auditor.loader.yamlsrc import Limits, YamlProblem, read_yaml
from auditor.model.common import Identifier, StrictModel
from auditor.model.outputs import OutputFormat

CONFIG_NAME = ".auditor.yaml"


def _outputs_model() -> type[StrictModel]:
    """``outputs:``, one optional file per report format (``auditor.model.outputs``).

    ``json`` is an alias: a field of that name would shadow pydantic's own ``json``.
    """
    fields: dict[str, Any] = {
        f"{fmt.key}_file": (
            str | None,
            Field(default=None, alias=fmt.value, description=fmt.description),
        )
        for fmt in OutputFormat
    }
    model: type[StrictModel] = create_model(
        "Outputs", __base__=StrictModel, __doc__="Report files to write on every run.", **fields
    )
    return model


Outputs = _outputs_model()


def configured_output(outputs: StrictModel, fmt: OutputFormat) -> str | None:
    """The file ``outputs:`` names for ``fmt``, if any."""
    value = getattr(outputs, f"{fmt.key}_file")
    return value if isinstance(value, str) else None


# Hard ceilings (issue 15): a repository's config may lower the limits or raise them up to
# these, never switch them off; a value above one is a config error that names it.
CEILING_FILE_MB = 1024
CEILING_DEPTH = 10_000
CEILING_VALUES = 10_000_000
CEILING_SCALAR_CHARS = 10_000_000


class LimitsConfig(StrictModel):
    """Caps on what reading one input file may cost (each breach is a clear error)."""

    max_file_mb: float = Field(default=20, gt=0, le=CEILING_FILE_MB)
    max_depth: int = Field(default=64, ge=4, le=CEILING_DEPTH)
    max_values: int = Field(default=2_000_000, ge=1000, le=CEILING_VALUES)
    max_scalar_chars: int = Field(default=1_000_000, ge=1000, le=CEILING_SCALAR_CHARS)

    def limits(self) -> Limits:
        """As the loader's Limits."""
        return Limits(
            max_file_bytes=int(self.max_file_mb * 1024 * 1024),
            max_depth=self.max_depth,
            max_values=self.max_values,
            max_scalar_chars=self.max_scalar_chars,
        )


class Config(StrictModel):
    """What a repository sets once for every run."""

    paths: list[str] = Field(default_factory=list, description="Inventory files or folders.")
    policy: str | None = None
    rules: list[str] = Field(default_factory=list, description="Extra rules folders.")
    waivers: str | None = None
    baseline: str | None = None
    fail_on: str | None = Field(default=None, pattern=r"^(critical|high|medium|low|info|never)$")
    hard_fail: list[Identifier] = Field(
        default_factory=list, description="Rules that fail the build whatever their severity."
    )
    soft_fail: list[Identifier] = Field(
        default_factory=list, description="Rules that are reported but never fail the build."
    )
    outputs: Outputs = Field(default_factory=Outputs)  # type: ignore[valid-type]
    limits: LimitsConfig = Field(default_factory=LimitsConfig)


def find_config(start: Path) -> Path | None:
    """The nearest ``.auditor.yaml`` in ``start`` or a folder above it."""
    for folder in [start.resolve(), *start.resolve().parents]:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path) -> Config:
    """Read and validate a config file."""
    try:
        doc = read_yaml(path)
    except YamlProblem as exc:
        raise InputError(f"the config file {path} is invalid", [exc.diagnostic]) from None
    if doc.data is None:
        return Config()
    config, problems = validate_document(doc, Config)
    if config is None:
        raise InputError(f"the config file {path} is invalid", problems)
    return config
