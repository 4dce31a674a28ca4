"""The knowledge base: load and validate ``rules/``, and resolve inventory references against it."""

from auditor.kb.index import KnowledgeIndex
from auditor.kb.load import load_knowledge_base

__all__ = ["KnowledgeIndex", "load_knowledge_base"]
