"""rolecall for FastAPI: bearer session tokens, and dependencies that ask the core.

Example::

    from fastapi import Depends, FastAPI
    from rolecall.fastapi import Principal, Rolecall, require, require_scoped

    app = FastAPI()
    # A Directory, a SQLite path or a postgresql:// URL; the key signs the session tokens.
    Rolecall("pbx.db", secret_key=SECRET).init_app(app)

    @app.get("/campaigns")
    def campaigns(who: Principal = Depends(require("campaigns.view"))) -> list[str]: ...

    @app.post("/campaigns/{scope_id}/start")
    def start(who: Principal = Depends(require_scoped("campaigns.control"))) -> None: ...

- ``Rolecall.login(tenant, email, password)`` calls ``Directory.login`` and returns a signed
  token carrying the session (user id, security stamp); clients send it as
  ``Authorization: Bearer <token>``. The OpenAPI document shows it as the HTTP bearer
  security scheme ``rolecall`` on every route that depends on it.
- ``current_principal`` (the session), ``require(*permissions)`` (``Directory.check`` for each)
  and ``require_scoped(permission, param="scope_id")`` (``Directory.check_scoped`` on the scope
  id taken from that path parameter) are dependencies returning the :class:`Principal`.
- 401 (with ``WWW-Authenticate: Bearer``): no token, a malformed, forged or expired token, or a
  session the core no longer accepts (``Directory.session_valid`` is false once the user's
  security stamp changed: password or email changed, access shrunk, deactivated). 403: the
  session is alive but the core denies the permission. 404: a scope path parameter that is
  not an id. A failed login (``rolecall.AuthenticationError``) answers 401 through the
  exception handler ``init_app`` installs.

Nothing here decides a rule: every answer is the core's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Awaitable, Callable, Mapping, Optional, Union

from rolecall._web import require_framework

require_framework("fastapi", "fastapi")

from fastapi import Depends, FastAPI, HTTPException, Request, Security  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer  # noqa: E402

from rolecall._enums import Permission
from rolecall._errors import AccountLockedError, AuthenticationError
from rolecall._rolecall import Directory, Session
from rolecall._web import (
    DirectoryHandle,
    DirectoryLocation,
    Principal,
    SessionTokens,
    permission,
    permissions,
    scope_id,
)

__all__ = [
    "LoginResult",
    "Principal",
    "Rolecall",
    "bearer",
    "current_principal",
    "get_rolecall",
    "require",
    "require_scoped",
]

#: The OpenAPI security scheme: an HTTP bearer token, named ``rolecall``.
bearer = HTTPBearer(
    scheme_name="rolecall",
    bearerFormat="rolecall session token",
    description="The token returned by logging in (Rolecall.login); "
    "it stops working as soon as the user's rolecall security stamp changes.",
    auto_error=False,
)


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the token to send back, the user, and whether its password is
    temporary (to be changed before anything else, the host's flow decides how)."""

    token: str
    user: int
    must_change_password: bool


class Rolecall:
    """The directory an application authorizes against, and its session token signer.

    Args:
        directory: an open ``Directory``, a SQLite path, or a ``postgresql://`` URL.
        secret_key: the key tokens are signed with (at least 16 bytes; keep it secret, share
            it between the workers that must accept each other's tokens).
        max_age: seconds a token is accepted after it was issued (``None``: until the
            session is revoked).
        directory_options: keyword arguments for opening a location (``schema=`` of
            ``Directory.open_postgres``, ``busy_timeout=`` of a SQLite ``Directory``, ...).
    """

    def __init__(
        self,
        directory: DirectoryLocation,
        *,
        secret_key: Union[str, bytes],
        max_age: Optional[float] = 12 * 3600,
        directory_options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self._directory = DirectoryHandle(directory, directory_options)
        self.tokens = SessionTokens(secret_key, max_age=max_age)

    @property
    def directory(self) -> Directory:
        """The directory, opened at its first use in the process (so after a pre-forking
        server forked), and again in a forked child."""
        return self._directory.get()

    def init_app(self, app: FastAPI) -> None:
        """Makes this the app's directory (``app.state.rolecall``) and answers a failed
        login (``rolecall.AuthenticationError``) with 401."""
        app.state.rolecall = self
        app.add_exception_handler(AuthenticationError, _authentication_failed)

    def login(self, tenant: int, email: str, password: str) -> LoginResult:
        """Logs in through ``Directory.login`` (the GIL is released while hashing).

        Raises the core's ``AuthenticationFailedError`` / ``AccountLockedError`` (both
        ``AuthenticationError``) and input errors unchanged.
        """
        session = self.directory.login(tenant, email, password)
        return LoginResult(self.token_for(session), session.user, session.must_change_password)

    def token_for(self, session: Session) -> str:
        """A bearer token for a session returned by ``Directory.login``."""
        return self.tokens.issue(session)

    def principal(self, token: Optional[str]) -> Optional[Principal]:
        """The live session a token carries: ``None`` when there is none, the token is not
        one of ours, or the core no longer accepts the session."""
        if not token:
            return None
        p = self.tokens.read(token)
        if p is None or not self.directory.session_valid(p.user, p.stamp):
            return None
        return p


async def _authentication_failed(_request: Request, exc: Exception) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"}
    body: dict[str, Any] = {"detail": getattr(exc, "kind", "authentication_failed")}
    if isinstance(exc, AccountLockedError) and exc.until is not None:
        body["until"] = exc.until
    return JSONResponse(body, status_code=401, headers=headers)


def get_rolecall(request: Request) -> Rolecall:
    """Dependency: the app's :class:`Rolecall` (``Rolecall.init_app`` must have run)."""
    rc = getattr(request.app.state, "rolecall", None)
    if not isinstance(rc, Rolecall):
        raise RuntimeError("rolecall.fastapi: call Rolecall(...).init_app(app) first")
    return rc


def _unauthorized() -> HTTPException:
    return HTTPException(401, "not authenticated", headers={"WWW-Authenticate": "Bearer"})


async def current_principal(
    request: Request,
    credentials: Annotated[Optional[HTTPAuthorizationCredentials], Security(bearer)],
) -> Principal:
    """Dependency: the session the request's bearer token carries, alive in the core; 401
    otherwise."""
    rc = get_rolecall(request)
    p = rc.principal(credentials.credentials if credentials is not None else None)
    if p is None:
        raise _unauthorized()
    return p


def require(*names: Union[str, Permission]) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the request's principal, which must hold every permission named
    (``Directory.check``); 401 without a live session, 403 when the core denies.

    Names are converted now: a name outside the catalogue raises ``UnknownPermissionError``
    when the route is declared, never at request time.
    """
    wanted = permissions(names)

    async def dependency(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        d = get_rolecall(request).directory
        for p in wanted:
            if not d.check(principal.user, p):
                raise HTTPException(403, f"permission denied: {p}")
        return principal

    return dependency


def require_scoped(
    name: Union[str, Permission], *, param: str = "scope_id"
) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the request's principal, which must hold the permission on the
    scope whose id is the path parameter ``param`` (``Directory.check_scoped``: a right held
    on a scope above it, or unscoped, counts); 401 without a live session, 403 when the core
    denies, 404 when the parameter is not a scope id."""
    wanted = permission(name)

    async def dependency(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        if param not in request.path_params:
            raise RuntimeError(f"rolecall.fastapi: the route has no path parameter {param!r}")
        scope = scope_id(request.path_params[param])
        if scope is None:
            raise HTTPException(404, "no such scope")
        if not get_rolecall(request).directory.check_scoped(principal.user, wanted, scope):
            raise HTTPException(403, f"permission denied: {wanted}")
        return principal

    return dependency
