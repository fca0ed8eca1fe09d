"""A real Django settings module: the rolecall backend and middleware, a SQLite database and
a SQLite rolecall directory in a temporary directory of the test run."""

from __future__ import annotations

import os
import tempfile

_here = os.environ.get("ROLECALL_DJANGO_TEST_DIR") or tempfile.mkdtemp(prefix="rolecall-django-")

SECRET_KEY = "django test secret, not for production"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
ROOT_URLCONF = "integrations.django_project.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rolecall.django.middleware.RolecallSessionMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "registration/login.html": "<form method=post>{{ form }}</form>",
                    },
                )
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(_here, "django.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# rolecall's users, and Django's own (a local administrator, say) beside them.
AUTHENTICATION_BACKENDS = [
    "rolecall.django.backends.RolecallBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/campaigns/"

# The rolecall directory: a SQLite file (or a postgresql:// URL), and the tenant of logins.
ROLECALL_DIRECTORY = os.path.join(_here, "rolecall.db")
ROLECALL_TENANT = "Acme"
