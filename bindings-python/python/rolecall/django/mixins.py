"""A class-based view mixin for permissions held on a scope taken from the URL."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from rolecall._web import scope_id
from rolecall.django import RolecallScope

__all__ = ["ScopePermissionRequiredMixin"]


class ScopePermissionRequiredMixin(AccessMixin):
    """The view runs only for a user holding ``permission_required`` on the scope whose id
    is the URL argument ``scope_url_kwarg`` (``user.has_perm(perm, RolecallScope(id))``,
    answered by the rolecall backend with ``Directory.check_scoped``).

    Anonymous: ``handle_no_permission`` (a redirect to the login page); denied: 403; an
    argument that is not a scope id: 404.
    """

    permission_required: str = ""
    scope_url_kwarg: str = "scope_id"

    def get_scope(self) -> RolecallScope:
        """The scope of the request, from the URL argument (404 when it is not an id)."""
        kwargs: dict[str, Any] = getattr(self, "kwargs", {})
        scope = scope_id(kwargs.get(self.scope_url_kwarg))
        if scope is None:
            raise Http404("no such scope")
        return RolecallScope(scope)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Checks the permission on the scope, then dispatches."""
        if not self.permission_required:
            raise ImproperlyConfigured(f"{type(self).__name__} needs permission_required")
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        user: Any = request.user  # has_perm: Django's PermissionsMixin
        if not user.has_perm(self.permission_required, self.get_scope()):
            raise PermissionDenied(self.get_permission_denied_message())
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response
