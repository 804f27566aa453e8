"""Catalogue search: one box, any language, forgiving of typos and of the alphabet typed in.

Every text is folded to lower-case Latin (Cyrillic transliterated, diacritics dropped), so
"pasport", "паспорт" and "paszport" meet. Each query word is matched against the index
vocabulary exactly, by prefix, or by edit similarity (rapidfuzz), and services score by where
the word was found (name over keywords over summary). The index lives in each process and is
rebuilt when the catalogue changes: its version (counts and last changes) is read from the
database at most once a second, kept in the shared cache, and forgotten whenever a searchable
row is saved or deleted.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from rapidfuzz import fuzz, process

from okno.catalog.models import LifeSituation, Service, ServiceGroup

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "є": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "ł": "l",
    "ß": "ss",
    "'": "",
    "’": "",
    "ʼ": "",
}
_WORD = re.compile(r"[a-z0-9]+")
_MIN_FUZZY_LENGTH = 4

# How much a match counts, by the field it was found in.
_FIELD_WEIGHTS = {"name": 3.0, "keywords": 2.0, "group": 1.0, "summary": 1.0, "provider": 0.5}


def fold(text: str) -> str:
    """Lower-case Latin letters and digits only: the common ground of every language we ship."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(_CYRILLIC.get(ch, ch) for ch in text if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Hit:
    kind: str  # "service" or "situation"
    pk: int
    score: float


class SearchIndex:
    """An inverted index from folded words to (kind, pk) with the best field weight."""

    def __init__(self) -> None:
        self.postings: dict[str, dict[tuple[str, int], float]] = defaultdict(dict)
        self.vocabulary: list[str] = []

    def add(self, kind: str, pk: int, field_name: str, texts: dict[str, str] | str) -> None:
        weight = _FIELD_WEIGHTS[field_name]
        values = texts.values() if isinstance(texts, dict) else [texts]
        for text in values:
            for word in words(text):
                key = (kind, pk)
                if self.postings[word].get(key, 0) < weight:
                    self.postings[word][key] = weight

    def freeze(self) -> None:
        self.vocabulary = sorted(self.postings)
        self._matches.cache_clear()

    def search(self, query: str, *, limit: int = 50) -> list[Hit]:
        terms = [term for term in dict.fromkeys(words(query)) if len(term) >= 2 or term.isdigit()]
        if not terms:
            return []
        per_term = [self._scores(term) for term in terms]
        keys = set().union(*per_term)
        # Prefer documents that match every word; fall back to any word if none does.
        complete = [key for key in keys if all(key in scores for scores in per_term)]
        candidates = complete or list(keys)
        hits = [
            Hit(kind, pk, sum(scores.get((kind, pk), 0.0) for scores in per_term))
            for kind, pk in candidates
        ]
        hits.sort(key=lambda hit: (-hit.score, hit.kind, hit.pk))
        return hits[:limit]

    def _scores(self, term: str) -> dict[tuple[str, int], float]:
        scores: dict[tuple[str, int], float] = {}
        for word, similarity in self._matches(term):
            for key, weight in self.postings[word].items():
                value = weight * similarity
                if value > scores.get(key, 0.0):
                    scores[key] = value
        return scores

    @lru_cache(maxsize=4096)  # noqa: B019 - the index is long-lived and rebuilt, cache cleared with it
    def _matches(self, term: str) -> tuple[tuple[str, float], ...]:
        found: dict[str, float] = {}
        if term in self.postings:
            found[term] = 1.0
        if len(term) >= 3:
            for word in self._with_prefix(term):
                found.setdefault(word, 0.9)
        if len(term) >= _MIN_FUZZY_LENGTH:
            cutoff = 80 if len(term) >= 6 else 84
            for word, score, _index in process.extract(
                term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=25
            ):
                found.setdefault(word, 0.8 * score / 100)
        return tuple(found.items())

    def _with_prefix(self, term: str) -> list[str]:
        start = bisect_left(self.vocabulary, term)
        matched = []
        for word in self.vocabulary[start:]:
            if not word.startswith(term):
                break
            matched.append(word)
            if len(matched) >= 50:
                break
        return matched


def build_index() -> SearchIndex:
    index = SearchIndex()
    groups = {g.pk: g.name for g in ServiceGroup.objects.all()}
    for service in Service.objects.filter(is_active=True).only(
        "pk", "code", "name", "keywords", "summary", "provider", "group_id"
    ):
        index.add("service", service.pk, "name", service.name)
        index.add("service", service.pk, "name", service.code)
        index.add("service", service.pk, "keywords", service.keywords)
        index.add("service", service.pk, "summary", service.summary)
        index.add("service", service.pk, "provider", service.provider)
        index.add("service", service.pk, "group", groups.get(service.group_id, {}))
    for situation in LifeSituation.objects.filter(is_active=True).only("pk", "name", "description"):
        index.add("situation", situation.pk, "name", situation.name)
        index.add("situation", situation.pk, "summary", situation.description)
    index.freeze()
    return index


_lock = threading.Lock()
_current: tuple[tuple, SearchIndex] | None = None


#: The searchable models: a change to any of them changes the catalogue version.
SEARCHED_MODELS = (Service, LifeSituation, ServiceGroup)
VERSION_CACHE_KEY = "okno:catalog:search-version"
# Three aggregate queries cost a search as much as the search itself; a second's trust is
# enough to spare them, as saves and deletions forget the version at once. Only a change that
# bypasses the models (raw SQL, bulk_create) waits up to this long to be found.
_VERSION_SECONDS = 1


def catalog_version() -> tuple:
    """Changes whenever a searchable row is added, edited or removed."""
    version = cache.get(VERSION_CACHE_KEY)
    if version is None:
        version = tuple(
            tuple(model.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values())
            for model in SEARCHED_MODELS
        )
        cache.set(VERSION_CACHE_KEY, version, _VERSION_SECONDS)
    return version


def forget_catalog_version(**_signal: object) -> None:
    """Make the next search read the version again: now, and once the change is committed (so
    that a search in between, which still saw the old rows, is not trusted either)."""
    cache.delete(VERSION_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(VERSION_CACHE_KEY))


def connect_signals() -> None:
    for model in SEARCHED_MODELS:
        post_save.connect(
            forget_catalog_version, sender=model, dispatch_uid=f"search:{model._meta.label}"
        )
        post_delete.connect(
            forget_catalog_version, sender=model, dispatch_uid=f"search:{model._meta.label}"
        )


def current_index() -> SearchIndex:
    global _current
    version = catalog_version()
    snapshot = _current
    if snapshot is not None and snapshot[0] == version:
        return snapshot[1]
    with _lock:
        if _current is None or _current[0] != version:
            _current = (version, build_index())
        return _current[1]


def search(query: str, *, limit: int = 50) -> list[Hit]:
    """Services and life situations matching `query`, best first."""
    return current_index().search(query, limit=limit)
