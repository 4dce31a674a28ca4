"""Small inventories several test modules audit through the CLI."""

from __future__ import annotations


def support_desk(purpose: str, **apis: str) -> str:
    """A German retailer's support desk: an application holding support tickets that sends them
    to each hosted model API given (component id -> the rest of its mapping, e.g.
    ``llm='vendor: zhipu-ai'``)."""
    components = "".join(
        f"      - {{id: {ident}, kind: model_api, {spec}}}\n" for ident, spec in apis.items()
    )
    flows = "".join(f"      - {{from: app, to: {ident}, data: [tickets]}}\n" for ident in apis)
    return f"""\
organisation: {{name: Beispiel Handel GmbH, country: DE, entity: beispiel}}
entities:
  - {{id: beispiel, name: Beispiel Handel GmbH, country: DE, parents: []}}
data:
  - id: tickets
    name: Support tickets
    categories: [user.name, user.contact.email]
    subjects: [customer]
systems:
  - id: helpdesk
    purpose: {purpose}
    criticality: medium
    components:
      - {{id: app, kind: application, operator: beispiel, country: DE, holds: [tickets]}}
{components}    flows:
{flows}"""
