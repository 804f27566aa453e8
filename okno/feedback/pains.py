"""The map of pains: topics found in visitors' comments and complaints, and low-scoring hotspots.

Topics: every rating comment and complaint text of the period is cleaned (phone numbers and
e-mail addresses removed before anything else sees the text), vectorised with TF-IDF on word
1–2-grams and character 3–5-grams together (characters join the forms of one word —
"черга/черги/черзі", "kolejka/kolejki" — without a stemmer per language, and work for uk, ru,
pl, kk and en alike without downloads), and factorised with NMF. Each topic is labelled from the
word part of the vocabulary only, so its label reads as words, not as letter fragments. A text
belongs to the topic that holds most of its weight (at least `MIN_TOPIC_SHARE`), else to none.

Hotspots: for each office × service × criterion cell with at least `HOTSPOT_MIN_N` ratings, the
Wilson lower bound of the share of "satisfied" scores (4 or 5): a cell ranks as bad only when
the ratings give confidence that it is bad, so a cell of three angry ratings does not outrank a
cell of two hundred mediocre ones.

Also: the share of satisfied scores against the 90 % target of Decree 601, and the loyalty
index from the 0–10 question (promoters 9–10 minus detractors 0–6, as a percentage).

Everything is deterministic (fixed `random_state`), and the result is one JSON document in a
`PainReport` row, so the page reads one row.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from okno.catalog.models import Office, Service
from okno.feedback.models import CRITERIA, Complaint, PainReport, Rating
from okno.staff.models import Employee

#: The share of scores 4–5 that Decree 601 sets as the target.
SATISFACTION_TARGET = 0.9
#: A score at or above this counts as "satisfied".
SATISFIED_SCORE = 4
#: A hotspot cell needs this many ratings before its score means anything.
HOTSPOT_MIN_N = 20
#: How many hotspots the report keeps (worst first).
HOTSPOT_LIMIT = 30
#: z for a two-sided 95 % interval.
Z95 = 1.959963984540054
#: Below this many texts there is nothing to find topics in.
MIN_TEXTS = 10
#: The most recent texts analysed in one run (TF-IDF and NMF cost grows with the corpus).
MAX_TEXTS = 20_000
#: A text belongs to its strongest topic only if that topic holds this share of its weight.
MIN_TOPIC_SHARE = 0.3
TOP_WORDS = 8
EXAMPLES = 3
CONCENTRATION_TOP = 3
RANDOM_STATE = 0
REPORT_VERSION = 1
#: The periodic job recomputes a scope whose newest report is older than this.
RECOMPUTE_EVERY = dt.timedelta(hours=6)
#: How long a periodic run holds its claim at most (a crashed worker frees it by then).
CLAIM_SECONDS = 3600
#: Reports older than this are deleted by the periodic job (the page reads only the newest).
KEEP_DAYS = 30


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Function words per language: they carry no topic. Short on purpose (no downloads).
STOP_WORDS: dict[str, frozenset[str]] = {
    "uk": _words(
        """і й та а але або що як це цей ця ці той та ті у в на з із зі до від по за для про
        при через над під між без не ні так є був була було були буде бути мене мені мій моя
        мої ми ви вони він вона воно ти я нас вас вам нам їх його її їм він там тут вже ще
        дуже теж також тому бо якщо коли де чи лише тільки все всі весь свій своє свої цього
        цієї цих його яка який які яке щоб аби ж же би б ну от"""
    ),
    "ru": _words(
        """и й а но или что как это этот эта эти тот те в во на с со к ко от по за для про при
        через над под между без не ни так есть был была было были будет быть меня мне мой моя
        мои мы вы они он она оно ты я нас вас вам нам их его ее её им там тут уже еще ещё
        очень тоже также потому если когда где ли лишь только все всё весь свой свои этого
        этой этих какой какая какие какое чтобы же бы ну вот у из до"""
    ),
    "pl": _words(
        """i a ale lub albo czy że jak to ten ta te tego tej tych w we na z ze do od po za dla
        o przy przez nad pod między bez nie ni tak jest był była było były będzie być mnie
        mi mój moja moje my wy oni one on ona ono ty ja nas was wam nam ich jego jej im tam
        tu już jeszcze bardzo też także bo jeśli gdy kiedy gdzie tylko wszystko wszyscy cały
        swój swoje który która które żeby by się sie u co jako oraz są"""
    ),
    "kk": _words(
        """және мен да де бен пен бірақ немесе не ма ме ба бе па пе бұл осы сол ол олар біз
        сіз сен мен мені маған менің біздің сіздің оның олардың үшін туралы арқылы дейін
        кейін бар жоқ емес еді болды болады болу өте тағы да ғана барлық әр қай қандай
        егер қашан қайда"""
    ),
    "en": _words(
        """a an the and or but if then so of in on at to for from by with about into over
        under between without not no is are was were be been being am i me my we our you
        your he him his she her it its they them their this that these those there here
        what which who whom when where why how all any each every some very too also just
        only than as do does did have has had will would can could should"""
    ),
}
ALL_STOP_WORDS = frozenset().union(*STOP_WORDS.values())

#: Letters only (any script), two or more: numbers and codes are not topics.
WORD_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of 7+ digits with the usual separators, with or without a leading +.
_PHONE = re.compile(r"\+?\(?\d(?:[\s().-]*\d){6,}")
_WORD = re.compile(WORD_PATTERN)
_SPACES = re.compile(r"\s+")
CONTACT_MASK = "[…]"


@dataclass
class Text:
    """One text of the corpus, with what it can be traced to (never who wrote it)."""

    text: str
    source: str  # "rating" or "complaint"
    day: dt.date
    office_id: int
    service_id: int | None
    employee_id: int | None
    criterion: str | None  # ratings: the lowest-scored criterion
    category: str | None  # complaints: their category
    score: float | None  # ratings: the mean of the five scores


# --- public -------------------------------------------------------------------------------------


def compute_pains(
    *,
    office: Office | None = None,
    days: int = 90,
    now: dt.datetime | None = None,
    topics: int | None = None,
) -> PainReport:
    """Analyse the last `days` days at `office` (None: every office) and store the report."""
    now = now or timezone.now()
    days = max(1, int(days))
    zone = office.zone if office is not None else timezone.get_default_timezone()
    period_end = now.astimezone(zone).date()
    period_start = period_end - dt.timedelta(days=days - 1)
    ratings = Rating.objects.filter(visited_on__gte=period_start, visited_on__lte=period_end)
    complaints = Complaint.objects.filter(
        received_at__gte=now - dt.timedelta(days=days), received_at__lte=now
    )
    if office is not None:
        ratings = ratings.filter(office=office)
        complaints = complaints.filter(office=office)

    corpus, total = collect_texts(ratings, complaints)
    granularity = "week" if days <= 180 else "month"
    found, params = find_topics(
        corpus, topics=topics, period=(period_start, period_end), granularity=granularity
    )
    result: dict[str, Any] = {
        "version": REPORT_VERSION,
        "params": {
            "days": days,
            "topics_requested": topics,
            "granularity": granularity,
            "random_state": RANDOM_STATE,
            "hotspot_min_n": HOTSPOT_MIN_N,
            "satisfied_score": SATISFIED_SCORE,
            "target": SATISFACTION_TARGET,
            **params,
        },
        "corpus": {
            "texts": len(corpus),
            "texts_in_period": total,
            "ratings": sum(1 for t in corpus if t.source == "rating"),
            "complaints": sum(1 for t in corpus if t.source == "complaint"),
        },
        "topics": found,
        **hotspots(ratings),
        "satisfaction": satisfaction(ratings),
        "loyalty": loyalty(ratings.exclude(recommend=None).values_list("recommend", flat=True)),
    }
    result["corpus"]["assigned"] = sum(t["count"] for t in found)
    _name_keys(result)
    return PainReport.objects.create(
        office=office,
        computed_at=now,
        period_start=period_start,
        period_end=period_end,
        texts=len(corpus),
        result=result,
    )


def wilson_lower_bound(successes: int, n: int, z: float = Z95) -> float:
    """The lower end of the Wilson score interval for a share `successes / n`."""
    if n <= 0:
        return 0.0
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z * z / n))


def loyalty(answers: Iterable[int]) -> dict[str, Any]:
    """The loyalty index: % promoters (9–10) minus % detractors (0–6); None without answers."""
    values = [int(v) for v in answers]
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    n = len(values)
    return {
        "answers": n,
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
        "index": round(100 * (promoters - detractors) / n, 1) if n else None,
    }


def satisfaction(ratings: Any) -> dict[str, Any]:
    """The share of scores 4–5 over every criterion of every rating, and per criterion."""
    aggregates: dict[str, Any] = {"n": Count("pk")}
    for name in CRITERIA:
        aggregates[f"{name}__satisfied"] = Count(
            "pk", filter=Q(**{f"{name}__gte": SATISFIED_SCORE})
        )
        aggregates[f"{name}__mean"] = Avg(name)
    row = ratings.aggregate(**aggregates)
    n = row["n"] or 0
    by_criterion = [
        {
            "criterion": name,
            "n": n,
            "satisfied": row[f"{name}__satisfied"],
            "share": round(row[f"{name}__satisfied"] / n, 4) if n else None,
            "mean": round(row[f"{name}__mean"], 2) if n else None,
        }
        for name in CRITERIA
    ]
    satisfied = sum(c["satisfied"] for c in by_criterion)
    scores = n * len(CRITERIA)
    return {
        "ratings": n,
        "scores": scores,
        "satisfied": satisfied,
        "share": round(satisfied / scores, 4) if scores else None,
        "target": SATISFACTION_TARGET,
        "meets_target": (satisfied / scores >= SATISFACTION_TARGET) if scores else None,
        "by_criterion": by_criterion,
    }


def hotspots(ratings: Any, *, min_n: int = HOTSPOT_MIN_N) -> dict[str, Any]:
    """Office × service × criterion cells with `min_n` ratings or more, the confidently worst first.

    Each cell: n, mean with its 95 % interval, the satisfied share and its Wilson lower bound.
    """
    cells = []
    small = 0
    for name in CRITERIA:
        rows = (
            ratings.values("office_id", "service_id")
            .annotate(
                n=Count("pk"),
                mean=Avg(name),
                squares=Sum(F(name) * F(name)),
                satisfied=Count("pk", filter=Q(**{f"{name}__gte": SATISFIED_SCORE})),
            )
            .order_by()
        )
        for row in rows:
            n = row["n"]
            if n < min_n:
                small += 1
                continue
            mean = float(row["mean"])
            # Sample variance from the sums: (Σx² − n·mean²) / (n − 1).
            variance = max(0.0, (float(row["squares"]) - n * mean * mean) / (n - 1))
            half = Z95 * math.sqrt(variance / n)
            cells.append(
                {
                    "office": row["office_id"],
                    "service": row["service_id"],
                    "criterion": name,
                    "n": n,
                    "mean": round(mean, 2),
                    "mean_low": round(max(1.0, mean - half), 2),
                    "mean_high": round(min(5.0, mean + half), 2),
                    "satisfied": row["satisfied"],
                    "share": round(row["satisfied"] / n, 4),
                    "wilson_low": round(wilson_lower_bound(row["satisfied"], n), 4),
                }
            )
    cells.sort(
        key=lambda c: (
            c["wilson_low"],
            c["mean"],
            -c["n"],
            c["office"],
            c["service"],
            c["criterion"],
        )
    )
    return {
        "hotspots": cells[:HOTSPOT_LIMIT],
        "hotspot_cells": len(cells),
        "hotspot_cells_too_small": small,
    }


def claim_run(office: Office | None, *, seconds: int) -> bool:
    """Claim the right to compute `office`'s report for `seconds` (False: someone holds it).

    The claim is a key added to the shared cache (Redis wherever several processes run), which
    only one process can add: two workers, or two clicks, never compute the same scope at once.
    """
    return cache.add(_claim_key(office), True, timeout=seconds)


def release_run(office: Office | None) -> None:
    cache.delete(_claim_key(office))


def recompute_due(now: dt.datetime) -> int:
    """The periodic job: recompute every scope (all offices, and each active office) whose last
    report is older than `RECOMPUTE_EVERY`, each under a claim; drop reports past `KEEP_DAYS`.
    Returns how many reports were computed."""
    computed = 0
    scopes: list[Office | None] = [None, *Office.objects.filter(is_active=True).order_by("slug")]
    for office in scopes:
        recent = PainReport.objects.filter(
            office=office, computed_at__gt=now - RECOMPUTE_EVERY
        ).exists()
        if recent or not claim_run(office, seconds=CLAIM_SECONDS):
            continue
        try:
            compute_pains(office=office, now=now)
            computed += 1
        finally:
            release_run(office)
    PainReport.objects.filter(computed_at__lt=now - dt.timedelta(days=KEEP_DAYS)).delete()
    return computed


def _claim_key(office: Office | None) -> str:
    return f"okno:pains:claim:{office.pk if office is not None else 'all'}"


# --- the corpus ---------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """The text without e-mail addresses and phone numbers, on one line."""
    text = _EMAIL.sub(CONTACT_MASK, text or "")
    text = _PHONE.sub(CONTACT_MASK, text)
    return _SPACES.sub(" ", text).strip()


def collect_texts(ratings: Any, complaints: Any) -> tuple[list[Text], int]:
    """The period's texts (cleaned; the most recent `MAX_TEXTS`) and how many there were."""
    corpus: list[tuple[dt.datetime, Text]] = []
    rows = ratings.exclude(comment="").values(
        "comment", "visited_on", "rated_at", "office_id", "service_id", "employee_id", *CRITERIA
    )
    for row in rows.iterator():
        scores = {name: row[name] for name in CRITERIA}
        text = clean_text(row["comment"])
        if not text:
            continue
        corpus.append(
            (
                row["rated_at"],
                Text(
                    text=text,
                    source="rating",
                    day=row["visited_on"],
                    office_id=row["office_id"],
                    service_id=row["service_id"],
                    employee_id=row["employee_id"],
                    criterion=lowest_criterion(scores),
                    category=None,
                    score=sum(scores.values()) / len(scores),
                ),
            )
        )
    zones = {o.pk: o.zone for o in Office.objects.all()}
    rows = complaints.values(
        "text", "received_at", "office_id", "service_id", "employee_concerned_id", "category"
    )
    for row in rows.iterator():
        text = clean_text(row["text"])
        if not text:
            continue
        zone = zones.get(row["office_id"], dt.UTC)
        corpus.append(
            (
                row["received_at"],
                Text(
                    text=text,
                    source="complaint",
                    day=row["received_at"].astimezone(zone).date(),
                    office_id=row["office_id"],
                    service_id=row["service_id"],
                    employee_id=row["employee_concerned_id"],
                    criterion=None,
                    category=row["category"],
                    score=None,
                ),
            )
        )
    total = len(corpus)
    # Newest first, then a stable order: the same data gives the same corpus (deterministic).
    corpus.sort(key=lambda item: (item[0], item[1].source, item[1].text), reverse=True)
    return [text for _at, text in corpus[:MAX_TEXTS]], total


def lowest_criterion(scores: dict[str, int]) -> str | None:
    """The criterion scored lowest (the first in `CRITERIA` on a tie); None when all are equal:
    a rating of five 3s, or five 5s, singles no criterion out."""
    if len(set(scores.values())) <= 1:
        return None
    lowest = min(scores.values())
    return next(name for name in CRITERIA if scores[name] == lowest)


# --- topics -------------------------------------------------------------------------------------


def topic_count(texts: int) -> int:
    """How many topics to look for in a corpus of `texts` texts: about √(texts / 2), 3 to 12,
    and at most one per five texts (a topic of one or two texts is noise). Generous for a small
    corpus because one pain written in three languages shares few terms: it comes out as up to
    three topics, which must not crowd out a second pain."""
    return max(3, min(12, round(math.sqrt(texts / 2)), texts // 5))


def find_topics(
    corpus: Sequence[Text],
    *,
    topics: int | None,
    period: tuple[dt.date, dt.date],
    granularity: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The topics of `corpus`, largest first, and the parameters the run chose."""
    if len(corpus) < MIN_TEXTS:
        return [], {"topics": 0, "note": "too_few_texts", "min_texts": MIN_TEXTS}
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    n = len(corpus)
    # Small corpora: a term must appear twice to be a pattern, not a typo; large ones: in 0.2 %.
    # No upper bound: when nearly every text is about the queue, "queue" must stay (IDF already
    # weighs it down, and function words are stop words).
    min_df = 2 if n < 1000 else 0.002
    word = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        lowercase=True,
        token_pattern=WORD_PATTERN,
        stop_words=sorted(ALL_STOP_WORDS),
        min_df=min_df,
        sublinear_tf=True,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        lowercase=True,
        preprocessor=_without_stop_words,
        min_df=min_df,
        sublinear_tf=True,
    )
    union = FeatureUnion([("word", word), ("char", chars)])
    try:
        matrix = union.fit_transform([t.text for t in corpus])
    except ValueError:  # nothing left after stop words and min_df: no vocabulary
        return [], {"topics": 0, "note": "no_vocabulary", "min_df": min_df}
    words = word.get_feature_names_out()
    if not len(words):
        return [], {"topics": 0, "note": "no_vocabulary", "min_df": min_df}
    k = max(2, min(int(topics) if topics else topic_count(n), n - 1, matrix.shape[1]))
    model = NMF(n_components=k, init="nndsvda", random_state=RANDOM_STATE, max_iter=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # A reconstruction error that rounds just below zero (a near-perfect fit of a tiny
        # corpus) makes NMF take the square root of a negative: only its reported error is NaN.
        warnings.simplefilter("ignore", RuntimeWarning)
        weights = model.fit_transform(matrix)
    components = model.components_[:, : len(words)]

    totals = weights.sum(axis=1)
    strongest = weights.argmax(axis=1)
    share = np.divide(weights.max(axis=1), totals, out=np.zeros_like(totals), where=totals > 0)
    owner = [int(strongest[i]) if share[i] >= MIN_TOPIC_SHARE else None for i in range(n)]

    everyone = list(range(n))
    buckets = _buckets(*period, granularity)
    found = []
    for index in range(k):
        members = [i for i in everyone if owner[i] == index]
        if not members:
            continue
        top = _top_words(components[index], words)
        scores = [corpus[i].score for i in members if corpus[i].score is not None]
        found.append(
            {
                "label": " · ".join(top[:3]),
                "words": top,
                "count": len(members),
                "ratings": sum(1 for i in members if corpus[i].source == "rating"),
                "complaints": sum(1 for i in members if corpus[i].source == "complaint"),
                "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
                "examples": _examples(corpus, members, weights[:, index]),
                "trend": _trend(corpus, members, buckets, granularity),
                "concentration": {
                    dimension: _concentration(corpus, members, everyone, attribute)
                    for dimension, attribute in DIMENSIONS.items()
                },
            }
        )
    found.sort(key=lambda t: (-t["count"], t["label"]))
    params = {
        "topics": k,
        "min_df": min_df,
        "vocabulary_words": len(words),
        "vocabulary_chars": len(chars.get_feature_names_out()),
        "min_topic_share": MIN_TOPIC_SHARE,
        "unassigned": sum(1 for o in owner if o is None),
    }
    return found, params


#: Where a topic may concentrate: dimension -> the attribute of `Text`.
DIMENSIONS = {
    "office": "office_id",
    "service": "service_id",
    "criterion": "criterion",
    "operator": "employee_id",
    "category": "category",
}


def _without_stop_words(text: str) -> str:
    return " ".join(w for w in _WORD.findall(text.lower()) if w not in ALL_STOP_WORDS)


def _top_words(component: np.ndarray, words: np.ndarray) -> list[str]:
    """The strongest terms, skipping one already said by a term kept before it ("черга" after
    "довга черга", or the reverse), so the label does not repeat itself."""
    kept: list[str] = []
    for index in np.argsort(-component, kind="stable"):
        if component[index] <= 0 or len(kept) >= TOP_WORDS:
            break
        term = str(words[index])
        parts = set(term.split())
        if any(parts <= set(k.split()) or set(k.split()) <= parts for k in kept):
            continue
        kept.append(term)
    return kept


def _examples(corpus: Sequence[Text], members: list[int], weight: np.ndarray) -> list[str]:
    """The shortest of the texts most typical of the topic (short ones read at a glance).

    Typical: among the topic's dozen strongest texts, those with at least half the weight of
    the strongest one, so a short text that only just belongs is not shown as its example."""
    ranked = sorted(members, key=lambda i: (-weight[i], i))[: EXAMPLES * 4]
    typical = [i for i in ranked if weight[i] >= weight[ranked[0]] / 2]
    chosen: list[str] = []
    for i in sorted(typical, key=lambda i: (len(corpus[i].text), i)):
        text = corpus[i].text[:300]
        if text.lower() not in {c.lower() for c in chosen}:
            chosen.append(text)
        if len(chosen) == EXAMPLES:
            break
    return chosen


def _buckets(start: dt.date, end: dt.date, granularity: str) -> list[dt.date]:
    """The first day of every week (Monday, ISO) or month touching the period."""
    first = _bucket(start, granularity)
    days = []
    while first <= end:
        days.append(first)
        if granularity == "week":
            first += dt.timedelta(days=7)
        else:
            first = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return days


def _bucket(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _trend(
    corpus: Sequence[Text], members: list[int], buckets: list[dt.date], granularity: str
) -> list[dict[str, Any]]:
    counts = Counter(_bucket(corpus[i].day, granularity) for i in members)
    trend = []
    for start in buckets:
        if granularity == "week":
            year, week, _day = start.isocalendar()
            period = f"{year}-W{week:02d}"
        else:
            period = f"{start:%Y-%m}"
        trend.append({"period": period, "start": start.isoformat(), "count": counts[start]})
    return trend


def _concentration(
    corpus: Sequence[Text], members: list[int], everyone: list[int], attribute: str
) -> list[dict[str, Any]]:
    """The top values of `attribute` among the topic's texts: share within the topic, share over
    all texts, and lift (their ratio: 2 means twice as common in this topic as overall).

    Shares count only texts that have a value (a complaint has no criterion)."""
    inside = Counter(getattr(corpus[i], attribute) for i in members)
    inside.pop(None, None)
    overall = Counter(getattr(corpus[i], attribute) for i in everyone)
    overall.pop(None, None)
    n_inside, n_overall = sum(inside.values()), sum(overall.values())
    if not n_inside:
        return []
    rows = []
    for key, count in sorted(inside.items(), key=lambda kv: (-kv[1], str(kv[0])))[
        :CONCENTRATION_TOP
    ]:
        share = count / n_inside
        base = overall[key] / n_overall
        rows.append(
            {
                "key": key,
                "count": count,
                "share": round(share, 4),
                "overall_share": round(base, 4),
                "lift": round(share / base, 2),
            }
        )
    return rows


def _name_keys(result: dict[str, Any]) -> None:
    """Add the names of the offices, services and employees the report points to, as they are
    now: the page shows names, and a report should read the same after a rename or a deletion."""
    ids: dict[str, set[int]] = defaultdict(set)
    for topic in result["topics"]:
        for dimension in ("office", "service", "operator"):
            ids[dimension].update(row["key"] for row in topic["concentration"][dimension])
    for cell in result["hotspots"]:
        ids["office"].add(cell["office"])
        ids["service"].add(cell["service"])
    names = {
        "office": {
            str(o.pk): {"name": o.name, "slug": o.slug, "language": o.default_language}
            for o in Office.objects.filter(pk__in=ids["office"])
        },
        "service": {
            str(s.pk): {"name": s.name, "code": s.code}
            for s in Service.objects.filter(pk__in=ids["service"])
        },
        "operator": {
            str(e.pk): {"name": str(e)}
            for e in Employee.objects.filter(pk__in=ids["operator"]).select_related("user")
        },
    }
    result["names"] = names
