"""Knowledge base: schema, YAML loading with precise errors, and the immutable base."""

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.language import Language
from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import CATEGORIES, Entry
from bot.knowledge.yamlsource import DataFileError, ValidationIssue

__all__ = [
    "CATEGORIES",
    "DataFileError",
    "Entry",
    "KnowledgeBase",
    "Language",
    "ValidationIssue",
    "load_knowledge",
]
