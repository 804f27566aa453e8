"""okno manage compute_pains: compute the map of pains now, for one office or for all of them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from okno.catalog.models import Office
from okno.feedback.pains import compute_pains


class Command(BaseCommand):
    help = (
        "Find the topics in comments and complaints and the low-scoring hotspots, and store the "
        "report the pains page shows. Without --office: every office together, then each "
        "active office."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--office", metavar="SLUG", help="only this office")
        parser.add_argument(
            "--days", type=int, default=90, help="the period: the last DAYS days (default 90)"
        )
        parser.add_argument("--topics", type=int, default=None, help="how many topics to find")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 1 or days > 3660:
            raise CommandError("--days must be between 1 and 3660.")
        topics = options["topics"]
        if topics is not None and not 2 <= topics <= 50:
            raise CommandError("--topics must be between 2 and 50.")
        if options["office"]:
            office = Office.objects.filter(slug=options["office"]).first()
            if office is None:
                raise CommandError(f"No office with the short name {options['office']!r}.")
            scopes: list[Office | None] = [office]
        else:
            scopes = [None, *Office.objects.filter(is_active=True).order_by("slug")]
        for office in scopes:
            name = office.slug if office is not None else "all offices"
            self.stdout.write(f"  {name}: computing the last {days} days…")
            started = time.monotonic()
            report = compute_pains(office=office, days=days, topics=topics)
            self.stdout.write(
                f"  {name}: {_summary(report.result)} ({time.monotonic() - started:.1f} s)"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(scopes)} report(s) stored."))


def _summary(result: dict[str, Any]) -> str:
    corpus = result.get("corpus", {})
    params = result.get("params", {})
    satisfaction = result.get("satisfaction", {})
    parts = [
        f"{corpus.get('texts', 0)} texts ({corpus.get('ratings', 0)} comments, "
        f"{corpus.get('complaints', 0)} complaints)",
    ]
    if corpus.get("texts_in_period", 0) > corpus.get("texts", 0):
        parts.append(f"only the newest of {corpus['texts_in_period']} analysed")
    if result.get("topics"):
        parts.append(
            f"{len(result['topics'])} topics, {corpus.get('assigned', 0)} texts in one, "
            f"{params.get('unassigned', 0)} in none"
        )
    elif params.get("note") == "too_few_texts":
        parts.append(f"no topics: fewer than {params.get('min_texts')} texts")
    else:
        parts.append("no topics found")
    parts.append(
        f"{len(result.get('hotspots', []))} hotspots of {result.get('hotspot_cells', 0)} cells "
        f"with {params.get('hotspot_min_n')}+ ratings"
    )
    if satisfaction.get("ratings"):
        parts.append(f"satisfied {100 * satisfaction['share']:.1f} % of scores (target 90 %)")
    else:
        parts.append("no ratings")
    return "; ".join(parts)
