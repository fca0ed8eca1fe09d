"""A Django project in one file, authorizing with rolecall.django: the authentication backend
(logins through the core), the session middleware (revocation) and the scoped decorator.

Run: python examples/python/django_app/app.py   (then open http://127.0.0.1:8000/)

The first run creates a SQLite directory with demo users (see ../demo_directory.py) and
Django's own SQLite database beside it; set ROLECALL_DIRECTORY to keep them elsewhere. Other
arguments go to Django's manage.py commands (``app.py check``, ``app.py runserver 8080``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import django
from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from demo_directory import default_path, open_demo  # noqa: E402

DIRECTORY = default_path("django")
LOGIN_PAGE = (
    "<form method=post>{% csrf_token %}{{ form.as_p }}<button>log in</button></form>"
    "<p>olga, vera or sam @acme.test: violet kettle on the moon</p>"
)

if not settings.configured:
    settings.configure(
        DEBUG=True,
        SECRET_KEY="example only: set a secret of yours",
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "rolecall.django.middleware.RolecallSessionMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "loaders": [
                        (
                            "django.template.loaders.locmem.Loader",
                            {
                                "registration/login.html": LOGIN_PAGE,
                            },
                        )
                    ]
                },
            }
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": DIRECTORY + ".django.sqlite3",
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
        AUTHENTICATION_BACKENDS=["rolecall.django.backends.RolecallBackend"],
        LOGIN_URL="/login/",
        LOGIN_REDIRECT_URL="/",
        # The rolecall directory (a SQLite path or a postgresql:// URL) and the login tenant.
        ROLECALL_DIRECTORY=DIRECTORY,
        ROLECALL_TENANT="Acme",
    )
django.setup()

from django.contrib.auth import views as auth_views  # noqa: E402
from django.contrib.auth.decorators import login_required, permission_required  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

from rolecall.django import get_directory, get_tenant  # noqa: E402
from rolecall.django.decorators import scope_permission_required  # noqa: E402


@login_required
@permission_required("campaigns.view", raise_exception=True)
def campaigns(request: HttpRequest) -> JsonResponse:
    d = get_directory()
    return JsonResponse({s.name: s.id for s in d.scopes(get_tenant()) if str(s.kind) == "campaign"})


@scope_permission_required("campaigns.control")
def start(request: HttpRequest, scope_id: int) -> JsonResponse:
    return JsonResponse({"started": scope_id})


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", campaigns),
    path("campaigns/<int:scope_id>/start/", start),
]


def prepare(fast_hashing: bool = False) -> None:
    """Creates Django's tables and the demo directory when missing."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    open_demo(DIRECTORY, fast_hashing=fast_hashing).directory.close()


def main(argv: Optional[list[str]] = None) -> None:
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    prepare()
    execute_from_command_line(argv if len(argv) > 1 else [argv[0], "runserver"])


if __name__ == "__main__":
    main()
