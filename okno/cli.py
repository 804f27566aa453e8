"""The `okno` command: run the demo, serve, manage, and hand out API tokens."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

BANNER = "okno — one window for public services"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["manage"]:
        return _manage(args[1:])
    parser = _parser()
    options = parser.parse_args(args)
    if not getattr(options, "command", None):
        parser.print_help()
        return 2
    return options.handler(options)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="okno", description=BANNER)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="prepare the database, load the demo data and serve the site"
    )
    _serving_options(demo)
    demo.set_defaults(handler=_demo)

    serve = commands.add_parser("serve", help="serve the site (no demo data)")
    _serving_options(serve)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--migrate", action="store_true", help="apply database migrations before serving"
    )
    serve.set_defaults(handler=_serve)

    commands.add_parser("manage", help="run a Django management command: okno manage migrate")

    token = commands.add_parser("token", help="print a new API token for a staff user")
    token.add_argument("username")
    token.add_argument("--name", default="", help="what the token is for, e.g. 'kiosk 3'")
    token.set_defaults(handler=_token)
    return parser


def _serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    import django

    from okno.core.env import ConfigurationError

    try:
        django.setup()
    except ConfigurationError as error:
        raise SystemExit(f"okno: configuration error: {error}") from None
    from okno.core.i18n import compile_catalogues

    compile_catalogues()


def _manage(args: list[str]) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["okno manage", *args])
    return 0


def _demo(options: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    print(BANNER)
    print(f"Data folder: {settings.DATA_DIR}")
    print("Preparing the database ...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo")
    _collect_static()
    return _run(options, workers=1)


def _serve(options: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    if options.migrate:
        call_command("migrate", interactive=False, verbosity=1)
    elif _pending_migrations():
        print(
            "okno: the database needs migrating first. Run `okno manage migrate` once "
            "(or start with `okno serve --migrate`).",
            file=sys.stderr,
        )
        return 2
    _collect_static()
    return _run(options, workers=max(1, options.workers))


def _token(options: argparse.Namespace) -> int:
    _setup()
    from django.contrib.auth import get_user_model

    from okno.staff.errors import NotAnEmployee
    from okno.staff.services import issue_token

    user = get_user_model().objects.filter(username=options.username).first()
    if user is None:
        print(f"okno: no user called {options.username!r}.", file=sys.stderr)
        return 1
    try:
        print(issue_token(user, name=options.name))
    except NotAnEmployee:
        print(
            f"okno: {options.username!r} is not an employee; tokens are for staff.", file=sys.stderr
        )
        return 1
    return 0


def _pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def _run(options: argparse.Namespace, *, workers: int) -> int:
    import uvicorn

    from okno.core.env import env_bool

    host = options.host
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    from django.conf import settings

    print(f"\nokno is running: http://{shown}:{options.port}/{settings.LANGUAGE_CODE}/")
    print(f"  staff pages:   http://{shown}:{options.port}/{settings.LANGUAGE_CODE}/staff/")
    print(f"  admin:         http://{shown}:{options.port}/admin/")
    print(f"  API docs:      http://{shown}:{options.port}/api/v1/docs")
    print("Press Ctrl+C to stop.\n", flush=True)
    uvicorn.run(
        "okno.asgi:application",
        host=host,
        port=options.port,
        workers=workers,
        proxy_headers=True,
        access_log=env_bool("OKNO_ACCESS_LOG", False),
        log_level="info",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
