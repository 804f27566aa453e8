"""The demo's back office: the units of Przemyśl's city office, routing and application rules, and
about sixty applications at every stage, so that the work lists and the citizen's page have
something to show after `okno demo`.

Who decides what follows okno/staff/demo/staff.json: Barbara Sikora (clerk.civil) heads the civil
registry office and the civic affairs department, Grzegorz Kaczmarek (clerk.vehicles) the transport
department, Natalia Bondarenko (clerk.social) the benefits and taxes department, and she also
works business registrations in civic affairs. Every service with a statutory term is routed:
some to a named clerk, the rest to their unit's pool.

Idempotent like the other demos: a unit is matched by its Polish name, a routing rule by service
and office, application rules by service, case settings by office; rows that exist are left as
they are (an administrator may have tuned them). Applications are registered, only while the
demo offices have none, through `okno.cases.services`, back-dated over the last six weeks with
`now=`: most are closed, some wait, a few are overdue or due soon on the day the demo is loaded.
Only a handful have a contact (an example.org address), so the outbox is not flooded.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from okno.cases import services
from okno.cases.models import (
    Case,
    CaseRules,
    CaseSettings,
    ProviderUnit,
    Routing,
)
from okno.catalog.models import Office, Service, ServicePoint
from okno.core import deadlines
from okno.core.calendar import WorkingCalendar
from okno.queueing.demo import DEMO_OFFICES
from okno.staff.models import Employee, Role

SEED = 6061
Status = Case.Status
Need = CaseRules.Need


@dataclass(frozen=True)
class UnitPlan:
    name: dict[str, str]
    groups: tuple[str, ...]  # the service groups (code letters) whose cases it decides
    head: str
    members: tuple[str, ...]


UNITS: tuple[UnitPlan, ...] = (
    UnitPlan(
        name={
            "pl": "Urząd Stanu Cywilnego",
            "uk": "Відділ реєстрації актів цивільного стану",
            "en": "Civil Registry Office",
            "ru": "Отдел записи актов гражданского состояния",
            "kk": "Азаматтық хал актілерін тіркеу бөлімі",
        },
        groups=("C",),
        head="clerk.civil",
        members=("clerk.civil",),
    ),
    UnitPlan(
        name={
            "pl": "Wydział Komunikacji",
            "uk": "Відділ транспорту",
            "en": "Transport Department",
            "ru": "Транспортный отдел",
            "kk": "Көлік бөлімі",
        },
        groups=("D",),
        head="clerk.vehicles",
        members=("clerk.vehicles",),
    ),
    UnitPlan(
        name={
            "pl": "Wydział Świadczeń i Podatków",
            "uk": "Відділ соціальних виплат і податків",
            "en": "Benefits and Taxes Department",
            "ru": "Отдел социальных выплат и налогов",
            "kk": "Әлеуметтік төлемдер және салықтар бөлімі",
        },
        groups=("F", "G"),
        head="clerk.social",
        members=("clerk.social",),
    ),
    # Identity documents, the registration certificate and business registrations have no unit
    # among the three above; in Polish city offices a civic affairs department decides them.
    UnitPlan(
        name={
            "pl": "Wydział Spraw Obywatelskich i Działalności Gospodarczej",
            "uk": "Відділ у справах громадян і підприємництва",
            "en": "Civic Affairs and Business Department",
            "ru": "Отдел по делам граждан и предпринимательства",
            "kk": "Азаматтар істері және кәсіпкерлік бөлімі",
        },
        groups=("A", "B", "E"),
        head="clerk.civil",
        members=("clerk.civil", "clerk.social"),
    ),
)

#: Services whose cases go straight to a named clerk; every other service with a term goes to
#: its unit's pool.
ASSIGNED = {
    "A03": "clerk.civil",
    "C03": "clerk.civil",
    "C05": "clerk.civil",
    "C06": "clerk.civil",
    "D01": "clerk.vehicles",
    "D02": "clerk.vehicles",
    "E01": "clerk.social",
    "E02": "clerk.social",
    "F02": "clerk.social",
    "G04": "clerk.social",
    "G05": "clerk.social",
    "G06": "clerk.social",
}
#: Rules for one office, which win over the service's rule for every office: the large family
#: cards of Zasanie go to the clerk who also works there.
OFFICE_ASSIGNED = {("F01", "przemysl-zasanie"): "clerk.social"}
#: Who works a pool case of a service group when the demo moves it on.
WORKER = {
    "A": "clerk.civil",
    "B": "clerk.civil",
    "C": "clerk.civil",
    "D": "clerk.vehicles",
    "E": "clerk.social",
    "F": "clerk.social",
    "G": "clerk.social",
}

PESEL = {
    "pl": "PESEL",
    "uk": "номер PESEL",
    "en": "PESEL number",
    "ru": "номер PESEL",
    "kk": "PESEL нөмірі",
}
VIN = {
    "pl": "numer VIN pojazdu",
    "uk": "VIN-код транспортного засобу",
    "en": "vehicle VIN",
    "ru": "VIN-код транспортного средства",
    "kk": "көліктің VIN коды",
}
#: service code -> its application rules (the defaults for the rest: name required, contact
#: optional, no identifier, the term pauses while waiting).
RULES: dict[str, dict[str, object]] = {
    "A01": {"identifier": Need.REQUIRED, "identifier_label": PESEL},
    "A03": {"identifier": Need.REQUIRED, "identifier_label": PESEL},
    "D01": {"identifier": Need.REQUIRED, "identifier_label": VIN},
    "D02": {"identifier": Need.REQUIRED, "identifier_label": VIN},
    "F01": {"identifier": Need.OPTIONAL, "identifier_label": PESEL},
    # A tax certificate is due in seven days whatever the office waits for.
    "G02": {"pause_for_agency": False},
}


@dataclass(frozen=True)
class Story:
    """One application: where, for what, how far it got, and when it was handed in.

    `back` is how many days ago it was registered; for "overdue" and "due_soon" the day is
    chosen instead so that the deadline falls where the name says on the day of loading.
    """

    office: str
    service: str
    outcome: str
    back: int = 0
    language: str = "pl"
    contact: bool = False
    channel: str = Case.Channel.IN_PERSON


STORIES: tuple[Story, ...] = (
    # Przemyśl, Rynek: the big centre.
    Story("przemysl-rynek", "A01", "closed", 40),
    Story("przemysl-rynek", "A01", "closed", 33, contact=True),
    Story("przemysl-rynek", "C02", "closed", 38),
    Story("przemysl-rynek", "C02", "closed_post", 30, "uk", channel=Case.Channel.POST),
    Story("przemysl-rynek", "D01", "closed", 41),
    Story("przemysl-rynek", "D01", "closed", 26),
    Story("przemysl-rynek", "D02", "closed_post", 35),
    Story("przemysl-rynek", "D04", "closed", 37),
    Story("przemysl-rynek", "D05", "closed", 24),
    Story("przemysl-rynek", "E01", "closed_online", 39, channel=Case.Channel.ONLINE),
    Story("przemysl-rynek", "F01", "closed", 36),
    Story("przemysl-rynek", "F04", "closed", 29),
    Story("przemysl-rynek", "G02", "closed", 34),
    Story("przemysl-rynek", "G02", "refused", 27),
    Story("przemysl-rynek", "C06", "closed_late", 42, "uk"),
    Story("przemysl-rynek", "F05", "closed", 31),
    Story("przemysl-rynek", "B04", "closed", 22, "en"),
    Story("przemysl-rynek", "A03", "withdrawn", 20),
    Story("przemysl-rynek", "A01", "missing_document", 8),
    Story("przemysl-rynek", "A03", "ready", 28, contact=True),
    Story("przemysl-rynek", "D01", "overdue"),
    Story("przemysl-rynek", "D01", "noted", 6),
    Story("przemysl-rynek", "D04", "due_soon"),
    Story("przemysl-rynek", "D05", "sent", 1),
    Story("przemysl-rynek", "C02", "sent", 2, "uk"),
    Story("przemysl-rynek", "C05", "waiting_agency", 12),
    Story("przemysl-rynek", "C06", "waiting_applicant", 10, "uk", contact=True),
    Story("przemysl-rynek", "F02", "overdue", channel=Case.Channel.POST),
    Story("przemysl-rynek", "F03", "in_progress", 15),
    Story("przemysl-rynek", "G06", "waiting_agency", 9),
    Story("przemysl-rynek", "E03", "decided", 16),
    Story("przemysl-rynek", "D02", "issued", 18),
    Story("przemysl-rynek", "G04", "ready", 9),
    Story("przemysl-rynek", "F01", "resumed", 20),
    Story("przemysl-rynek", "D04", "back_to_pool", 5),
    # Przemyśl, Zasanie: the branch.
    Story("przemysl-zasanie", "A01", "closed", 39),
    Story("przemysl-zasanie", "C02", "closed", 32),
    Story("przemysl-zasanie", "F01", "closed", 30, "uk"),
    Story("przemysl-zasanie", "G05", "closed", 40),
    Story("przemysl-zasanie", "B04", "closed", 25),
    Story("przemysl-zasanie", "E02", "closed_online", 23, channel=Case.Channel.ONLINE),
    Story("przemysl-zasanie", "F04", "withdrawn", 17),
    Story("przemysl-zasanie", "G02", "closed_post", 21, "ru"),
    Story("przemysl-zasanie", "C02", "overdue_pool"),
    Story("przemysl-zasanie", "A01", "due_soon_pool"),
    Story("przemysl-zasanie", "F03", "waiting_applicant", 7, "uk"),
    Story("przemysl-zasanie", "F02", "in_progress", 4),
    Story("przemysl-zasanie", "F01", "sent", 1),
    Story("przemysl-zasanie", "G06", "decided", 14),
    Story("przemysl-zasanie", "A01", "ready", 26, contact=True),
    Story("przemysl-zasanie", "B04", "in_progress", 3),
    # Przemyśl, Lipowica: the remote workplace, open on Tuesdays and Thursdays.
    Story("przemysl-lipowica", "B04", "closed", 36),
    Story("przemysl-lipowica", "C02", "closed", 29),
    Story("przemysl-lipowica", "F04", "closed", 22),
    Story("przemysl-lipowica", "G02", "closed", 15),
    Story("przemysl-lipowica", "F01", "in_progress", 9),
    Story("przemysl-lipowica", "F02", "waiting_applicant", 13),
    Story("przemysl-lipowica", "C02", "ready", 8),
    Story("przemysl-lipowica", "G02", "due_soon"),
    Story("przemysl-lipowica", "F04", "sent", 2, "uk", contact=True),
)

#: Outcomes whose case the back office never touches (it waits in the pool or with its clerk).
UNTOUCHED = ("sent", "overdue_pool", "due_soon_pool")
#: Outcomes registered on a day chosen for where the deadline falls.
OVERDUE = ("overdue", "overdue_pool")
DUE_SOON = ("due_soon", "due_soon_pool")

WAITING_APPLICANT = {
    "C06": "Brak tłumaczenia przysięgłego zagranicznego aktu urodzenia; wezwano do uzupełnienia.",
    "F03": "Brak zaświadczenia lekarskiego o opiece medycznej od 10. tygodnia ciąży.",
    "F02": "Brak deklaracji o dochodach członków gospodarstwa domowego za ostatnie trzy miesiące.",
    "F01": "Brak aktualnych zdjęć członków rodziny do kart.",
}
WAITING_AGENCY = {
    "C05": "Oczekiwanie na odpis zupełny aktu urodzenia z USC w Krakowie.",
    "G06": "Oczekiwanie na uzgodnienie z Regionalną Dyrekcją Ochrony Środowiska w Rzeszowie.",
}
WAITING_FALLBACK = "Wezwano do uzupełnienia braków formalnych wniosku."
WITHDRAWN = "Wnioskodawca wycofał wniosek na piśmie."
REFUSED = "Zaległość w podatku od nieruchomości za bieżący rok (art. 306e Ordynacji podatkowej)."
BACK_TO_POOL = "Urlop wypoczynkowy; sprawa wraca do puli wydziału."
NOTE = "Wnioskodawca pytał telefonicznie o termin; poinformowano o statusie sprawy."
MISSING = "Dokument zostanie doniesiony w ciągu 7 dni (wnioskodawca w szpitalu)."

FIRST_NAMES = {
    "pl": (
        ("Anna", "f"),
        ("Maria", "f"),
        ("Małgorzata", "f"),
        ("Ewa", "f"),
        ("Magdalena", "f"),
        ("Zofia", "f"),
        ("Aleksandra", "f"),
        ("Monika", "f"),
        ("Jan", "m"),
        ("Andrzej", "m"),
        ("Michał", "m"),
        ("Marcin", "m"),
        ("Stanisław", "m"),
        ("Jakub", "m"),
        ("Adam", "m"),
        ("Wojciech", "m"),
    ),
    "uk": (
        ("Oksana", "f"),
        ("Olha", "f"),
        ("Tetiana", "f"),
        ("Switłana", "f"),
        ("Andrij", "m"),
        ("Ołeksandr", "m"),
        ("Serhij", "m"),
        ("Taras", "m"),
    ),
    "ru": (("Jelena", "f"), ("Dmitrij", "m")),
    "en": (("Emily", "f"), ("James", "m")),
}
#: (men's form, women's form).
SURNAMES = {
    "pl": (
        ("Kowalski", "Kowalska"),
        ("Lewandowski", "Lewandowska"),
        ("Kamiński", "Kamińska"),
        ("Dąbrowski", "Dąbrowska"),
        ("Kozłowski", "Kozłowska"),
        ("Jankowski", "Jankowska"),
        ("Kwiatkowski", "Kwiatkowska"),
        ("Piotrowski", "Piotrowska"),
        ("Grabowski", "Grabowska"),
        ("Pawłowski", "Pawłowska"),
        ("Woźniak", "Woźniak"),
        ("Baran", "Baran"),
    ),
    "uk": (
        ("Szewczenko", "Szewczenko"),
        ("Tkaczenko", "Tkaczenko"),
        ("Kowałenko", "Kowałenko"),
        ("Boiko", "Boiko"),
        ("Hnatiuk", "Hnatiuk"),
    ),
    "ru": (("Morozow", "Morozowa"), ("Wołkow", "Wołkowa")),
    "en": (("Carter", "Carter"), ("Walker", "Walker")),
}


@dataclass
class CasesDemoReport:
    units_created: int = 0
    routings_created: int = 0
    rules_created: int = 0
    settings_created: int = 0
    cases_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.units_created
            or self.routings_created
            or self.rules_created
            or self.settings_created
            or self.cases_created
        )


def load_cases_demo(*, now: dt.datetime | None = None) -> CasesDemoReport:
    """Units, routing, rules and settings for the demo offices present, and their applications."""
    now = now or timezone.now()
    report = CasesDemoReport()
    offices = {o.slug: o for o in Office.objects.filter(slug__in=DEMO_OFFICES)}
    if not offices:
        return report
    staff = {
        e.user.username: e
        for e in Employee.objects.filter(user__is_active=True).select_related("user")
    }
    services_with_term = list(
        Service.objects.filter(offices__in=offices.values())
        .exclude(term_unit=Service.TermUnit.ON_THE_SPOT)
        .select_related("group")
        .prefetch_related("offices")
        .distinct()
        .order_by("code")
    )
    with transaction.atomic():
        units = _units(services_with_term, offices, staff, report)
        _routing(services_with_term, offices, units, staff, report)
        _rules(services_with_term, report)
        for office in offices.values():
            _created, made = CaseSettings.objects.get_or_create(
                office=office,
                defaults={"alert_working_days_before": 2, "max_file_mb": 10},
            )
            report.settings_created += made
        if not Case.objects.filter(office__in=offices.values()).exists():
            report.cases_created = _cases(offices, staff, now)
    return report


# --- set-up --------------------------------------------------------------------------------------


def _units(
    services_with_term: list[Service],
    offices: dict[str, Office],
    staff: dict[str, Employee],
    report: CasesDemoReport,
) -> dict[str, ProviderUnit]:
    """group letter -> its unit, made when no unit has its Polish name."""
    by_name = {(unit.name or {}).get("pl"): unit for unit in ProviderUnit.objects.all()}
    by_group: dict[str, ProviderUnit] = {}
    for plan in UNITS:
        unit = by_name.get(plan.name["pl"])
        if unit is None:
            unit = ProviderUnit.objects.create(name=plan.name, head=staff.get(plan.head))
            served = {
                office.pk
                for service in services_with_term
                if service.group.prefix in plan.groups
                for office in service.offices.all()
                if office.slug in offices
            }
            unit.offices.set(sorted(served))
            unit.members.set([staff[name] for name in plan.members if name in staff])
            report.units_created += 1
        for group in plan.groups:
            by_group[group] = unit
    return by_group


def _routing(
    services_with_term: list[Service],
    offices: dict[str, Office],
    units: dict[str, ProviderUnit],
    staff: dict[str, Employee],
    report: CasesDemoReport,
) -> None:
    for service in services_with_term:
        unit = units.get(service.group.prefix)
        if unit is None:
            continue
        if not Routing.objects.filter(service=service, office__isnull=True).exists():
            Routing.objects.create(
                service=service, unit=unit, assignee=staff.get(ASSIGNED.get(service.code, ""))
            )
            report.routings_created += 1
    for (code, slug), username in OFFICE_ASSIGNED.items():
        service = next((s for s in services_with_term if s.code == code), None)
        office = offices.get(slug)
        unit = units.get(code[0])
        if service is None or office is None or unit is None:
            continue
        if not Routing.objects.filter(service=service, office=office).exists():
            Routing.objects.create(
                service=service, office=office, unit=unit, assignee=staff.get(username)
            )
            report.routings_created += 1


def _rules(services_with_term: list[Service], report: CasesDemoReport) -> None:
    by_code = {service.code: service for service in services_with_term}
    for code, rules in RULES.items():
        service = by_code.get(code)
        if service is not None:
            _rules_row, made = CaseRules.objects.get_or_create(service=service, defaults=rules)
            report.rules_created += made


# --- applications --------------------------------------------------------------------------------


@dataclass
class _Planned:
    story: Story
    office: Office
    service: Service
    registered_at: dt.datetime
    rng: random.Random


def _cases(offices: dict[str, Office], staff: dict[str, Employee], now: dt.datetime) -> int:
    calendars = {slug: WorkingCalendar(office) for slug, office in offices.items()}
    services_by_code = {
        service.code: service
        for service in Service.objects.filter(code__in={s.service for s in STORIES})
    }
    planned: list[_Planned] = []
    for index, story in enumerate(STORIES):
        office, service = offices.get(story.office), services_by_code.get(story.service)
        if office is None or service is None or not service.offices.filter(pk=office.pk).exists():
            continue
        rng = random.Random(f"{SEED}:{index}")
        day = _registration_day(story, office, service, calendars[story.office], now)
        planned.append(
            _Planned(story, office, service, _during_hours(calendars[story.office], day, rng), rng)
        )
    windows = {
        slug: sorted(
            employee.user.username
            for employee in Employee.objects.filter(
                offices=office, role=Role.OPERATOR, user__is_active=True
            ).select_related("user")
        )
        for slug, office in offices.items()
    }
    # Registered in the order they came in, so that case numbers grow with time.
    planned.sort(key=lambda p: p.registered_at)
    for number, plan in enumerate(planned, start=1):
        at_window = _front_office(plan.story, windows[plan.story.office], staff, plan.rng)
        # The services write the received documents' names, and the office's and service's
        # names in messages, in the active language: make it the applicant's.
        with translation.override(plan.story.language):
            case = _register(plan, number, at_window)
            if plan.story.outcome not in UNTOUCHED:
                _move_on(case, plan, calendars[plan.story.office], staff, at_window, now)
    return len(planned)


def _register(plan: _Planned, number: int, clerk_at_window: Employee | None) -> Case:
    """The application as the window took it: every document, or one missing with the reason."""
    story, service, rng = plan.story, plan.service, plan.rng
    checklist = services.checklist(service)
    documents = {doc.pk: doc.form for doc in checklist}
    missing = ""
    mandatory = [doc.pk for doc in checklist if doc.mandatory]
    if story.outcome == "missing_document" and mandatory:
        documents.pop(mandatory[-1])
        missing = MISSING
    return services.register_case(
        plan.office,
        service,
        employee=clerk_at_window,
        documents=documents,
        applicant_name=_name(story.language, rng),
        contact=f"wnioskodawca{number}@example.org" if story.contact else "",
        identifier=_identifier(services.case_rules(service), rng),
        missing_reason=missing,
        channel=story.channel,
        language=story.language,
        now=plan.registered_at,
    )


def _move_on(
    case: Case,
    plan: _Planned,
    calendar: WorkingCalendar,
    staff: dict[str, Employee],
    clerk_at_window: Employee | None,
    now: dt.datetime,
) -> None:
    """Take the case as far as its story goes: the back office works it, the window hands out."""
    office, service, rng = plan.office, plan.service, plan.rng
    clock = _Clock(office, calendar, plan.registered_at, now, rng)
    worker = case.assignee or staff.get(WORKER.get(service.code[0], ""))
    first = 0 if _quick(service) else 1
    if case.assignee is None and worker is not None and services.is_unit_member(worker, case):
        services.take_case(case, employee=worker, now=clock.after(first))
        first = 0
    step = _Stepper(case, worker, clerk_at_window, clock)
    step(Status.IN_PROGRESS, days=first)
    outcome = plan.story.outcome
    if outcome in ("in_progress", "overdue", "due_soon", "missing_document"):
        return
    if outcome in ("noted", "back_to_pool"):
        if worker is not None and outcome == "noted":
            services.add_note(case, employee=worker, note=NOTE, now=clock.after(1))
        elif worker is not None:
            services.assign_case(
                step.case, None, employee=worker, reason=BACK_TO_POOL, now=clock.after(1)
            )
        return
    waiting_for = WAITING_APPLICANT.get(service.code, WAITING_FALLBACK)
    if outcome == "waiting_applicant":
        step(Status.WAITING_APPLICANT, days=1, reason=waiting_for)
        return
    if outcome == "waiting_agency":
        step(Status.WAITING_AGENCY, days=1, reason=WAITING_AGENCY.get(service.code, waiting_for))
        return
    if outcome == "resumed":
        step(Status.WAITING_APPLICANT, days=1, reason=waiting_for)
        step(Status.IN_PROGRESS, days=4)
        return
    if outcome == "withdrawn":
        step(Status.WITHDRAWN, days=2, reason=WITHDRAWN, by_window=True)
        return
    if outcome == "closed_late":
        late = calendar.working_days_between(clock.day, case.deadline) + 2
        step(Status.DECIDED, days=max(late, 1), decision=Case.Decision.GRANTED)
    elif outcome == "refused":
        step(Status.DECIDED, days=_decide_after(service), decision=Case.Decision.REFUSED)
    else:
        step(Status.DECIDED, days=_decide_after(service), decision=Case.Decision.GRANTED)
    if outcome == "decided":
        return
    if outcome in ("closed_post", "refused"):
        step(Status.ISSUED, days=1, delivery=Case.Delivery.POST)
    elif outcome == "closed_online":
        step(Status.ISSUED, days=0, delivery=Case.Delivery.ELECTRONIC)
    else:
        step(Status.READY, days=1, pickup_point=_window(office, service, rng))
        if outcome == "ready":
            return
        step(Status.ISSUED, days=2, by_window=True)
        if outcome == "issued":
            return
    step(Status.CLOSED, days=0, by_window=True)


class _Clock:
    """Back-dated moments for a case's steps: on working days, in office hours, one after the
    other, and never later than the moment the demo is loaded."""

    def __init__(
        self,
        office: Office,
        calendar: WorkingCalendar,
        start: dt.datetime,
        now: dt.datetime,
        rng: random.Random,
    ) -> None:
        self.office, self.calendar, self.rng = office, calendar, rng
        self.last = start
        self.latest = now - dt.timedelta(minutes=30)

    @property
    def day(self) -> dt.date:
        return self.last.astimezone(self.office.zone).date()

    def after(self, working_days: int) -> dt.datetime:
        day = self.calendar.add_working_days(self.day, working_days)
        local = dt.datetime.combine(day, dt.time(9), tzinfo=self.office.zone)
        moment = local + dt.timedelta(minutes=self.rng.randrange(0, 6 * 60))
        moment = max(min(moment, self.latest), self.last + dt.timedelta(minutes=2))
        self.last = moment
        return moment


class _Stepper:
    """Moves one case through the status table: the back office decides, the window hands out."""

    def __init__(
        self, case: Case, worker: Employee | None, window: Employee | None, clock: _Clock
    ) -> None:
        self.case, self.worker, self.window, self.clock = case, worker, window, clock

    def __call__(self, to: str, *, days: int, by_window: bool = False, **step: Any) -> None:
        if to == Status.DECIDED and step.get("decision") == Case.Decision.REFUSED:
            step["reason"] = REFUSED
        self.case = services.transition(
            self.case,
            to,
            employee=self.window if by_window else self.worker,
            now=self.clock.after(days),
            **step,
        )


def _registration_day(
    story: Story, office: Office, service: Service, calendar: WorkingCalendar, now: dt.datetime
) -> dt.date:
    today = now.astimezone(office.zone).date()
    open_days = [
        today - dt.timedelta(days=back)
        for back in range(1, 64)
        if calendar.day(today - dt.timedelta(days=back)).open
    ]
    if story.outcome in OVERDUE or story.outcome in DUE_SOON:
        if story.outcome in OVERDUE:
            low, high = today - dt.timedelta(days=12), today - dt.timedelta(days=1)
            target = today - dt.timedelta(days=4)
        else:
            lead = services.case_settings(office).alert_working_days_before
            low, high = today, calendar.add_working_days(today, lead)
            target = high
        dues = {
            day: deadlines.due_date(calendar, day, service.term_value, service.term_unit)
            for day in open_days
        }
        fitting = [day for day, due in dues.items() if low <= due <= high]
        # Should no day fit (holidays), the nearest miss still makes a case to look at.
        chosen = fitting or list(dues)
        return min(chosen, key=lambda day: (abs((dues[day] - target).days), -day.toordinal()))
    wanted = today - dt.timedelta(days=story.back)
    return next((day for day in open_days if day <= wanted), open_days[-1])


def _during_hours(calendar: WorkingCalendar, day: dt.date, rng: random.Random) -> dt.datetime:
    opens, closes = calendar.day(day).intervals[0]
    start = dt.datetime.combine(day, opens, tzinfo=calendar.office.zone)
    span = (dt.datetime.combine(day, closes) - dt.datetime.combine(day, opens)).seconds // 60
    return start + dt.timedelta(minutes=15 + rng.randrange(0, max(span - 60, 1)))


def _front_office(
    story: Story, operators: list[str], staff: dict[str, Employee], rng: random.Random
) -> Employee | None:
    """Who took the application at the window (and hands out the result)."""
    # The specialist windows of Rynek take their own services; elsewhere whoever is at a window.
    special = {"D": "operator.pawel", "C": "operator.agnieszka"}
    names = operators
    if story.office == "przemysl-rynek" and special.get(story.service[0]) in operators:
        names = [special[story.service[0]]]
    elif story.office == "przemysl-rynek" and story.language == "uk" and "operator.olena" in names:
        names = ["operator.olena"]
    present = [staff[name] for name in names if name in staff]
    return rng.choice(present) if present else None


def _window(office: Office, service: Service, rng: random.Random) -> ServicePoint | None:
    points = list(ServicePoint.objects.filter(office=office, is_active=True).order_by("number"))
    if not points:
        return None
    # At Rynek vehicles and civil records have their own windows (6 and 7).
    special = {"D": 6, "C": 7} if office.slug == "przemysl-rynek" else {}
    wanted = special.get(service.code[0])
    chosen = [p for p in points if p.number == wanted] or points[:3]
    return rng.choice(chosen)


def _decide_after(service: Service) -> int:
    """Working days from taking the case to the decision: well within the term."""
    if service.term_unit == Service.TermUnit.WORKING_DAYS:
        return max(service.term_value - 3, 1)
    return max(round(service.term_value * 0.45 * 5 / 7) - 1, 1)


def _quick(service: Service) -> bool:
    # A one-working-day term (business registration) is taken the day it comes in.
    return service.term_unit == Service.TermUnit.WORKING_DAYS and service.term_value <= 1


def _name(language: str, rng: random.Random) -> str:
    first, gender = rng.choice(FIRST_NAMES.get(language, FIRST_NAMES["pl"]))
    men, women = rng.choice(SURNAMES.get(language, SURNAMES["pl"]))
    return f"{first} {women if gender == 'f' else men}"


def _identifier(rules: CaseRules, rng: random.Random) -> str:
    if rules.identifier != Need.REQUIRED:
        return ""
    if (rules.identifier_label or {}).get("pl") == VIN["pl"]:
        # VINs never contain the letter O: this one cannot be a real vehicle's.
        return f"DEMO{rng.randrange(10**12, 10**13)}"
    return _fake_pesel(rng)


def _fake_pesel(rng: random.Random) -> str:
    """Eleven digits shaped like a PESEL with a wrong check digit: no real person's number."""
    digits = [
        *divmod(rng.randrange(50, 100), 10),
        *divmod(rng.randrange(1, 13), 10),
        *divmod(rng.randrange(1, 29), 10),
        *(rng.randrange(10) for _ in range(4)),
    ]
    check = (
        10 - sum(w * d for w, d in zip((1, 3, 7, 9, 1, 3, 7, 9, 1, 3), digits, strict=True)) % 10
    ) % 10
    return "".join(map(str, digits)) + str((check + 1 + rng.randrange(9)) % 10)
