"""The admin page to import and export the whole catalogue: who may do what, checking without
writing, all-or-nothing imports, and bad files answered with a message rather than an error."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from okno.catalog.exchange import export_catalog, import_catalog
from okno.catalog.forms import MAX_UPLOAD_BYTES
from okno.catalog.models import Office, Service, ServiceGroup
from okno.catalog.tables import read_document, write_document
from okno.staff.models import Role
from okno.staff.roles import sync_role_groups
from okno.staff.services import create_employee
from tests.catalog.test_tables import empty_the_catalogue, sample_catalogue, workbook

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:catalog_service_exchange")


def export_url(file_format: str) -> str:
    return reverse("admin:catalog_service_export", args=[file_format])


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _roles(db):
    sync_role_groups()


def signed_in(username: str, role: str | None) -> Client:
    """A client signed in as a staff member with the role's permissions (None: no role)."""
    if role is None:
        user = get_user_model().objects.create_user(username, is_staff=True)
    else:
        user = create_employee(username, role=role).user
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def administrator() -> Client:
    return signed_in("administrator", Role.ADMINISTRATOR)


@pytest.fixture
def head() -> Client:
    return signed_in("head", Role.HEAD)


@pytest.fixture
def analyst() -> Client:
    return signed_in("analyst", Role.ANALYST)


@pytest.fixture
def outsider() -> Client:
    return signed_in("outsider", None)


def upload(client: Client, name: str, content: bytes, mode: str = "import"):
    return client.post(PAGE, {"file": SimpleUploadedFile(name, content), "mode": mode})


def sample_workbook() -> bytes:
    """The sample catalogue as a workbook, with the database emptied again."""
    sample_catalogue()
    data = write_document(export_catalog(), "xlsx")
    empty_the_catalogue()
    return data


def nothing_written() -> bool:
    return not (
        Office.objects.exists() or ServiceGroup.objects.exists() or Service.objects.exists()
    )


# --- finding the page and who may use it --------------------------------------------------------


def test_the_page_is_linked_from_the_admin_index_and_the_service_list(administrator):
    index = administrator.get(reverse("admin:index"))
    services = administrator.get(reverse("admin:catalog_service_changelist"))

    assert f'href="{PAGE}"' in index.content.decode()
    assert f'href="{PAGE}"' in services.content.decode()


def test_the_admin_index_does_not_offer_the_page_to_someone_who_cannot_see_services(outsider):
    index = outsider.get(reverse("admin:index"))

    assert index.status_code == 200
    assert PAGE not in index.content.decode()


def test_someone_who_cannot_see_services_can_neither_open_the_page_nor_export(outsider):
    assert outsider.get(PAGE).status_code == 403
    assert outsider.get(export_url("json")).status_code == 403
    assert upload(outsider, "c.xlsx", sample_workbook()).status_code == 403
    assert nothing_written()


IMPORT_REFUSED = (
    "Importing one is for catalogue administrators: a file may change every office, service and "
    "life situation."
)


def test_a_head_without_the_right_to_add_services_gets_403_on_import(head):
    data = sample_workbook()

    page = head.get(PAGE)
    response = upload(head, "c.xlsx", data)

    assert page.status_code == 200
    assert 'type="file"' not in page.content.decode()
    assert IMPORT_REFUSED in page.content.decode()
    assert response.status_code == 403
    assert nothing_written()


def test_a_head_of_one_office_gets_403_on_import_even_with_every_catalogue_permission():
    # The file may hold other offices: rights over the catalogue are not enough, the importer
    # must see every office.
    own = Office.objects.create(slug="own", name={"en": "Own office"}, country="PL")
    other = Office.objects.create(slug="other", name={"en": "Other office"}, country="PL")
    head = create_employee("powerful-head", role=Role.HEAD, offices=[own])
    head.user.user_permissions.add(*Permission.objects.filter(content_type__app_label="catalog"))
    client = Client(headers={"accept-language": "en"})
    client.force_login(head.user)
    document = export_catalog()
    document["offices"][0]["name"] = {"en": "Taken over"}  # the other office, first by slug

    page = client.get(PAGE)
    response = upload(client, "c.json", write_document(document, "json"))

    assert page.status_code == 200
    assert 'type="file"' not in page.content.decode()
    assert IMPORT_REFUSED in page.content.decode()
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.name == {"en": "Other office"}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMINISTRATOR])
def test_only_who_sees_every_office_and_may_change_the_catalogue_may_import(role):
    client = signed_in(f"someone-{role}", role)
    data = sample_workbook()

    response = upload(client, "c.xlsx", data)

    assert response.status_code == (200 if role == Role.ADMINISTRATOR else 403)
    assert nothing_written() == (role != Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("file_format", "content_type", "extension"),
    [
        ("json", "application/json", "json"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        ("csv", "application/zip", "zip"),
    ],
)
def test_someone_who_may_only_view_services_can_export_every_format(
    analyst, file_format, content_type, extension
):
    sample_catalogue()
    before = export_catalog()

    response = analyst.get(export_url(file_format))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith('attachment; filename="okno-catalogue-')
    assert response["Content-Disposition"].endswith(f'.{extension}"')
    empty_the_catalogue()
    assert import_catalog(read_document(io.BytesIO(response.content), f"c.{extension}")).ok
    assert export_catalog() == before


def test_an_unknown_export_format_is_not_found(analyst):
    assert analyst.get(export_url("pdf")).status_code == 404


def test_the_page_offers_every_export_to_a_viewer(analyst):
    content = analyst.get(PAGE).content.decode()

    for file_format in ["json", "xlsx", "csv"]:
        assert f'href="{export_url(file_format)}"' in content


# --- checking and importing --------------------------------------------------------------------


def test_checking_a_valid_file_shows_what_would_change_and_writes_nothing(administrator):
    response = upload(administrator, "c.xlsx", sample_workbook(), mode="check")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="status"' in content
    assert "The file is valid. Nothing was changed" in content
    assert '<th scope="row">Services</th>\n                <td>3</td>' in content
    assert nothing_written()


def test_importing_a_valid_file_writes_the_catalogue_and_shows_the_summary(administrator):
    sample_catalogue()
    expected = export_catalog()
    data = write_document(expected, "xlsx")
    empty_the_catalogue()

    response = upload(administrator, "catalogue.xlsx", data)

    assert response.status_code == 200
    assert "The catalogue was imported" in response.content.decode()
    assert export_catalog() == expected


def test_importing_a_csv_archive_writes_the_catalogue(administrator):
    sample_catalogue()
    expected = export_catalog()
    data = write_document(expected, "csv")
    empty_the_catalogue()

    upload(administrator, "catalogue.zip", data)

    assert export_catalog() == expected


def test_an_invalid_row_writes_nothing_and_the_problems_are_shown_by_sheet_row(administrator):
    sheets = {
        "groups": [["prefix", "name_en"], ["A", "Passports"]],
        "services": [
            ["code", "slug", "group", "name_en", "term_value", "term_unit", "fee_free"],
            ["A01", "card", "A", "Card", 1, "working_days", "TRUE"],
            ["A02", "paid", "A", "Paid", 1, "working_days", "FALSE"],
        ],
    }

    response = upload(administrator, "c.xlsx", workbook(sheets).getvalue())

    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in content
    assert "2 problems found; nothing was changed." in content
    assert "services, row 3, fee_amount: Give the fee amount." in content
    assert "services, row 3, fee_currency: Give the currency." in content
    assert nothing_written()


def test_problems_in_a_json_file_are_shown_by_their_place_in_the_document(administrator):
    document = {
        "format": "okno-catalog",
        "version": 1,
        "groups": [{"prefix": "a", "name": {"en": "Lower case"}}],
    }

    response = upload(administrator, "c.json", json.dumps(document).encode())

    assert "groups[0].prefix: Use one or two capital Latin letters." in response.content.decode()
    assert nothing_written()


def workbook_missing_a_sheet() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "documents"
    book.active.append(["service", "name_en"])
    book.active.append(["A01", "Passport"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("c.xlsx", bytes(range(256)) * 40, "c.xlsx is not an Excel workbook okno can open."),
        ("c.zip", bytes(range(256)) * 40, "c.zip is not a ZIP archive."),
        ("c.json", b"\x00\x01binary", "c.json is not valid JSON"),
        ("c.json", b"", "The submitted file is empty."),
        ("c.xlsx", b"", "The submitted file is empty."),
        ("c.pdf", b"%PDF-1.4", "okno reads .json files, Excel workbooks (.xlsx) and .zip files"),
        ("c.json", b"[1, 2]", "c.json is JSON but not a catalogue"),
        ("c.json", b'"okno"', "c.json is JSON but not a catalogue"),
        ("c.json", b'{"format": "other", "version": 1}', "format: Input should be"),
        ("c.xlsx", workbook_missing_a_sheet(), "There is a documents sheet but no services sheet"),
    ],
)
def test_a_bad_file_is_answered_with_what_is_wrong_and_nothing_is_written(
    administrator, name, content, expected
):
    response = upload(administrator, name, content)

    content_text = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in content_text
    assert expected in content_text.replace("&quot;", '"').replace("&#x27;", "'")
    assert nothing_written()


def test_a_file_over_the_size_limit_is_refused_with_the_limit(administrator):
    response = upload(administrator, "big.json", b" " * (MAX_UPLOAD_BYTES + 1))

    content = response.content.decode()
    assert response.status_code == 200
    assert "okno accepts files of at most 20.0\xa0MB" in content
    assert nothing_written()


def test_a_choice_of_check_or_import_is_required(administrator):
    response = administrator.post(PAGE, {"file": SimpleUploadedFile("c.json", b"{}")})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_an_upload_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(create_employee("admin", role=Role.ADMINISTRATOR).user)

    response = client.post(PAGE, {"file": SimpleUploadedFile("c.xlsx", sample_workbook())})

    assert response.status_code == 403
    assert nothing_written()


def test_the_form_labels_its_inputs(administrator):
    content = administrator.get(PAGE).content.decode()

    assert '<label for="id_file">' in content
    assert 'accept=".json,.xlsx,.zip"' in content
    assert "<legend>What to do:</legend>" in content
    assert 'name="csrfmiddlewaretoken"' in content
