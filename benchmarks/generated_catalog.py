"""A large, deterministic, realistic-looking catalogue document for benchmarks (uk, en, pl)."""

from __future__ import annotations

import random
from typing import Any

# (prefix, name {uk, en, pl}, subjects); a subject is (slug, name, keywords), each {uk, en, pl}.
GROUPS: list[tuple[str, dict[str, str], list[tuple[str, dict[str, str], dict[str, str]]]]] = [
    (
        "A",
        {
            "uk": "Паспорти та документи, що посвідчують особу",
            "en": "Passports and identity documents",
            "pl": "Paszporty i dokumenty tożsamości",
        },
        [
            (
                "id-card",
                {
                    "uk": "Паспорт громадянина України у формі ID-картки",
                    "en": "Identity card passport of a citizen of Ukraine",
                    "pl": "Dowód osobisty obywatela Ukrainy (karta ID)",
                },
                {
                    "uk": "паспорт, ID-картка, посвідчення особи",
                    "en": "passport, ID card, identity",
                    "pl": "dowód osobisty, paszport, tożsamość",
                },
            ),
            (
                "travel-passport",
                {
                    "uk": "Паспорт для виїзду за кордон",
                    "en": "Passport for travelling abroad",
                    "pl": "Paszport zagraniczny",
                },
                {
                    "uk": "закордонний паспорт, виїзд, подорож",
                    "en": "passport, travel, abroad",
                    "pl": "paszport, wyjazd, podróż",
                },
            ),
            (
                "residence-permit",
                {
                    "uk": "Посвідка на постійне проживання",
                    "en": "Permanent residence permit",
                    "pl": "Karta stałego pobytu",
                },
                {
                    "uk": "посвідка, іноземець, проживання",
                    "en": "residence permit, foreigner",
                    "pl": "karta pobytu, cudzoziemiec",
                },
            ),
        ],
    ),
    (
        "B",
        {
            "uk": "Реєстрація місця проживання",
            "en": "Registration of residence",
            "pl": "Meldunek",
        },
        [
            (
                "residence",
                {
                    "uk": "Реєстрація місця проживання",
                    "en": "Registration of the place of residence",
                    "pl": "Zameldowanie na pobyt stały",
                },
                {
                    "uk": "прописка, реєстрація, адреса",
                    "en": "address, residence, registration",
                    "pl": "zameldowanie, meldunek, adres",
                },
            ),
            (
                "deregistration",
                {
                    "uk": "Зняття з реєстрації місця проживання",
                    "en": "Deregistration of the place of residence",
                    "pl": "Wymeldowanie z pobytu stałego",
                },
                {
                    "uk": "виписка, зняття з реєстрації",
                    "en": "deregistration, moving out",
                    "pl": "wymeldowanie, przeprowadzka",
                },
            ),
            (
                "household",
                {
                    "uk": "Довідка про склад сім'ї",
                    "en": "Certificate of household composition",
                    "pl": "Zaświadczenie o składzie rodziny",
                },
                {
                    "uk": "довідка, сім'я, склад сім'ї",
                    "en": "household, family, certificate",
                    "pl": "rodzina, zaświadczenie",
                },
            ),
        ],
    ),
    (
        "C",
        {
            "uk": "Реєстрація актів цивільного стану",
            "en": "Civil registration",
            "pl": "Akta stanu cywilnego",
        },
        [
            (
                "birth",
                {
                    "uk": "Державна реєстрація народження",
                    "en": "Registration of a birth",
                    "pl": "Rejestracja urodzenia",
                },
                {
                    "uk": "народження, дитина, свідоцтво про народження",
                    "en": "birth, child, birth certificate",
                    "pl": "urodzenie, dziecko, akt urodzenia",
                },
            ),
            (
                "marriage",
                {
                    "uk": "Державна реєстрація шлюбу",
                    "en": "Registration of a marriage",
                    "pl": "Rejestracja małżeństwa",
                },
                {
                    "uk": "шлюб, весілля",
                    "en": "marriage, wedding",
                    "pl": "ślub, małżeństwo",
                },
            ),
            (
                "death",
                {
                    "uk": "Державна реєстрація смерті",
                    "en": "Registration of a death",
                    "pl": "Rejestracja zgonu",
                },
                {
                    "uk": "смерть, поховання",
                    "en": "death, funeral",
                    "pl": "zgon, pogrzeb",
                },
            ),
            (
                "name-change",
                {
                    "uk": "Зміна імені",
                    "en": "Change of name",
                    "pl": "Zmiana imienia lub nazwiska",
                },
                {
                    "uk": "прізвище, ім'я, зміна",
                    "en": "surname, name change",
                    "pl": "nazwisko, imię, zmiana",
                },
            ),
        ],
    ),
    (
        "D",
        {"uk": "Соціальний захист", "en": "Social support", "pl": "Pomoc społeczna"},
        [
            (
                "housing-subsidy",
                {
                    "uk": "Житлова субсидія",
                    "en": "Housing subsidy",
                    "pl": "Dodatek mieszkaniowy",
                },
                {
                    "uk": "субсидія, комунальні послуги",
                    "en": "subsidy, utilities, housing",
                    "pl": "dodatek, czynsz, media",
                },
            ),
            (
                "birth-allowance",
                {
                    "uk": "Допомога при народженні дитини",
                    "en": "Childbirth allowance",
                    "pl": "Becikowe (zapomoga z tytułu urodzenia dziecka)",
                },
                {
                    "uk": "допомога, народження, виплата",
                    "en": "allowance, birth, benefit",
                    "pl": "becikowe, zasiłek, świadczenie",
                },
            ),
            (
                "large-family",
                {
                    "uk": "Посвідчення багатодітної родини",
                    "en": "Large family card",
                    "pl": "Karta Dużej Rodziny",
                },
                {
                    "uk": "багатодітна сім'я, пільги",
                    "en": "large family, discounts",
                    "pl": "duża rodzina, zniżki",
                },
            ),
        ],
    ),
    (
        "E",
        {
            "uk": "Транспорт і водійські посвідчення",
            "en": "Vehicles and driving",
            "pl": "Pojazdy i prawo jazdy",
        },
        [
            (
                "driving-licence",
                {
                    "uk": "Посвідчення водія",
                    "en": "Driving licence",
                    "pl": "Prawo jazdy",
                },
                {
                    "uk": "водійське посвідчення, права",
                    "en": "driving licence, driver",
                    "pl": "prawo jazdy, kierowca",
                },
            ),
            (
                "vehicle",
                {
                    "uk": "Реєстрація транспортного засобу",
                    "en": "Registration of a vehicle",
                    "pl": "Rejestracja pojazdu",
                },
                {
                    "uk": "автомобіль, номерні знаки",
                    "en": "car, number plates",
                    "pl": "samochód, tablice rejestracyjne",
                },
            ),
            (
                "parking",
                {
                    "uk": "Дозвіл на паркування для мешканців",
                    "en": "Residents' parking permit",
                    "pl": "Abonament parkingowy dla mieszkańców",
                },
                {
                    "uk": "паркування, стоянка",
                    "en": "parking, permit",
                    "pl": "parkowanie, abonament",
                },
            ),
        ],
    ),
    (
        "F",
        {"uk": "Підприємництво", "en": "Business", "pl": "Działalność gospodarcza"},
        [
            (
                "sole-trader",
                {
                    "uk": "Реєстрація фізичної особи — підприємця",
                    "en": "Registration of a sole trader",
                    "pl": "Rejestracja jednoosobowej działalności gospodarczej",
                },
                {
                    "uk": "ФОП, підприємець, бізнес",
                    "en": "sole trader, self-employed, business",
                    "pl": "CEIDG, firma, działalność",
                },
            ),
            (
                "company",
                {
                    "uk": "Реєстрація юридичної особи",
                    "en": "Registration of a company",
                    "pl": "Rejestracja spółki",
                },
                {
                    "uk": "ТОВ, компанія, статут",
                    "en": "company, limited liability",
                    "pl": "spółka, KRS",
                },
            ),
            (
                "alcohol-licence",
                {
                    "uk": "Ліцензія на роздрібну торгівлю алкогольними напоями",
                    "en": "Licence for retail sale of alcohol",
                    "pl": "Zezwolenie na sprzedaż napojów alkoholowych",
                },
                {
                    "uk": "ліцензія, алкоголь, торгівля",
                    "en": "licence, alcohol, shop",
                    "pl": "koncesja, alkohol, sklep",
                },
            ),
        ],
    ),
    (
        "G",
        {"uk": "Земля та нерухомість", "en": "Land and property", "pl": "Grunty i nieruchomości"},
        [
            (
                "property-title",
                {
                    "uk": "Державна реєстрація права власності на нерухоме майно",
                    "en": "Registration of title to real estate",
                    "pl": "Wpis prawa własności do księgi wieczystej",
                },
                {
                    "uk": "квартира, будинок, право власності",
                    "en": "flat, house, ownership",
                    "pl": "mieszkanie, dom, księga wieczysta",
                },
            ),
            (
                "cadastre-extract",
                {
                    "uk": "Витяг з Державного земельного кадастру",
                    "en": "Extract from the land cadastre",
                    "pl": "Wypis z rejestru gruntów",
                },
                {
                    "uk": "земельна ділянка, кадастр",
                    "en": "land plot, cadastre",
                    "pl": "działka, ewidencja gruntów",
                },
            ),
        ],
    ),
    (
        "H",
        {"uk": "Будівництво", "en": "Construction", "pl": "Budownictwo"},
        [
            (
                "building-permit",
                {
                    "uk": "Дозвіл на виконання будівельних робіт",
                    "en": "Building permit",
                    "pl": "Pozwolenie na budowę",
                },
                {
                    "uk": "будівництво, дозвіл",
                    "en": "construction, building, permit",
                    "pl": "budowa, pozwolenie",
                },
            ),
            (
                "planning-conditions",
                {
                    "uk": "Містобудівні умови та обмеження",
                    "en": "Planning conditions and restrictions",
                    "pl": "Warunki zabudowy",
                },
                {
                    "uk": "містобудування, забудова",
                    "en": "planning, zoning",
                    "pl": "warunki zabudowy, planowanie",
                },
            ),
        ],
    ),
    (
        "I",
        {"uk": "Податки", "en": "Taxes", "pl": "Podatki"},
        [
            (
                "taxpayer-number",
                {
                    "uk": "Реєстраційний номер облікової картки платника податків",
                    "en": "Taxpayer identification number",
                    "pl": "Numer identyfikacji podatkowej",
                },
                {
                    "uk": "ІПН, ідентифікаційний код, податки",
                    "en": "tax number, TIN",
                    "pl": "NIP, PESEL, podatki",
                },
            ),
            (
                "property-tax",
                {
                    "uk": "Податок на нерухоме майно",
                    "en": "Property tax",
                    "pl": "Podatek od nieruchomości",
                },
                {
                    "uk": "податок, нерухомість",
                    "en": "tax, property",
                    "pl": "podatek, nieruchomość",
                },
            ),
        ],
    ),
    (
        "J",
        {"uk": "Пенсії та ветерани", "en": "Pensions and veterans", "pl": "Emerytury i kombatanci"},
        [
            (
                "pension",
                {
                    "uk": "Призначення пенсії",
                    "en": "Award of a pension",
                    "pl": "Przyznanie emerytury",
                },
                {
                    "uk": "пенсія, пенсійний вік",
                    "en": "pension, retirement",
                    "pl": "emerytura, renta",
                },
            ),
            (
                "veteran",
                {
                    "uk": "Статус учасника бойових дій",
                    "en": "Combat veteran status",
                    "pl": "Status kombatanta",
                },
                {
                    "uk": "ветеран, УБД, посвідчення",
                    "en": "veteran, status",
                    "pl": "weteran, kombatant",
                },
            ),
        ],
    ),
]

ACTIONS: list[tuple[str, dict[str, str]]] = [
    ("issue", {"uk": "оформлення", "en": "first issue", "pl": "wydanie"}),
    ("replace", {"uk": "обмін", "en": "replacement", "pl": "wymiana"}),
    ("duplicate", {"uk": "видача дубліката", "en": "duplicate", "pl": "duplikat"}),
    ("amend", {"uk": "внесення змін", "en": "change of details", "pl": "zmiana danych"}),
    ("extract", {"uk": "витяг", "en": "extract", "pl": "wyciąg"}),
    ("extend", {"uk": "продовження строку дії", "en": "extension", "pl": "przedłużenie"}),
    ("cancel", {"uk": "скасування", "en": "cancellation", "pl": "unieważnienie"}),
]

VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("", {"uk": "", "en": "", "pl": ""}),
    ("child", {"uk": "для дитини", "en": "for a child", "pl": "dla dziecka"}),
    ("urgent", {"uk": "у прискореному порядку", "en": "urgent", "pl": "w trybie pilnym"}),
    ("proxy", {"uk": "за довіреністю", "en": "by proxy", "pl": "przez pełnomocnika"}),
    ("online", {"uk": "в електронній формі", "en": "electronically", "pl": "elektronicznie"}),
]

DOCUMENTS: list[dict[str, str]] = [
    {"uk": "Заява встановленого зразка", "en": "Application form", "pl": "Wniosek"},
    {
        "uk": "Паспорт громадянина України",
        "en": "Passport of a citizen of Ukraine",
        "pl": "Paszport obywatela Ukrainy",
    },
    {
        "uk": "Квитанція про сплату адміністративного збору",
        "en": "Receipt for the administrative fee",
        "pl": "Potwierdzenie wniesienia opłaty",
    },
    {
        "uk": "Фотокартка 3,5 × 4,5 см",
        "en": "Photograph 3.5 × 4.5 cm",
        "pl": "Fotografia 3,5 × 4,5 cm",
    },
    {"uk": "Свідоцтво про народження", "en": "Birth certificate", "pl": "Akt urodzenia"},
    {"uk": "Довіреність", "en": "Power of attorney", "pl": "Pełnomocnictwo"},
    {
        "uk": "Документ, що підтверджує право власності",
        "en": "Title deed",
        "pl": "Dokument potwierdzający prawo własności",
    },
    {
        "uk": "Реєстраційний номер облікової картки платника податків",
        "en": "Taxpayer number",
        "pl": "Numer identyfikacji podatkowej",
    },
    {"uk": "Довідка про доходи", "en": "Statement of income", "pl": "Zaświadczenie o dochodach"},
    {
        "uk": "Свідоцтво про реєстрацію транспортного засобу",
        "en": "Vehicle registration certificate",
        "pl": "Dowód rejestracyjny",
    },
]

OFFICES = [
    (
        "lviv-centre",
        "Центр надання адміністративних послуг «Центр»",
        "Administrative service centre ‘Centre’",
        "Centrum usług administracyjnych „Centrum”",
        "пл. Ринок, 1",
    ),
    (
        "lviv-sykhiv",
        "ЦНАП «Сихів»",
        "Service centre ‘Sykhiv’",
        "Centrum usług „Sychów”",
        "просп. Червоної Калини, 60",
    ),
    (
        "lviv-mobile",
        "Мобільний ЦНАП",
        "Mobile service centre",
        "Mobilne centrum usług",
        "за графіком виїздів",
    ),
]

SITUATIONS = [
    (
        "birth-of-a-child",
        {"uk": "Народження дитини", "en": "Birth of a child", "pl": "Narodziny dziecka"},
        ["C", "D", "B"],
    ),
    (
        "moving-house",
        {"uk": "Переїзд", "en": "Moving house", "pl": "Przeprowadzka"},
        ["B", "E", "I"],
    ),
    (
        "starting-a-business",
        {"uk": "Відкриття бізнесу", "en": "Starting a business", "pl": "Założenie firmy"},
        ["F", "I"],
    ),
    (
        "retirement",
        {"uk": "Вихід на пенсію", "en": "Retirement", "pl": "Przejście na emeryturę"},
        ["J", "D"],
    ),
    (
        "buying-a-home",
        {"uk": "Купівля житла", "en": "Buying a home", "pl": "Zakup mieszkania"},
        ["G", "B", "I"],
    ),
    (
        "building-a-house",
        {"uk": "Будівництво будинку", "en": "Building a house", "pl": "Budowa domu"},
        ["H", "G"],
    ),
    ("getting-married", {"uk": "Шлюб", "en": "Getting married", "pl": "Ślub"}, ["C", "A"]),
    (
        "losing-a-document",
        {"uk": "Втрата документів", "en": "Lost documents", "pl": "Utrata dokumentów"},
        ["A", "E"],
    ),
    (
        "death-of-a-relative",
        {
            "uk": "Смерть близької людини",
            "en": "Death of a relative",
            "pl": "Śmierć bliskiej osoby",
        },
        ["C", "D", "G"],
    ),
    (
        "buying-a-car",
        {"uk": "Купівля автомобіля", "en": "Buying a car", "pl": "Zakup samochodu"},
        ["E", "I"],
    ),
]

LANGUAGES = ("uk", "en", "pl")


def catalog_document(services: int, *, seed: int = 20261001) -> dict[str, Any]:
    """An okno-catalog document with `services` services; the same seed gives the same document."""
    rng = random.Random(seed)
    office_slugs = [slug for slug, *_rest in OFFICES]
    rows = [_service(index, rng, office_slugs) for index in range(services)]
    by_group: dict[str, list[str]] = {}
    for row in rows:
        by_group.setdefault(row["group"], []).append(row["code"])
    return {
        "format": "okno-catalog",
        "version": 1,
        "offices": [_office(*office) for office in OFFICES],
        "groups": [
            {"prefix": prefix, "name": name, "order": order}
            for order, (prefix, name, _subjects) in enumerate(GROUPS, start=1)
        ],
        "services": rows,
        "life_situations": [
            {
                "slug": slug,
                "name": name,
                "description": {
                    "uk": f"Послуги, які зазвичай потрібні: {name['uk'].lower()}.",
                    "en": f"The services people usually need: {name['en'].lower()}.",
                    "pl": f"Usługi zwykle potrzebne: {name['pl'].lower()}.",
                },
                "order": order,
                "steps": [
                    {"service": rng.choice(by_group[prefix])}
                    for prefix in prefixes
                    if prefix in by_group
                ],
            }
            for order, (slug, name, prefixes) in enumerate(SITUATIONS, start=1)
        ],
    }


def _office(slug: str, uk: str, en: str, pl: str, street: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": {"uk": uk, "en": en, "pl": pl},
        "address": {"uk": f"{street}, Львів", "en": f"{street}, Lviv", "pl": f"{street}, Lwów"},
        "country": "UA",
        "time_zone": "Europe/Kyiv",
        "default_language": "uk",
        "opening_hours": [
            {"weekday": day, "opens": "08:00", "closes": "20:00" if day in (1, 3) else "17:00"}
            for day in range(5)
        ]
        + [{"weekday": 5, "opens": "09:00", "closes": "14:00"}],
        "service_points": [{"number": n, "label": str(n)} for n in range(1, 9)],
    }


def _service(index: int, rng: random.Random, office_slugs: list[str]) -> dict[str, Any]:
    prefix, group_name, subjects = GROUPS[index % len(GROUPS)]
    subject_slug, subject, keywords = rng.choice(subjects)
    action_slug, action = rng.choice(ACTIONS)
    variant_slug, variant = rng.choice(VARIANTS)
    name = {
        lang: f"{subject[lang]}: {action[lang]}" + (f", {variant[lang]}" if variant[lang] else "")
        for lang in LANGUAGES
    }
    summary = {
        "uk": f"{action['uk'].capitalize()} — {subject['uk'].lower()}. Послуга з розділу «{group_name['uk']}»; подайте заяву в ЦНАП особисто або онлайн.",
        "en": f"{action['en'].capitalize()} — {subject['en'].lower()}. A service in “{group_name['en']}”; apply in person at a service centre or online.",
        "pl": f"{action['pl'].capitalize()} — {subject['pl'].lower()}. Usługa z działu „{group_name['pl']}”; wniosek złożysz osobiście lub online.",
    }
    paid = rng.random() < 0.6
    unit = rng.choice(["working_days", "working_days", "calendar_days", "on_the_spot"])
    online = rng.random() < 0.3
    slug_parts = [subject_slug, action_slug, variant_slug, f"{index + 1:04d}"]
    return {
        "code": f"{prefix}{index + 1:04d}",
        "slug": "-".join(part for part in slug_parts if part),
        "group": prefix,
        "name": name,
        "summary": summary,
        "keywords": {
            lang: f"{keywords[lang]}, {action[lang]}"
            + (f", {variant[lang]}" if variant[lang] else "")
            for lang in LANGUAGES
        },
        "fee": (
            {
                "free": False,
                "amount": str(rng.choice([30, 85, 170, 340, 510, 1020])),
                "currency": "UAH",
            }
            if paid
            else {"free": True}
        ),
        "term": {
            "value": 0 if unit == "on_the_spot" else rng.choice([1, 3, 5, 10, 20, 30]),
            "unit": unit,
        },
        "result": {lang: subject[lang] for lang in LANGUAGES},
        "provider": {
            "uk": "Виконавчий комітет Львівської міської ради",
            "en": "Lviv City Council Executive Committee",
            "pl": "Komitet Wykonawczy Rady Miasta Lwowa",
        },
        "channels": {
            "in_person": True,
            "online": online,
            "online_url": f"https://services.example.org/{prefix.lower()}/{index + 1}"
            if online
            else "",
            "bookable": True,
        },
        "handling_minutes": rng.choice([10, 15, 20, 30]),
        "offices": sorted(rng.sample(office_slugs, rng.randint(1, len(office_slugs)))),
        "last_reviewed": "2026-09-01",
        "documents": [
            {
                "name": document,
                "form": rng.choice(["original", "copy", "original_and_copy"]),
                "mandatory": rng.random() < 0.8,
            }
            for document in rng.sample(DOCUMENTS, rng.randint(2, 5))
        ],
    }
