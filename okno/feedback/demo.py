"""Feedback for the demo offices: two months of ratings with comments, complaints, and one map
of pains, so the heads' pages are not empty after `okno demo`.

Ratings are stored as a rating terminal's upload would be, each with the client id
"demo-<office>-<n>", in bulk (the field rules and the follow-up rule of `record_rating` are
applied here too): loading again stores nothing twice. Complaints go through
`file_complaint` and the status services, and are made only while the demo has none. The
numbers come from a seeded generator, so every load tells the same story: a long queue and a
broken ticket kiosk at Rynek (waiting time there is the worst hotspot), parking at Zasanie,
unclear information at Lipowica, one employee whom visitors call rude, and many thanks.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from okno.catalog.models import Office, Service
from okno.feedback import services
from okno.feedback.models import CRITERIA, Complaint, FollowUp, PainReport, Rating
from okno.feedback.pains import compute_pains
from okno.queueing.demo import DEMO_OFFICES
from okno.staff.models import Employee, Role

SEED = 1284
DAYS = 60
#: Ratings per office over the period, and the services most of them are for (the rest go to
#: the office's other services): enough in a few cells for hotspots to mean something.
VOLUME = {"przemysl-rynek": 170, "przemysl-zasanie": 100, "przemysl-lipowica": 40}
POPULAR = {
    "przemysl-rynek": ("A01", "D01", "B02", "C02"),
    "przemysl-zasanie": ("A01", "B02", "C02"),
    "przemysl-lipowica": ("A02", "B02"),
}
#: theme -> weight per office. "praise" and "none" (no comment) keep scores high.
THEMES = {
    "przemysl-rynek": {"queue": 5, "kiosk": 3, "rude": 2, "info": 1, "praise": 5, "none": 9},
    "przemysl-zasanie": {"parking": 5, "stuffy": 2, "queue": 1, "praise": 4, "none": 8},
    "przemysl-lipowica": {"info": 5, "parking": 1, "praise": 3, "none": 5},
}
#: The criterion each pain lowers.
THEME_CRITERION = {
    "queue": "waiting_time",
    "kiosk": "waiting_time",
    "rude": "politeness",
    "parking": "comfort",
    "stuffy": "comfort",
    "info": "information",
}
#: The employee whom the comments about rudeness are about (a demo character).
RUDE_EMPLOYEE = "operator.marek"
LANGUAGE_WEIGHTS = {"pl": 6, "uk": 3, "ru": 1, "en": 1}

COMMENTS: dict[str, dict[str, list[str]]] = {
    "queue": {
        "pl": [
            "Bardzo długa kolejka, czekałem ponad godzinę.",
            "Kolejka do okienka w ogóle się nie ruszała.",
            "Za długo czekałam w kolejce, otwarte tylko dwa okienka.",
        ],
        "uk": [
            "Дуже довга черга, чекав понад годину.",
            "Черга майже не рухалася, працювало лише два вікна.",
        ],
        "ru": ["Очень длинная очередь, ждал больше часа.", "Очередь совсем не двигалась."],
        "en": ["The queue was very long, I waited over an hour."],
    },
    "kiosk": {
        "pl": ["Biletomat nie działał, nikt nie pomógł.", "Automat z biletami znowu zepsuty."],
        "uk": ["Термінал для талонів не працював.", "Кіоск електронної черги зламаний."],
        "ru": ["Терминал электронной очереди не работал."],
        "en": ["The ticket kiosk was broken again."],
    },
    "rude": {
        "pl": [
            "Pan w okienku był niemiły i opryskliwy.",
            "Urzędnik był niegrzeczny, nie chciał nic wyjaśnić.",
        ],
        "uk": ["Працівник був неввічливий і грубо відповідав."],
        "ru": ["Сотрудник был грубым и невежливым."],
        "en": ["The clerk was rude and unhelpful."],
    },
    "parking": {
        "pl": [
            "Brak miejsc parkingowych przy urzędzie.",
            "Nie ma gdzie zaparkować, parking zawsze pełny.",
        ],
        "uk": ["Немає де припаркуватися біля центру.", "Парковка біля центру завжди зайнята."],
        "ru": ["Негде припарковаться, парковка всегда занята."],
        "en": ["No parking spaces near the office."],
    },
    "stuffy": {
        "pl": ["Duszno w poczekalni, brak klimatyzacji."],
        "uk": ["У залі очікування дуже душно."],
        "ru": ["В зале ожидания очень душно."],
        "en": ["The waiting room was stuffy and hot."],
    },
    "info": {
        "pl": [
            "Informacja o wymaganych dokumentach jest niejasna.",
            "Na stronie inne informacje niż w urzędzie, musiałem przyjść drugi raz.",
        ],
        "uk": [
            "Незрозуміла інформація про потрібні документи.",
            "На сайті одна інформація, а на місці інша, довелося прийти вдруге.",
        ],
        "ru": ["Непонятная информация о нужных документах."],
        "en": ["Confusing information about which documents to bring."],
    },
    "praise": {
        "pl": [
            "Bardzo miła obsługa, wszystko szybko załatwione.",
            "Sprawnie i profesjonalnie, dziękuję!",
            "Pani w okienku bardzo pomocna.",
        ],
        "uk": ["Дуже ввічливий персонал, все швидко.", "Дякую за швидке обслуговування!"],
        "ru": ["Спасибо, всё быстро и вежливо."],
        "en": ["Friendly staff and quick service, thank you!", "Great service, done in minutes."],
    },
}
#: Words people add before or after, so no two comments read exactly alike.
OPENINGS = {
    "pl": ["", "", "Znowu to samo. ", "Dzisiaj: ", "Niestety. "],
    "uk": ["", "", "Знову те саме. ", "Сьогодні: ", "На жаль, "],
    "ru": ["", "", "Опять. ", "Сегодня: "],
    "en": ["", "", "Again. ", "Today: "],
}
CLOSINGS = {
    "pl": ["", "", " Proszę coś z tym zrobić.", " Tak nie powinno być."],
    "uk": ["", "", " Прошу щось із цим зробити.", " Так не має бути."],
    "ru": ["", "", " Сделайте что-нибудь.", " Так быть не должно."],
    "en": ["", "", " Please do something about it.", " This should not happen."],
}

#: (office, category, language, text, what happens to it). Complaints name no one by name.
COMPLAINTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "przemysl-rynek",
        "waiting",
        "pl",
        "Czekałem w kolejce dwie godziny na dowód osobisty, choć miałem rezerwację.",
        "answered",
    ),
    (
        "przemysl-rynek",
        "waiting",
        "uk",
        "Черга на реєстрацію авто понад дві години, вікон відкрито лише два.",
        "in_review",
    ),
    (
        "przemysl-rynek",
        "waiting",
        "pl",
        "Biletomat nie wydawał biletów przez całe rano, ludzie stali bez numerków.",
        "closed",
    ),
    (
        "przemysl-rynek",
        "staff",
        "pl",
        "Urzędnik był niegrzeczny i podniósł głos, gdy zapytałem o dokumenty.",
        "in_review",
    ),
    (
        "przemysl-rynek",
        "staff",
        "ru",
        "Сотрудник грубо ответил и отказался объяснить, каких документов не хватает.",
        "received",
    ),
    (
        "przemysl-rynek",
        "documents",
        "pl",
        "Zażądano zaświadczenia, którego nie ma w wykazie wymaganych dokumentów.",
        "answered",
    ),
    (
        "przemysl-rynek",
        "information",
        "en",
        "The website lists different documents than the office asks for; I had to come twice.",
        "received",
    ),
    (
        "przemysl-rynek",
        "booking",
        "pl",
        "Rezerwacja online nie pokazuje wolnych terminów, a w urzędzie są wolne miejsca.",
        "answered",
    ),
    (
        "przemysl-rynek",
        "deadline",
        "uk",
        "Документ мав бути готовий через 30 днів, минуло вже 45.",
        "forwarded",
    ),
    (
        "przemysl-rynek",
        "premises",
        "pl",
        "Brak podjazdu dla wózków przy wejściu od strony Rynku.",
        "closed",
    ),
    ("przemysl-rynek", "other", "pl", "Proszę o dłuższe godziny otwarcia w czwartki.", "received"),
    (
        "przemysl-zasanie",
        "premises",
        "pl",
        "Nie ma gdzie zaparkować, parking zajęty przez samochody z pobliskiego sklepu.",
        "answered",
    ),
    (
        "przemysl-zasanie",
        "premises",
        "uk",
        "Немає паркування для людей з інвалідністю біля входу.",
        "in_review",
    ),
    (
        "przemysl-zasanie",
        "premises",
        "pl",
        "W poczekalni jest bardzo duszno, klimatyzacja nie działa.",
        "received",
    ),
    (
        "przemysl-zasanie",
        "waiting",
        "pl",
        "Długa kolejka w poniedziałek rano, tylko jedno okienko czynne.",
        "closed",
    ),
    (
        "przemysl-zasanie",
        "result",
        "pl",
        "Odmówiono mi wydania zaświadczenia bez podania podstawy prawnej.",
        "rejected",
    ),
    (
        "przemysl-zasanie",
        "information",
        "ru",
        "Непонятно, куда обращаться за справкой, информации на стенде нет.",
        "answered",
    ),
    (
        "przemysl-lipowica",
        "information",
        "pl",
        "Nie wiadomo, w które dni punkt jest czynny, na stronie brak informacji.",
        "answered",
    ),
    (
        "przemysl-lipowica",
        "information",
        "uk",
        "Незрозуміло, які документи потрібні для довідки, на сайті інша інформація.",
        "received",
    ),
    (
        "przemysl-lipowica",
        "other",
        "pl",
        "Dziękuję za otwarcie punktu w Lipowicy, to duże ułatwienie.",
        "closed",
    ),
)


@dataclass
class FeedbackDemoReport:
    ratings_created: int = 0
    follow_ups_closed: int = 0
    complaints_created: int = 0
    reports_computed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.ratings_created or self.complaints_created or self.reports_computed)


def load_feedback_demo(*, now: dt.datetime | None = None) -> FeedbackDemoReport:
    """Ratings, follow-ups and complaints at each demo office present, and the map of pains."""
    now = now or timezone.now()
    report = FeedbackDemoReport()
    offices = list(Office.objects.filter(slug__in=DEMO_OFFICES).order_by("slug"))
    if not offices:
        return report
    with transaction.atomic():
        for office in offices:
            report.ratings_created += _ratings(office, now)
            report.follow_ups_closed += _close_some_follow_ups(office, now)
        if not Complaint.objects.filter(client_id__startswith="demo-complaint-").exists():
            report.complaints_created += _complaints(offices, now)
        changed = report.ratings_created or report.complaints_created
        for office in [None, *offices]:
            if changed or not PainReport.objects.filter(office=office).exists():
                compute_pains(office=office, days=DAYS, now=now)
                report.reports_computed += 1
    return report


# --- ratings ------------------------------------------------------------------------------------


def _ratings(office: Office, now: dt.datetime) -> int:
    count = VOLUME.get(office.slug, 0)
    prefix = f"demo-{office.slug}-"
    if Rating.objects.filter(client_id=f"{prefix}{count - 1}").exists():
        return 0  # the last one is there, so all are: nothing to do (and no time spent)
    rng = random.Random(f"{SEED}:{office.slug}")
    offered = list(Service.objects.filter(offices=office, is_active=True).order_by("code"))
    if not offered:
        return 0
    popular = [s for s in offered if s.code in POPULAR.get(office.slug, ())] or offered
    operators = list(
        Employee.objects.filter(offices=office, role=Role.OPERATOR, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    open_days = sorted({row.weekday for row in office.opening_hours.all()}) or [0, 1, 2, 3, 4]
    today = now.astimezone(office.zone).date()
    days = [
        today - dt.timedelta(days=back)
        for back in range(1, DAYS)
        if (today - dt.timedelta(days=back)).weekday() in open_days
    ]
    themes = THEMES.get(office.slug, {"praise": 1, "none": 2})
    existing = set(
        Rating.objects.filter(client_id__startswith=prefix).values_list("client_id", flat=True)
    )
    low_score = services.feedback_settings(office).low_score
    ratings = []
    for n in range(count):
        # Drawn for every n, stored or not: the same n always gets the same rating.
        theme = rng.choices(list(themes), weights=list(themes.values()))[0]
        language = rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
        service = rng.choice(popular) if rng.random() < 0.8 else rng.choice(offered)
        employee = _employee(rng, operators, theme)
        day = rng.choice(days)
        local = dt.datetime.combine(day, dt.time(9), tzinfo=office.zone) + dt.timedelta(
            minutes=rng.randrange(0, 7 * 60)
        )
        scores = _scores(rng, theme, office, service)
        mean = sum(scores.values()) / len(scores)
        recommend = _recommend(rng, mean) if rng.random() < 0.85 else None
        comment = _comment(rng, theme, language)
        if f"{prefix}{n}" in existing:
            continue
        rating = Rating(
            office=office,
            service=service,
            employee=employee,
            channel=Rating.Channel.TERMINAL,
            recommend=recommend,
            comment=comment,
            client_id=f"{prefix}{n}",
            visited_on=day,
            rated_at=local.astimezone(dt.UTC),
            **scores,
        )
        # The field rules `record_rating` applies (scores 1–5, recommend 0–10), checked here
        # without its per-row queries: a few hundred rows stored in one go.
        rating.clean_fields(exclude=["office", "service", "client_id"])
        ratings.append(rating)
    Rating.objects.bulk_create(ratings)
    # As `record_rating` does: a score at or below the office's low score opens a follow-up.
    stored = Rating.objects.filter(client_id__in=[r.client_id for r in ratings])
    FollowUp.objects.bulk_create(
        FollowUp(rating=rating, office=office, created_at=rating.rated_at)
        for rating in stored
        if rating.lowest <= low_score
    )
    return len(ratings)


def _employee(rng: random.Random, operators: list[Employee], theme: str) -> Employee | None:
    if theme == "rude":
        rude = next((e for e in operators if e.user.username == RUDE_EMPLOYEE), None)
        if rude is not None:
            return rude
    return rng.choice(operators) if operators else None


def _scores(rng: random.Random, theme: str, office: Office, service: Service) -> dict[str, int]:
    scores = {name: rng.choices((3, 4, 5), weights=(1, 4, 8))[0] for name in CRITERIA}
    if theme == "praise":
        return {name: rng.choices((4, 5), weights=(1, 5))[0] for name in CRITERIA}
    criterion = THEME_CRITERION.get(theme)
    if criterion is not None:
        scores[criterion] = rng.choices((1, 2, 3), weights=(3, 4, 2))[0]
    # Waiting for vehicle registration at Rynek is slow whether people write about it or not:
    # the hotspot the page should put first.
    if office.slug == "przemysl-rynek" and service.code == "D01" and theme == "none":
        scores["waiting_time"] = rng.choices((2, 3, 4, 5), weights=(3, 4, 2, 1))[0]
    return scores


def _recommend(rng: random.Random, mean: float) -> int:
    centre = 2.5 * mean - 2.5  # 1 -> 0, 5 -> 10
    return max(0, min(10, round(centre + rng.uniform(-1.5, 1.5))))


def _comment(rng: random.Random, theme: str, language: str) -> str:
    if theme == "none":
        return ""
    texts = COMMENTS[theme]
    language = language if language in texts else "pl"
    if theme == "praise":
        return rng.choice(texts[language])
    return (
        rng.choice(OPENINGS[language])
        + rng.choice(texts[language])
        + rng.choice(CLOSINGS[language])
    ).strip()


def _close_some_follow_ups(office: Office, now: dt.datetime) -> int:
    """The head has called back some of the unhappy visitors of the first weeks."""
    head = Employee.objects.filter(offices=office, role=Role.HEAD).order_by("pk").first()
    if head is None:
        return 0
    old = FollowUp.objects.filter(
        office=office,
        status=FollowUp.Status.OPEN,
        rating__client_id__startswith="demo-",
        created_at__lt=now - dt.timedelta(days=21),
    ).order_by("created_at", "pk")
    closed = 0
    for follow_up in old.select_related("rating"):
        # A third stays open (the list of follow-ups has work in it), chosen by the rating's
        # number so that loading again closes none of them.
        if int(follow_up.rating.client_id.rsplit("-", 1)[1]) % 3 == 2:
            continue
        services.close_follow_up(
            follow_up,
            employee=head,
            note="Oddzwoniono, przeproszono i wyjaśniono, co zmienimy (demo).",
            now=follow_up.created_at + dt.timedelta(days=2),
        )
        closed += 1
    return closed


# --- complaints ---------------------------------------------------------------------------------


def _complaints(offices: list[Office], now: dt.datetime) -> int:
    by_slug = {o.slug: o for o in offices}
    rng = random.Random(f"{SEED}:complaints")
    made = 0
    for index, (slug, category, language, text, outcome) in enumerate(COMPLAINTS):
        office = by_slug.get(slug)
        if office is None:
            continue
        head = Employee.objects.filter(offices=office, role=Role.HEAD).order_by("pk").first()
        # Open ones are recent (their deadline is ahead); settled ones are older.
        back = (
            rng.randrange(1, 12)
            if outcome in ("received", "in_review")
            else rng.randrange(14, DAYS)
        )
        received = now - dt.timedelta(days=back, hours=rng.randrange(0, 8))
        complaint = services.file_complaint(
            office,
            text=text,
            category=category,
            kind=Complaint.Kind.SUGGESTION if category == "other" else Complaint.Kind.COMPLAINT,
            channel=rng.choice([Complaint.Channel.PORTAL, Complaint.Channel.PAPER]),
            language=language,
            employee=head,
            client_id=f"demo-complaint-{index}",
            now=received,
        )
        made += 1
        if head is None or outcome == "received":
            continue
        later = received + dt.timedelta(days=1)
        services.start_review(complaint, employee=head, now=later)
        if outcome in ("answered", "closed"):
            services.answer_complaint(
                complaint,
                employee=head,
                answer="Dziękujemy. Sprawdziliśmy zgłoszenie i wprowadziliśmy zmiany (demo).",
                now=later + dt.timedelta(days=5),
            )
            if outcome == "closed":
                services.close_complaint(complaint, employee=head, now=later + dt.timedelta(days=9))
        elif outcome == "forwarded":
            services.forward_complaint(
                complaint, employee=head, to="Starostwo Powiatowe w Przemyślu", now=later
            )
        elif outcome == "rejected":
            services.reject_complaint(
                complaint,
                employee=head,
                reason="Skarga ponowna bez nowych okoliczności, KPA art. 239 (demo).",
                now=later,
            )
    return made
