"""A view decorator for permissions held on a scope taken from the URL."""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar, cast

from asgiref.sync import iscoroutinefunction
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from rolecall._web import permission, scope_id
from rolecall.django import RolecallScope

__all__ = ["scope_permission_required"]

_V = TypeVar("_V", bound=Callable[..., Any])


def scope_permission_required(
    perm: str, *, scope_kwarg: str = "scope_id", login_url: Optional[str] = None
) -> Callable[[_V], _V]:
    """Decorator: the view runs only for a user who holds ``perm`` on the scope whose id is
    the URL argument ``scope_kwarg`` (``user.has_perm(perm, RolecallScope(id))``, which the
    rolecall backend answers with ``Directory.check_scoped``: a right held on a scope above,
    or unscoped, counts).

    Anonymous (or revoked, see the middleware): a redirect to the login page; denied: 403
    (``PermissionDenied``); an argument that is not a scope id: 404. Sync and async views.
    The name is checked against the catalogue now (``UnknownPermissionError``).
    """
    permission(perm)

    def scope_of(kwargs: dict[str, Any]) -> RolecallScope:
        if scope_kwarg not in kwargs:
            raise RuntimeError(f"rolecall.django: the view has no URL argument {scope_kwarg!r}")
        scope = scope_id(kwargs[scope_kwarg])
        if scope is None:
            raise Http404("no such scope")
        return RolecallScope(scope)

    def decorator(view: _V) -> _V:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                user: Any = await request.auser()
                if not user.is_authenticated:
                    return redirect_to_login(request.get_full_path(), login_url)
                if not await user.ahas_perm(perm, scope_of(kwargs)):
                    raise PermissionDenied
                return await view(request, *args, **kwargs)

            return cast(_V, async_wrapper)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url)
            user: Any = request.user  # has_perm: Django's PermissionsMixin
            if not user.has_perm(perm, scope_of(kwargs)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(_V, wrapper)

    return decorator
