"""Staff endpoints: who am I, my offices, the employees I may see. Always office-scoped."""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from okno.api.auth import staff_auth
from okno.catalog.models import Office
from okno.core.i18n import tr
from okno.core.scoping import get_in_scope, sees_all_offices
from okno.staff import selectors

router = Router(tags=["staff"], auth=staff_auth)


class OfficeRef(Schema):
    id: int
    slug: str
    name: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str | None
    sees_all_offices: bool
    offices: list[OfficeRef]


class EmployeeOut(Schema):
    username: str
    full_name: str
    role: str
    position: str
    offices: list[str]
    competencies: list[str]


class EmployeeFilters(Schema):
    office: int | None = None


@router.get("/me", response=MeOut, summary="The signed-in employee")
def me(request: HttpRequest):
    user = request.user
    employee = getattr(user, "employee", None)
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "role": employee.role if employee else None,
        "sees_all_offices": sees_all_offices(user),
        "offices": [_office(o) for o in selectors.offices_for(user)],
    }


@router.get("/offices", response=list[OfficeRef], summary="Offices I may see")
def my_offices(request: HttpRequest):
    return [_office(o) for o in selectors.offices_for(request.user)]


@router.get("/employees", response=list[EmployeeOut], summary="Employees in my offices")
def employees(request: HttpRequest, filters: Query[EmployeeFilters]):
    office = None
    if filters.office is not None:
        office = get_in_scope(
            Office.objects.all(), request.user, office_field="pk", pk=filters.office
        )
    return [
        {
            "username": e.user.get_username(),
            "full_name": e.user.get_full_name(),
            "role": e.role,
            "position": e.position,
            "offices": [o.slug for o in e.offices.all()],
            "competencies": sorted(s.code for s in e.competencies.all()),
        }
        for e in selectors.employees_for(request.user, office=office)
    ]


def _office(office: Office) -> dict:
    return {"id": office.pk, "slug": office.slug, "name": tr(office.name, office.default_language)}
