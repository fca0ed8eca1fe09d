"""The Django authentication backend of rolecall: ``Directory.login`` and the core's checks."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from rolecall._enums import Permission
from rolecall._errors import AccountLockedError, AuthenticationError, InvalidInputError
from rolecall._rolecall import Session, User
from rolecall.django import (
    SESSION_MUST_CHANGE_KEY,
    SESSION_STAMP_KEY,
    SESSION_USER_KEY,
    USERNAME_PREFIX,
    get_directory,
    get_tenant,
    rolecall_id,
)

__all__ = ["RolecallBackend"]

_AnyUser = Any  # AbstractBaseUser | AnonymousUser, as Django passes them

#: Dotted name -> permission, for the names of the core's catalogue only.
_CATALOGUE = {str(p): p for p in Permission}


def _scope_of(obj: object) -> Optional[int]:
    scope = getattr(obj, "rolecall_scope", None)
    return scope if isinstance(scope, int) and not isinstance(scope, bool) else None


class RolecallBackend(BaseBackend):
    """Authenticates through ``Directory.login``; answers permissions with the core's checks.

    - ``authenticate(request, username=<email>, password=..., tenant=None)`` (``email=`` is
      accepted for ``username``): the tenant is ``tenant`` or ``settings.ROLECALL_TENANT``.
      A wrong email or password gives ``None`` (other backends may try); a locked account
      raises ``PermissionDenied`` (Django stops there and reports a failed login).
    - ``has_perm(user, "campaigns.control")``: ``Directory.check``; with an object carrying an
      integer ``rolecall_scope`` (:class:`rolecall.django.RolecallScope`),
      ``Directory.check_scoped``. Names outside the core's catalogue (Django's own
      ``app.codename`` permissions) are ``False`` here, left to the other backends.
    - ``get_all_permissions`` (and ``get_user_permissions``): the dotted names of
      ``Directory.effective_permissions``, or of the catalogue permissions
      ``Directory.check_scoped`` allows on the object's scope.

    The link between a Django user and a rolecall user is the model's integer field
    ``rolecall_id`` when it has one, else the username ``rolecall.<id>``
    (:func:`rolecall.django.rolecall_id`); how the Django user is made and kept up to date
    at login (:meth:`django_user`) can be changed in a subclass.
    """

    # --- authentication -------------------------------------------------------------------

    def authenticate(
        self, request: Optional[HttpRequest], **kwargs: Any
    ) -> Optional[AbstractBaseUser]:
        """Logs in through ``Directory.login`` and returns the linked Django user."""
        email = kwargs.get("username", kwargs.get("email"))
        password = kwargs.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            return None
        d = get_directory()
        try:
            session = d.login(get_tenant(kwargs.get("tenant")), email, password)
        except AccountLockedError as e:
            raise PermissionDenied(str(e)) from e
        except (AuthenticationError, InvalidInputError):
            return None
        user = self.django_user(d.user(session.user))
        # Handed to the user_logged_in receiver below, which records the session.
        user._rolecall_session = session  # type: ignore[attr-defined]
        return user

    async def aauthenticate(
        self, request: Optional[HttpRequest], **kwargs: Any
    ) -> Optional[AbstractBaseUser]:
        """:meth:`authenticate` on a worker thread (hashing and the Django user's row)."""
        return await sync_to_async(self.authenticate)(request, **kwargs)

    def django_user(self, user: User) -> AbstractBaseUser:
        """The Django user linked to a rolecall user, created at its first login; its names,
        email and active flag are copied from rolecall (the Django password stays unusable)."""
        model = get_user_model()
        fields = {f.name for f in model._meta.get_fields()}
        username = f"{USERNAME_PREFIX}{user.id}"
        username_field: str = getattr(model, "USERNAME_FIELD", "username")
        if "rolecall_id" in fields:
            lookup: dict[str, Any] = {"rolecall_id": user.id}
            defaults: dict[str, Any] = {username_field: username}
        else:
            lookup, defaults = {username_field: username}, {}
        obj, created = model._default_manager.get_or_create(**lookup, defaults=defaults)
        changed = created
        for field, value in (
            ("first_name", user.first_name),
            ("last_name", user.last_name),
            ("email", user.email),
            ("is_active", user.active),
        ):
            if field in fields and getattr(obj, field) != value:
                setattr(obj, field, value)
                changed = True
        if created:
            obj.set_unusable_password()
        if changed:
            obj.save()
        return obj

    def get_user(self, user_id: Any) -> Optional[AbstractBaseUser]:
        """The Django user of a session (by primary key), if it is linked to rolecall."""
        model = get_user_model()
        try:
            user = model._default_manager.get(pk=user_id)
        except (model.DoesNotExist, ValueError, TypeError):
            return None
        return user if rolecall_id(user) is not None else None

    # --- permissions ----------------------------------------------------------------------

    def has_perm(self, user_obj: _AnyUser, perm: str, obj: Any = None) -> bool:
        """``Directory.check`` (or ``check_scoped`` on the object's ``rolecall_scope``)."""
        rid = rolecall_id(user_obj)
        p = _CATALOGUE.get(perm)
        if rid is None or p is None:
            return False
        if obj is None:
            return get_directory().check(rid, p)
        scope = _scope_of(obj)
        return scope is not None and get_directory().check_scoped(rid, p, scope)

    def has_perms(self, user_obj: _AnyUser, perms: Iterable[str], obj: Any = None) -> bool:
        """Every permission named, by :meth:`has_perm`."""
        return all(self.has_perm(user_obj, p, obj) for p in perms)

    def get_user_permissions(self, user_obj: _AnyUser, obj: Any = None) -> set[str]:
        """The dotted names of what the core lets the user do (on the object's scope)."""
        rid = rolecall_id(user_obj)
        if rid is None:
            return set()
        d = get_directory()
        if obj is None:
            return {str(p) for p in d.effective_permissions(rid)}
        scope = _scope_of(obj)
        if scope is None:
            return set()
        return {name for name, p in _CATALOGUE.items() if d.check_scoped(rid, p, scope)}

    def get_all_permissions(self, user_obj: _AnyUser, obj: Any = None) -> set[str]:
        """Same as :meth:`get_user_permissions`: rolecall's groups are the core's business."""
        return self.get_user_permissions(user_obj, obj)

    # The checks never lock nor touch storage: the async forms answer in place.

    async def ahas_perm(self, user_obj: _AnyUser, perm: str, obj: Any = None) -> bool:
        """:meth:`has_perm`, for async views."""
        return self.has_perm(user_obj, perm, obj)

    async def ahas_perms(self, user_obj: _AnyUser, perms: Iterable[str], obj: Any = None) -> bool:
        """:meth:`has_perms`, for async views."""
        return self.has_perms(user_obj, perms, obj)

    async def aget_user_permissions(self, user_obj: _AnyUser, obj: Any = None) -> set[str]:
        """:meth:`get_user_permissions`, for async views."""
        return self.get_user_permissions(user_obj, obj)

    async def aget_all_permissions(self, user_obj: _AnyUser, obj: Any = None) -> set[str]:
        """:meth:`get_all_permissions`, for async views."""
        return self.get_all_permissions(user_obj, obj)


def _remember_session(sender: Any, request: Optional[HttpRequest], user: Any, **_: Any) -> None:
    """On ``django.contrib.auth.login``: keep the rolecall session (user, security stamp) in
    the Django session, for the middleware to check at every request."""
    session: Optional[Session] = getattr(user, "_rolecall_session", None)
    if session is None or request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_USER_KEY] = session.user
    request.session[SESSION_STAMP_KEY] = session.stamp
    request.session[SESSION_MUST_CHANGE_KEY] = session.must_change_password


user_logged_in.connect(_remember_session, dispatch_uid="rolecall.django.remember_session")
