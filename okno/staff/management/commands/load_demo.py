"""okno manage load_demo: load the demo offices, catalogue and team (safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from okno.staff.demo import DEMO_PASSWORD, DemoDataError, load_demo


class Command(BaseCommand):
    help = "Load the demo offices, service catalogue and staff. Running it twice changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_demo(progress=lambda message: self.stdout.write(f"  loading {message}"))
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        for result in report.catalog:
            self.stdout.write(f"  {result.summary()}")
        self.stdout.write(
            f"  staff: {report.employees_created} created, {report.employees_existing} already there"
        )
        if report.analytics is not None:
            self.stdout.write(f"  {report.analytics.summary()}")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Demo data already loaded; nothing changed."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, offices in report.logins:
            self.stdout.write(f"  {username:<18} {role:<26} {offices}")
