"""The matcher, pure Python: no web framework and no database in here.

``BilingualMatcher`` ranks companies for city needs (and needs for companies) with TF-IDF over
Japanese and English text joined by a bilingual glossary; every score comes with its reasons.
"""

from ypmatch.matching.analysis import Analyzer, dominant_language
from ypmatch.matching.documents import (
    Boosts,
    CompanyInfo,
    CompanyMatch,
    NeedDoc,
    NeedMatch,
    Reason,
    TechnologyDoc,
)
from ypmatch.matching.glossary import Concept, Glossary, GlossaryError
from ypmatch.matching.matcher import BilingualMatcher
from ypmatch.matching.updates import with_replaced_documents

__all__ = [
    "Analyzer",
    "BilingualMatcher",
    "Boosts",
    "CompanyInfo",
    "CompanyMatch",
    "Concept",
    "Glossary",
    "GlossaryError",
    "NeedDoc",
    "NeedMatch",
    "Reason",
    "TechnologyDoc",
    "dominant_language",
    "with_replaced_documents",
]
