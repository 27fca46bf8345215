"""Places: the official codifier of the oblast (KATOTTH), its search, Latin names."""

from storage.places.codifier import Category, Codifier, Level, Unit, codifier
from storage.places.search import Match, MatchKind, SearchResult, search, warm
from storage.places.translit import latin

__all__ = [
    "Category",
    "Codifier",
    "Level",
    "Match",
    "MatchKind",
    "SearchResult",
    "Unit",
    "codifier",
    "latin",
    "search",
    "warm",
]
