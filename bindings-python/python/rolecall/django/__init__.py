"""rolecall for Django: log in through the core, permissions from the core, sessions that end
when the core says so.

Settings::

    ROLECALL_DIRECTORY = BASE_DIR / "rolecall.db"   # a SQLite path, or "postgresql://..."
    ROLECALL_DIRECTORY_OPTIONS = {"schema": "pbx"}  # optional: keyword arguments to open it
    ROLECALL_TENANT = 1                             # the tenant logins belong to (id or name)
    AUTHENTICATION_BACKENDS = ["rolecall.django.backends.RolecallBackend"]
    MIDDLEWARE = [
        ...,
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "rolecall.django.middleware.RolecallSessionMiddleware",   # after both
        ...,
    ]

- :class:`~rolecall.django.backends.RolecallBackend` authenticates through
  ``Directory.login`` and answers ``has_perm`` / ``has_perms`` / ``get_all_permissions`` (and
  ``ahas_perm`` ...) with ``Directory.check`` / ``check_scoped`` / ``effective_permissions``:
  ``user.has_perm("campaigns.control")`` and Django's own ``permission_required`` work as is.
- Users: each rolecall user who logs in gets a Django user (created at its first login, its
  names, email and active flag copied from rolecall at each login, no usable Django password).
  The link is the integer field ``rolecall_id`` when the user model has one, else the username
  ``rolecall.<id>`` (see :func:`rolecall_id`).
- :class:`~rolecall.django.middleware.RolecallSessionMiddleware` logs a session out as soon as
  the user's rolecall security stamp changed (password or login email changed, access shrunk,
  deactivated): revocation takes effect at the next request, on every worker.
- Scoped checks: :func:`~rolecall.django.decorators.scope_permission_required` and
  :class:`~rolecall.django.mixins.ScopePermissionRequiredMixin` take the scope id from a URL
  argument.

The directory is opened once per process, lazily (after a pre-forking server forked). Nothing
here decides a rule: every answer is the core's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional

from rolecall._web import require_framework

require_framework("django", "django")

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from rolecall._rolecall import Directory
from rolecall._web import DirectoryHandle

__all__ = [
    "SESSION_STAMP_KEY",
    "SESSION_USER_KEY",
    "USERNAME_PREFIX",
    "RolecallScope",
    "get_directory",
    "get_tenant",
    "rolecall_id",
]

#: Session keys holding the rolecall user and the security stamp of its login.
SESSION_USER_KEY = "_rolecall_user"
SESSION_STAMP_KEY = "_rolecall_stamp"
#: Whether the password used to log in is temporary (to be changed first; the host's flow).
SESSION_MUST_CHANGE_KEY = "_rolecall_must_change_password"
#: The username of the Django user linked to rolecall user 42 is ``rolecall.42`` (when the
#: user model has no ``rolecall_id`` field).
USERNAME_PREFIX = "rolecall."

_lock = threading.Lock()
_handle: Optional[DirectoryHandle] = None


def get_directory() -> Directory:
    """The directory ``settings.ROLECALL_DIRECTORY`` names (an open ``Directory``, a SQLite
    path, or a ``postgresql://`` URL; ``settings.ROLECALL_DIRECTORY_OPTIONS``: keyword
    arguments for opening it, such as ``{"schema": "pbx"}``), opened at its first use in each process (so after a
    pre-forking server forked; again in a forked child) and again when the setting changes.

    Raises ``ImproperlyConfigured`` when the setting is missing, and the core's storage
    errors when the directory cannot be opened.
    """
    global _handle
    location = getattr(settings, "ROLECALL_DIRECTORY", None)
    if location is None:
        raise ImproperlyConfigured("rolecall.django needs settings.ROLECALL_DIRECTORY")
    options = dict(getattr(settings, "ROLECALL_DIRECTORY_OPTIONS", None) or {})
    handle = _handle
    if handle is None or not _same(handle, location, options):
        with _lock:
            handle = _handle
            if handle is None or not _same(handle, location, options):
                handle = _handle = DirectoryHandle(location, options)
    return handle.get()


def _same(handle: DirectoryHandle, location: Any, options: Dict[str, Any]) -> bool:
    return (handle.location is location or handle.location == location) and (
        handle.options == options
    )


def get_tenant(tenant: Any = None) -> int:
    """The tenant a login belongs to: ``tenant`` if given, else ``settings.ROLECALL_TENANT``;
    an id, or a tenant's exact name.

    Raises ``ImproperlyConfigured`` when neither names a tenant of the directory.
    """
    value = tenant if tenant is not None else getattr(settings, "ROLECALL_TENANT", None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        for t in get_directory().tenants():
            if t.name == value:
                return t.id
        raise ImproperlyConfigured(f"rolecall.django: no tenant named {value!r}")
    raise ImproperlyConfigured("rolecall.django needs settings.ROLECALL_TENANT (an id or a name)")


def rolecall_id(user: Any) -> Optional[int]:
    """The rolecall user a Django user stands for: its integer ``rolecall_id`` field when the
    model has one, else the id in a username ``rolecall.<id>``; ``None`` for an anonymous
    user or a Django user of its own (a local superuser, say)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    rid = getattr(user, "rolecall_id", None)
    if isinstance(rid, int) and not isinstance(rid, bool):
        return rid
    name = user.get_username() if hasattr(user, "get_username") else None
    if isinstance(name, str) and name.startswith(USERNAME_PREFIX):
        digits = name[len(USERNAME_PREFIX) :]
        if digits.isascii() and digits.isdigit():
            return int(digits)
    return None


@dataclass(frozen=True)
class RolecallScope:
    """A scope as the object of a Django object permission:
    ``user.has_perm("campaigns.control", RolecallScope(7))`` asks ``Directory.check_scoped``.
    Any object with an integer ``rolecall_scope`` attribute (a model of yours) works the same."""

    rolecall_scope: int
