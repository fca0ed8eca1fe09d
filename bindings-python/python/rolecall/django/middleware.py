"""The middleware ending a Django session whose rolecall security stamp changed."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Union

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.auth import alogout, logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase

from rolecall.django import SESSION_STAMP_KEY, SESSION_USER_KEY, get_directory, rolecall_id

# Importing the backend connects the receiver that records the session at login.
from rolecall.django import backends as _backends  # noqa: F401

__all__ = ["RolecallSessionMiddleware"]

_Response = Union[HttpResponseBase, Awaitable[HttpResponseBase]]


def _alive(rid: int, session_user: object, stamp: object) -> bool:
    """Whether a rolecall user's login may go on: the core's ``Directory.session_valid`` on
    the stamp recorded at login (a rolecall user logged in without one, by ``force_login``
    say, is not accepted)."""
    if session_user != rid or not isinstance(stamp, int) or isinstance(stamp, bool):
        return False
    return get_directory().session_valid(rid, stamp)


def _anonymous(request: HttpRequest) -> None:
    """After a logout: the request is anonymous for sync and async readers alike (Django's
    ``alogout`` leaves ``request.auser()`` answering the cached user)."""
    anonymous = AnonymousUser()

    async def auser() -> AnonymousUser:
        return anonymous

    request.user = anonymous
    request.auser = auser


class RolecallSessionMiddleware:
    """Logs the request's session out (``django.contrib.auth.logout``: the session is flushed,
    ``request.user`` becomes anonymous) when the core no longer accepts it: the user's
    security stamp changed since it logged in (password or login email changed, access
    shrunk, deactivated). Place it after ``AuthenticationMiddleware``. Sync and async."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> _Response:
        if self.is_async:
            return self.__acall__(request)
        rid = rolecall_id(request.user)
        if rid is not None and not _alive(
            rid, request.session.get(SESSION_USER_KEY), request.session.get(SESSION_STAMP_KEY)
        ):
            logout(request)
            _anonymous(request)
        response: HttpResponseBase = self.get_response(request)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        rid = rolecall_id(await request.auser())
        if rid is not None and not _alive(
            rid,
            await request.session.aget(SESSION_USER_KEY),
            await request.session.aget(SESSION_STAMP_KEY),
        ):
            await alogout(request)
            _anonymous(request)
        response: HttpResponseBase = await self.get_response(request)
        return response
