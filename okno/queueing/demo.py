"""The demo offices' queue rules: priority categories in five languages and queue settings.

Idempotent: a category is matched by office and code, settings by office; rows that already
exist are left as they are (an administrator may have tuned them), so loading twice changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from okno.catalog.models import Office
from okno.queueing.models import PriorityCategory, QueueSettings

#: Offices of the demo (see okno/catalog/demo/catalog-1-offices.json).
DEMO_OFFICES = ("przemysl-rynek", "przemysl-zasanie", "przemysl-lipowica")

#: (code, head start in minutes, names). The head start moves a ticket that many minutes
#: earlier in the queue: people who cannot stand long or care for a baby come first, but anyone
#: who has already waited longer than the head start still goes before them.
PRIORITY_CATEGORIES: tuple[tuple[str, int, dict[str, str]], ...] = (
    (
        "disability",
        20,
        {
            "uk": "Особа з інвалідністю",
            "ru": "Человек с инвалидностью",
            "pl": "Osoba z niepełnosprawnością",
            "kk": "Мүгедектігі бар адам",
            "en": "Person with a disability",
        },
    ),
    (
        "pregnancy",
        20,
        {
            "uk": "Вагітна жінка",
            "ru": "Беременная женщина",
            "pl": "Kobieta w ciąży",
            "kk": "Жүкті әйел",
            "en": "Pregnant woman",
        },
    ),
    (
        "elderly",
        10,
        {
            "uk": "Особа віком 75+",
            "ru": "Человек в возрасте 75+",
            "pl": "Osoba w wieku 75+",
            "kk": "75 жастан асқан адам",
            "en": "Aged 75 or over",
        },
    ),
    (
        "veteran",
        15,
        {
            "uk": "Ветеран, учасник бойових дій",
            "ru": "Ветеран, участник боевых действий",
            "pl": "Weteran lub kombatant",
            "kk": "Ардагер, соғыс қимылдарына қатысушы",
            "en": "Veteran",
        },
    ),
    (
        "small-children",
        10,
        {
            "uk": "Батьки з дитиною до 3 років",
            "ru": "Родители с ребёнком до 3 лет",
            "pl": "Rodzic z dzieckiem do lat 3",
            "kk": "3 жасқа дейінгі баласы бар ата-ана",
            "en": "Parent with a child under 3",
        },
    ),
)

#: Queue settings per demo office: the big centre keeps the 15-minute norm; the branch and the
#: remote workplace, with fewer windows, promise 20.
QUEUE_SETTINGS: dict[str, dict[str, int | bool]] = {
    "przemysl-rynek": {"wait_norm_minutes": 15, "no_show_after_recalls": 1},
    "przemysl-zasanie": {"wait_norm_minutes": 20, "no_show_after_recalls": 1},
    "przemysl-lipowica": {"wait_norm_minutes": 20, "no_show_after_recalls": 2},
}


@dataclass
class QueueDemoReport:
    categories_created: int = 0
    settings_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.categories_created or self.settings_created)


def load_queue_demo() -> QueueDemoReport:
    """Priority categories and queue settings for each demo office present in the database."""
    report = QueueDemoReport()
    with transaction.atomic():
        for office in Office.objects.filter(slug__in=DEMO_OFFICES).order_by("slug"):
            for order, (code, minutes, name) in enumerate(PRIORITY_CATEGORIES, start=1):
                _category, created = PriorityCategory.objects.get_or_create(
                    office=office,
                    code=code,
                    defaults={"name": name, "weight_minutes": minutes, "order": order},
                )
                report.categories_created += created
            _settings, created = QueueSettings.objects.get_or_create(
                office=office, defaults=QUEUE_SETTINGS.get(office.slug, {})
            )
            report.settings_created += created
    return report
