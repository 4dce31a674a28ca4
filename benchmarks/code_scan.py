"""Time ``auditor scan`` on a generated application tree (python benchmarks/code_scan.py [FILES] [SEED]).

The tree imitates an application repository: ``services/<svc>/`` Python packages
and ``web/<app>/src`` TypeScript, mostly ordinary code (classes, functions,
imports, string handling) with one file in ten calling an AI SDK whose region,
base URL or model comes from a constant, an f-string or an environment
default; a ``.env.example`` and a ``docker-compose.yml`` per service, and a
``node_modules`` folder that must be skipped. Not a unit test.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from auditor.loader.iac import scan

PY_NOISE = '''"""Module {n}."""
from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass
class Record{n}:
    name: str
    size: int = 0

    def render(self) -> str:
        return json.dumps({{"name": self.name, "size": self.size, "n": {n}}})


def load_{n}(rows: list[dict[str, object]]) -> list[Record{n}]:
    out = []
    for row in rows:
        if row.get("skip"):
            continue
        out.append(Record{n}(str(row["name"]), int(str(row.get("size", 0)))))
    return out
''' + "\n".join(
    f"def helper_{{n}}_{i}(x: int) -> int:\n    return x * {i} + len(str(x))\n" for i in range(12)
)

PY_AI = [
    'import os\nimport boto3\nREGION = os.getenv("AWS_REGION", "{region}")\nclient = boto3.client("bedrock-runtime", region_name=REGION)\nclient.converse(modelId="{profile}anthropic.claude-3-5-sonnet-20240620-v1:0", messages=[])\n',
    'from openai import OpenAI\nHOST = "{geo}.api.openai.com"\nclient = OpenAI(base_url=f"https://{{HOST}}/v1")\nclient.chat.completions.create(model="gpt-4o", messages=[])\n',
    'import litellm\nlitellm.completion(model="bedrock/{profile}anthropic.claude-3-haiku-20240307-v1:0", aws_region_name="{region}")\n',
]
TS_NOISE = """import {{ useState }} from "react";
// component {n}
export interface Props{n} {{ title: string; count?: number }}
export function View{n}({{ title, count = 0 }}: Props{n}) {{
  const [open, setOpen] = useState(false);
  const label = `${{title}} (${{count}})`;
  const re = /[a-z]+\\/[0-9]+/g;
  return open ? label.replace(re, "") : title.toUpperCase();
}}
""" + "\n".join(
    f"export const f{{n}}_{i} = (x: number): number => x * {i} + {i};" for i in range(20)
)
TS_AI = 'import {{ BedrockRuntimeClient }} from "@aws-sdk/client-bedrock-runtime";\nconst REGION = process.env.AWS_REGION ?? "{region}";\nexport const runtime = new BedrockRuntimeClient({{ region: REGION }});\n'
REGIONS = ["eu-central-1", "eu-west-1", "us-east-1", "eu-north-1"]


def generate(files: int, root: Path, seed: int = 1) -> int:
    """Write about ``files`` source files under ``root``; return how many were written."""
    rng = random.Random(seed)
    written = 0
    service = 0
    while written < files:
        svc = root / "services" / f"svc{service}"
        (svc / "app").mkdir(parents=True, exist_ok=True)
        (svc / ".env.example").write_text(f"AWS_REGION={rng.choice(REGIONS)}\n")
        (svc / "docker-compose.yml").write_text(
            "services:\n  api:\n    environment:\n      LOG_LEVEL: info\n"
        )
        web = root / "web" / f"app{service}" / "src"
        web.mkdir(parents=True, exist_ok=True)
        for n in range(20):
            fill = {
                "region": rng.choice(REGIONS),
                "profile": rng.choice(["eu.", "us.", "global.", ""]),
                "geo": rng.choice(["eu", "us"]),
                "n": n,
            }
            if n % 10 == 0:
                (svc / "app" / f"m{n}.py").write_text(rng.choice(PY_AI).format(**fill))
                (web / f"c{n}.ts").write_text(TS_AI.format(**fill))
            else:
                (svc / "app" / f"m{n}.py").write_text(PY_NOISE.format(**fill))
                (web / f"c{n}.tsx").write_text(TS_NOISE.format(**fill))
            written += 2
        service += 1
    vendored = root / "web" / "node_modules" / "openai"
    vendored.mkdir(parents=True)
    (vendored / "index.js").write_text('const OpenAI = require("openai");\nnew OpenAI();\n')
    return written


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        written = generate(files, root, seed)
        scan(root)  # warm the catalogue cache
        start = time.perf_counter()
        result = scan(root)
        elapsed = time.perf_counter() - start
        components = sum(len(s.components) for s in result.fragment.systems)
        print(
            f"{written} source files: {elapsed:.2f} s, {components} components, {len(result.notes)} notes"
        )


if __name__ == "__main__":
    main()
