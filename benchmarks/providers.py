"""Where the generated estate runs: cloud platforms, model offers, the group's entities.

Ids of vendors, catalogue entities and regions are the knowledge base's own
(rules/vendors/, rules/entities/, rules/regions/); a wrong id makes the generated
estate fail `auditor validate`, which tests/test_benchmarks.py checks.
"""

from __future__ import annotations

from dataclasses import dataclass

STORAGE_KINDS = ("database", "vector_store", "object_storage", "logging", "application")


@dataclass(frozen=True)
class Platform:
    """A cloud the group runs components on; ``entity`` is the catalogue operator."""

    vendor: str
    entity: str
    regions: tuple[str, ...]  # most used first
    kinds: tuple[str, ...]
    names: dict[str, str]  # component kind -> product name
    us_parent: bool = False


PLATFORMS: dict[str, Platform] = {
    "aws": Platform(
        "aws",
        "aws-emea-sarl",
        (
            "aws:eu-central-1",
            "aws:eu-west-1",
            "aws:eu-central-1",
            "aws:eu-west-3",
            "aws:eu-north-1",
            "aws:eu-south-1",
            "aws:us-east-1",
        ),
        (
            "inference_endpoint",
            "vector_store",
            "database",
            "object_storage",
            "logging",
            "application",
            "identity",
        ),
        {
            "database": "Amazon RDS for PostgreSQL",
            "vector_store": "Amazon OpenSearch Service domain",
            "object_storage": "Amazon S3 bucket",
            "logging": "Amazon CloudWatch Logs",
            "application": "ECS Fargate service",
            "inference_endpoint": "SageMaker real-time endpoint",
            "identity": "IAM Identity Center",
        },
        us_parent=True,
    ),
    "azure": Platform(
        "azure",
        "microsoft-ireland-operations",
        (
            "azure:westeurope",
            "azure:germanywestcentral",
            "azure:swedencentral",
            "azure:francecentral",
            "azure:northeurope",
            "azure:polandcentral",
            "azure:italynorth",
            "azure:switzerlandnorth",
            "azure:eastus",
        ),
        (
            "inference_endpoint",
            "vector_store",
            "database",
            "object_storage",
            "logging",
            "application",
            "identity",
        ),
        {
            "database": "Azure Database for PostgreSQL",
            "vector_store": "Azure AI Search index",
            "object_storage": "Azure Blob Storage container",
            "logging": "Log Analytics workspace",
            "application": "Azure Container Apps environment",
            "inference_endpoint": "Azure Machine Learning online endpoint",
            "identity": "Microsoft Entra ID tenant",
        },
        us_parent=True,
    ),
    "gcp": Platform(
        "gcp",
        "google-cloud-emea-ltd",
        (
            "gcp:europe-west3",
            "gcp:europe-west4",
            "gcp:europe-west1",
            "gcp:europe-west9",
            "gcp:europe-north1",
            "gcp:us-central1",
        ),
        (
            "inference_endpoint",
            "vector_store",
            "database",
            "object_storage",
            "logging",
            "application",
            "identity",
        ),
        {
            "database": "Cloud SQL for PostgreSQL",
            "vector_store": "AlloyDB with pgvector",
            "object_storage": "Cloud Storage bucket",
            "logging": "Cloud Logging bucket",
            "application": "Cloud Run service",
            "inference_endpoint": "Vertex AI online prediction endpoint",
            "identity": "Cloud Identity",
        },
        us_parent=True,
    ),
    "ovhcloud": Platform(
        "ovhcloud",
        "ovh-sas",
        ("ovh:GRA", "ovh:SBG", "ovh:RBX", "ovh:EU-WEST-PAR", "ovh:DE", "ovh:WAW"),
        ("inference_endpoint", "database", "object_storage", "logging", "application"),
        {
            "database": "OVHcloud Managed PostgreSQL",
            "object_storage": "OVHcloud Object Storage",
            "logging": "OVHcloud Logs Data Platform",
            "application": "OVHcloud Managed Kubernetes",
            "inference_endpoint": "OVHcloud AI Deploy app",
        },
    ),
    "scaleway": Platform(
        "scaleway",
        "scaleway-sas",
        ("scaleway:fr-par", "scaleway:nl-ams", "scaleway:fr-par", "scaleway:pl-waw"),
        ("inference_endpoint", "database", "object_storage", "logging", "application"),
        {
            "database": "Scaleway Managed Database for PostgreSQL",
            "object_storage": "Scaleway Object Storage bucket",
            "logging": "Scaleway Cockpit",
            "application": "Scaleway Kapsule cluster",
            "inference_endpoint": "Scaleway Managed Inference deployment",
        },
    ),
    "stackit": Platform(
        "stackit",
        "schwarz-digits-cloud-gmbh-co-kg",
        ("stackit:eu01", "stackit:eu01", "stackit:eu02"),
        (
            "inference_endpoint",
            "vector_store",
            "database",
            "object_storage",
            "logging",
            "application",
            "identity",
        ),
        {
            "database": "STACKIT PostgreSQL Flex",
            "vector_store": "STACKIT PostgreSQL Flex with pgvector",
            "object_storage": "STACKIT Object Storage",
            "logging": "STACKIT Observability",
            "application": "STACKIT Kubernetes Engine",
            "inference_endpoint": "STACKIT AI Model Serving",
            "identity": "STACKIT IAM",
        },
    ),
    "ionos": Platform(
        "ionos",
        "ionos-se",
        ("ionos:de/fra", "ionos:de/txl", "ionos:es/vit"),
        ("inference_endpoint", "database", "object_storage", "application"),
        {
            "database": "IONOS DBaaS PostgreSQL",
            "object_storage": "IONOS S3 Object Storage",
            "application": "IONOS Managed Kubernetes",
            "inference_endpoint": "IONOS AI Model Hub endpoint",
        },
    ),
    "otc": Platform(
        "open-telekom-cloud",
        "t-systems-international-gmbh",
        ("otc:eu-de", "otc:eu-nl"),
        (
            "inference_endpoint",
            "vector_store",
            "database",
            "object_storage",
            "logging",
            "application",
            "identity",
        ),
        {
            "database": "OTC RDS for PostgreSQL",
            "vector_store": "OTC Cloud Search Service (vector)",
            "object_storage": "OTC Object Storage Service",
            "logging": "OTC Log Tank Service",
            "application": "OTC Cloud Container Engine",
            "inference_endpoint": "OTC ModelArts endpoint",
            "identity": "OTC IAM",
        },
    ),
    "hetzner": Platform(
        "hetzner",
        "hetzner-online-gmbh",
        ("hetzner:fsn1", "hetzner:nbg1", "hetzner:hel1"),
        ("inference_endpoint", "database", "object_storage", "application"),
        {
            "database": "PostgreSQL on Hetzner dedicated servers",
            "object_storage": "Hetzner Object Storage",
            "application": "Hetzner Cloud servers",
            "inference_endpoint": "GPU servers (Hetzner GEX)",
        },
    ),
    "outscale": Platform(
        "outscale",
        "3ds-outscale",
        ("outscale:eu-west-2", "outscale:cloudgouv-eu-west-1"),
        (
            "inference_endpoint",
            "vector_store",
            "database",
            "object_storage",
            "logging",
            "application",
        ),
        {
            "database": "PostgreSQL on Outscale VMs",
            "vector_store": "OpenSearch on Outscale VMs",
            "object_storage": "Outscale Object Storage",
            "logging": "Log collector on Outscale VMs",
            "application": "Outscale VMs",
            "inference_endpoint": "GPU VMs on Outscale",
        },
    ),
}

# How often a system's home is each platform ("on_prem": the group's own data centres).
HOME_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("on_prem", 34),
    ("azure", 20),
    ("aws", 17),
    ("gcp", 6),
    ("stackit", 6),
    ("ovhcloud", 5),
    ("otc", 4),
    ("scaleway", 3),
    ("ionos", 3),
    ("outscale", 1),
    ("hetzner", 1),
)


@dataclass(frozen=True)
class Model:
    """A model as named under a component's ``model``."""

    name: str
    vendor: str | None
    open_weights: bool
    licence: str | None = None


@dataclass(frozen=True)
class Offer:
    """A hosted model API (kind model_api) the group buys."""

    vendor: str
    regions: tuple[str, ...]  # empty: the API has no region choice
    deployments: tuple[str | None, ...]  # most used first; None: no deployment named
    models: tuple[Model, ...]
    embeddings: Model | None
    fine_tuning: bool = False
    parent: str = "EU"  # EU | US | CN | other: where the controlling parent sits


GPT41 = Model("gpt-4.1 (2025-04-14)", "openai", False)
GPT41_MINI = Model("gpt-4.1-mini (2025-04-14)", "openai", False)
CLAUDE = Model("Claude Sonnet 4.5", "anthropic", False)
LLAMA70 = Model("Llama 3.3 70B Instruct", "meta-llama", True, "Llama 3.3 Community License")
MISTRAL_SMALL = Model("Mistral Small 3.1 24B Instruct", "mistral-open-weights", True, "Apache-2.0")

OFFERS: tuple[tuple[Offer, int], ...] = (
    (
        Offer(
            "azure-openai",
            (
                "azure:swedencentral",
                "azure:westeurope",
                "azure:francecentral",
                "azure:germanywestcentral",
                "azure:polandcentral",
                "azure:eastus",
            ),
            (
                "DataZoneStandard",
                "Standard",
                "GlobalStandard",
                "DataZoneStandard",
                "ProvisionedManaged",
            ),
            (
                GPT41,
                GPT41_MINI,
                Model("gpt-4o (2024-11-20)", "openai", False),
                Model("o4-mini", "openai", False),
            ),
            Model("text-embedding-3-large", "openai", False),
            fine_tuning=True,
            parent="US",
        ),
        22,
    ),
    (
        Offer(
            "aws-bedrock",
            ("aws:eu-central-1", "aws:eu-west-1", "aws:eu-west-3"),
            ("in-region", "eu", "eu", "global", "us"),
            (
                CLAUDE,
                Model("Claude Haiku 4.5", "anthropic", False),
                Model("Amazon Nova Pro", None, False),
                LLAMA70,
            ),
            Model("Cohere Embed Multilingual v3", "cohere", False),
            fine_tuning=True,
            parent="US",
        ),
        14,
    ),
    (
        Offer(
            "google-vertex-ai",
            ("gcp:europe-west3", "gcp:europe-west4", "gcp:europe-west1", "gcp:europe-west9"),
            ("regional", "eu", "global"),
            (
                Model("Gemini 2.5 Flash", "google-vertex-ai", False),
                Model("Gemini 2.5 Pro", "google-vertex-ai", False),
            ),
            Model("text-multilingual-embedding-002", "google-vertex-ai", False),
            parent="US",
        ),
        8,
    ),
    (
        Offer(
            "mistral-ai",
            (),
            ("eu", "eu", "global"),
            (
                Model("Mistral Medium 3", "mistral-ai", False),
                Model("Mistral Large 2.1", "mistral-ai", False),
            ),
            Model("mistral-embed", "mistral-ai", False),
        ),
        10,
    ),
    (
        Offer(
            "openai",
            (),
            ("eu", "global", "eu", "us"),
            (GPT41, GPT41_MINI),
            Model("text-embedding-3-small", "openai", False),
            parent="US",
        ),
        6,
    ),
    (Offer("anthropic", (), ("global", "us"), (CLAUDE,), None, parent="US"), 3),
    (
        Offer(
            "cohere",
            (),
            ("shared-api", "private-deployment"),
            (Model("Command R+", "cohere", False),),
            Model("Embed Multilingual v3", "cohere", False),
            parent="other",
        ),
        2,
    ),
    (
        Offer(
            "aleph-alpha",
            (),
            ("customer-hosted",),
            (Model("Pharia-1-LLM-7B", "aleph-alpha", False),),
            None,
        ),
        2,
    ),
    (Offer("ovhcloud", ("ovh:GRA", "ovh:SBG"), (None,), (LLAMA70, MISTRAL_SMALL), None), 4),
    (Offer("scaleway", ("scaleway:fr-par",), (None,), (LLAMA70, MISTRAL_SMALL), None), 4),
    (Offer("ionos", ("ionos:de/txl", "ionos:de/fra"), (None,), (LLAMA70,), None), 2),
)

# Hosted APIs that appear only in pilots and shadow IT.
RISKY_OFFERS: tuple[Offer, ...] = (
    Offer(
        "deepseek",
        (),
        ("api",),
        (Model("deepseek-chat (DeepSeek-V3.2)", "deepseek-open-weights", True, "MIT"),),
        None,
        parent="CN",
    ),
    Offer("moonshot-ai", (), ("api",), (Model("kimi-k2", "moonshot-ai", True),), None, parent="CN"),
    Offer("zhipu-ai", (), ("intl",), (Model("glm-4.5", "zhipu-ai", True),), None, parent="CN"),
    Offer(
        "alibaba-model-studio",
        (),
        ("International", "Global"),
        (Model("qwen-max", "alibaba-model-studio", False),),
        None,
        parent="CN",
    ),
    Offer(
        "baidu-qianfan",
        (),
        ("api",),
        (Model("ERNIE 4.5", "baidu-qianfan", False),),
        None,
        parent="CN",
    ),
    Offer("together-ai", (), ("default",), (LLAMA70,), None, parent="US"),
    Offer(
        "groq",
        (),
        ("default",),
        (Model("llama-3.3-70b-versatile", "meta-llama", True),),
        None,
        parent="US",
    ),
    Offer("xai", (), ("default",), (Model("grok-4", "xai", False),), None, parent="US"),
    Offer("openai", (), ("global",), (GPT41_MINI,), None, parent="US"),
)

# Open-weights models the group runs itself.
WEIGHTS: tuple[Model, ...] = (
    LLAMA70,
    LLAMA70,
    MISTRAL_SMALL,
    Model("Llama 3.1 8B Instruct", "meta-llama", True, "Llama 3.1 Community License"),
    Model("Qwen2.5 72B Instruct", "qwen-open-weights", True, "Qwen License"),
    Model("Gemma 3 27B", "google-gemma", True, "Gemma Terms of Use"),
    Model("DeepSeek-R1-Distill-Llama-70B", "deepseek-open-weights", True, "MIT"),
    Model("Devstral Small 1.1", "mistral-open-weights", True, "Apache-2.0"),
)

# Managed inference of open weights (kind inference_endpoint): vendor, regions, deployment.
ENDPOINTS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("scaleway", ("scaleway:fr-par", "scaleway:nl-ams"), None),
    ("ovhcloud", ("ovh:GRA", "ovh:SBG"), None),
    ("stackit", ("stackit:eu01",), None),
    ("ionos", ("ionos:de/txl",), None),
    ("aws", ("aws:eu-central-1", "aws:eu-west-1"), None),
    ("azure", ("azure:westeurope", "azure:swedencentral"), None),
    ("hugging-face", (), "inference-endpoint"),
    ("nvidia-api-catalog", (), "hosted-api"),
)


@dataclass(frozen=True)
class Party:
    """An entity the generator declares (the catalogue holds the cloud and AI vendors)."""

    id: str
    name: str
    country: str | None
    parents: (
        tuple[tuple[str, float, float, str], ...] | None
    )  # (entity, share, votes, flag); None: unknown
    presence: tuple[str, ...] = ()
    comment: str = ""
    extra: tuple[tuple[str, object], ...] = ()


GROUP: tuple[Party, ...] = (
    Party(
        "stiftung-aurelia",
        "Aurelia-Stiftung",
        "DE",
        (),
        ("DE",),
        "Foundation under civil law (Munich); founder's foundation, no owners.",
    ),
    Party(
        "aurelia-gruppe-ag",
        "Aurelia Gruppe AG",
        "DE",
        (("stiftung-aurelia", 38.0, 52.0, ""),),
        ("DE", "AT", "FR", "NL", "LU", "BE", "PL", "IT", "ES"),
        "Listed holding. Dual-class shares: the foundation holds 38 % of the capital and 52 % of the\n"
        "votes; the rest is free float (no other holder above 3 %).",
    ),
    Party(
        "aurelia-international-holding-bv",
        "Aurelia International Holding B.V.",
        "NL",
        (("aurelia-gruppe-ag", 100.0, 100.0, ""),),
        ("NL",),
        "Intermediate holding of the foreign subsidiaries (Amsterdam).",
    ),
    Party(
        "aurelia-versicherung-ag",
        "Aurelia Versicherung AG",
        "DE",
        (("aurelia-gruppe-ag", 100.0, 100.0, ""),),
        ("DE", "AT"),
        "Property, casualty, life and health insurer; BaFin-supervised.",
    ),
    Party(
        "aurelia-kliniken-gmbh",
        "Aurelia Kliniken GmbH",
        "DE",
        (("aurelia-gruppe-ag", 94.9, 94.9, ""), ("stadt-rosenheim", 5.1, 5.1, "")),
        ("DE", "AT"),
        "Hospital operator (11 clinics); the town of Rosenheim kept 5.1 % after the 2019 sale.",
    ),
    Party("stadt-rosenheim", "Stadt Rosenheim", "DE", (), ("DE",), "Municipality; no parent."),
    Party(
        "aurelia-bank-sa",
        "Banque Aurelia S.A.",
        "LU",
        (("aurelia-international-holding-bv", 100.0, 100.0, ""),),
        ("LU", "BE", "DE", "FR", "NL"),
        "Credit institution licensed by the CSSF.",
    ),
    Party(
        "aurelia-services-gmbh",
        "Aurelia Services GmbH",
        "DE",
        (("aurelia-gruppe-ag", 100.0, 100.0, ""),),
        ("DE", "AT", "PL"),
        "Shared-service company: customer service, marketing operations.",
    ),
    Party(
        "aurelia-digital-gmbh",
        "Aurelia Digital GmbH",
        "DE",
        (("aurelia-gruppe-ag", 51.0, 51.0, ""), ("atlas-cloud-partners-inc", 49.0, 49.0, "veto")),
        ("DE", "PL", "NL"),
        "Group IT joint venture (2023) with a US technology partner. The partner holds 49 % and a\n"
        "veto on budget and strategy (shareholder agreement section 7.2): control under the\n"
        "standard test, which is why group IT shows US exposure.",
    ),
    Party(
        "atlas-cloud-partners-inc",
        "Atlas Cloud Partners, Inc.",
        "US",
        (),
        ("US", "DE"),
        "Delaware corporation, listed on NASDAQ, no controlling shareholder.",
        (("dpf_certified", True),),
    ),
    Party(
        "aurelia-mobility-bv",
        "Aurelia Mobility B.V.",
        "NL",
        (
            ("aurelia-international-holding-bv", 74.9, 74.9, ""),
            ("rijnland-mobiliteit-nv", 25.1, 25.1, ""),
        ),
        ("NL", "DE", "BE", "FR"),
        "Telematics and assistance; 25.1 % held by a Dutch mobility partner.",
    ),
    Party("rijnland-mobiliteit-nv", "Rijnland Mobiliteit N.V.", "NL", (), ("NL",)),
    Party(
        "aurelia-public-solutions-sas",
        "Aurelia Public Solutions SAS",
        "FR",
        (("aurelia-international-holding-bv", 100.0, 100.0, ""),),
        ("FR", "BE", "LU"),
        "Public-sector services under French law; staff cleared for Diffusion Restreinte.",
    ),
)

# Contractors with human access to on-premises systems (support), and SaaS vendors.
CONTRACTORS: tuple[Party, ...] = (
    Party(
        "baltic-managed-services-uab",
        "Baltic Managed Services UAB",
        "LT",
        (),
        ("LT", "DE"),
        "Infrastructure operations contractor (Vilnius); independent, founder-owned.",
    ),
    Party(
        "bds-europe-gmbh",
        "BDS Europe GmbH",
        "DE",
        (("bharat-digital-services-ltd", 100.0, 100.0, ""),),
        ("DE",),
        "Application management contractor; second-level support is delivered from Pune.",
    ),
    Party(
        "bharat-digital-services-ltd",
        "Bharat Digital Services Ltd",
        "IN",
        (),
        ("IN", "DE", "GB"),
        "Listed in Mumbai, widely held.",
    ),
    Party(
        "numeris-infogerance-sas",
        "Numeris Infogérance SAS",
        "FR",
        None,
        ("FR",),
        "EVIDENCE GAP: acquired in 2026 by an investment vehicle whose shareholders we could not\n"
        "establish (questionnaire unanswered). `parents` omitted on purpose: ownership unknown.",
    ),
    Party(
        "helix-support-ltd",
        "Helix Support Ltd",
        "GB",
        (),
        ("GB",),
        "Out-of-hours service desk (Leeds).",
    ),
    Party(
        "verbatim-europe-ltd",
        "Verbatim Europe Limited",
        "IE",
        (("verbatim-inc", 100.0, 100.0, "board"),),
        ("IE", "DE", "FR"),
        "Contracting party of the transcription SaaS.",
    ),
    Party(
        "verbatim-inc",
        "Verbatim, Inc.",
        "US",
        (),
        ("US", "IE"),
        "Venture-backed, no investor above 20 %; escalation engineers in the US.",
        (("dpf_certified", True), ("provider_categories", ("rcs",))),
    ),
    Party(
        "vectorpoint-inc",
        "Vectorpoint, Inc.",
        "US",
        (),
        ("US",),
        "Vector database SaaS; support staff in the US per its DPA.",
    ),
    Party("talentflow-bv", "TalentFlow B.V.", "NL", (), ("NL", "DE"), "HR-tech SaaS (Utrecht)."),
    Party(
        "lexora-ltd",
        "Lexora Ltd",
        "GB",
        (("lexora-holdings-inc", 60.0, 60.0, ""),),
        ("GB", "DE", "FR"),
        "Legal AI SaaS; majority-owned by a US holding since 2025.",
    ),
    Party("lexora-holdings-inc", "Lexora Holdings, Inc.", "US", (), ("US",)),
    Party(
        "alpenlogik-ag",
        "Alpenlogik AG",
        "CH",
        (),
        ("CH", "DE"),
        "Machine translation API (Zürich).",
    ),
    Party(
        "lingyun-technology",
        "Shenzhen Lingyun Technology Co., Ltd.",
        "CN",
        (),
        ("CN",),
        "Translation API found in the 2026 egress review (shadow IT).",
    ),
)

# Local partners that take minority stakes in the scaled-out country subsidiaries.
MINORITY_PARTNERS: tuple[Party, ...] = (
    Party("banco-mediterraneo-seguros-sa", "Banco Mediterráneo de Seguros S.A.", "ES", (), ("ES",)),
    Party("assicurazioni-lombarde-spa", "Assicurazioni Lombarde S.p.A.", "IT", (), ("IT",)),
    Party("redwood-growth-fund-lp", "Redwood Growth Fund III, L.P.", "US", (), ("US",)),
    Party("wiener-beteiligungs-gmbh", "Wiener Beteiligungs GmbH", "AT", (), ("AT",)),
)
