"""Constants imported from other modules of the scanned tree, and str methods, are folded."""

from __future__ import annotations

from pathlib import Path

from auditor.loader.iac import How, Resolution, scan


def _resolutions(root: Path) -> dict[tuple[str, str], Resolution]:
    result = scan(root)
    assert result.diagnostics == []
    return {(r.component, r.field): r for r in result.resolutions}


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_relative_absolute_and_reexported_constants(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "src/app/__init__.py": "",
            "src/app/conf/__init__.py": "from .regions import REGION as AWS_REGION\n",
            "src/app/conf/regions.py": 'import os\nREGION = os.getenv("AWS_REGION", "eu-west-3")\n',
            "src/app/settings.py": 'MODEL = "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"\n',
            "src/app/llm.py": (
                "import boto3\n"
                "from .settings import MODEL\n"
                "from app.conf import AWS_REGION\n"
                'rt = boto3.client("bedrock-runtime", region_name=AWS_REGION)\n'
                "rt.converse(modelId=MODEL, messages=[])\n"
            ),
        },
    )
    res = _resolutions(tmp_path)
    region = res[("src.app.llm.rt", "region")]
    assert region.value == "aws:eu-west-3" and region.how is How.ENV_DEFAULT
    assert region.source is not None and region.source.path.endswith("src/app/conf/regions.py")
    chain = [(s.span.path.rsplit("src/", 1)[-1], s.span.line) for s in region.steps if s.span]
    assert chain[:3] == [("app/llm.py", 3), ("app/conf/__init__.py", 1), ("app/conf/regions.py", 2)]
    deployment = res[("src.app.llm.rt", "deployment")]
    assert deployment.value == "eu" and deployment.how is How.CODE_CONSTANT
    assert deployment.source is not None and deployment.source.path.endswith("settings.py")


def test_a_module_outside_the_tree_or_a_cycle_stays_unknown(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "app/a.py": "from .b import X\nY = X\n",
            "app/b.py": "from .a import Y\nX = Y\n",
            "app/llm.py": (
                "import boto3\n"
                "from .a import Y\n"
                "from company_settings import REGION\n"
                'one = boto3.client("bedrock-runtime", region_name=Y)\n'
                'two = boto3.client("bedrock-runtime", region_name=REGION)\n'
            ),
        },
    )
    res = _resolutions(tmp_path)
    assert res[("app.llm.one", "region")].value is None
    two = res[("app.llm.two", "region")]
    assert two.value is None and "another module" in (two.note or "")


def test_str_methods_on_known_text(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "app.py": (
                "import os\nfrom openai import OpenAI\n"
                'BASE = os.getenv("API", "HTTPS://API.DEEPSEEK.COM/").lower()\n'
                "client = OpenAI(base_url=f\"{BASE.rstrip('/')}/v1\")\n"
                'unknown = OpenAI(base_url=os.environ["X"].rstrip("/"))\n'
            )
        },
    )
    result = scan(tmp_path)
    vendors = {c.id: c.vendor for s in result.fragment.systems for c in s.components}
    assert vendors["app.client"] == "deepseek"
    assert vendors["app.unknown"] != "deepseek"
