"""rolecall for Flask with Flask-Login: log in through the core, and views guarded by it.

Example::

    from flask import Flask
    from rolecall.flask import Rolecall, permission_required, scoped_permission_required

    app = Flask(__name__)
    app.secret_key = SECRET                     # Flask signs its session cookie with it
    app.config["ROLECALL_DIRECTORY"] = "pbx.db" # a SQLite path or a postgresql:// URL
    rc = Rolecall(app)                          # sets up Flask-Login's user loader

    @app.post("/login")
    def login():
        rc.login(tenant, request.form["email"], request.form["password"])  # Directory.login
        ...

    @app.get("/campaigns")
    @permission_required("campaigns.view")
    def campaigns(): ...

    @app.post("/campaigns/<int:scope_id>/start")
    @scoped_permission_required("campaigns.control")
    def start(scope_id: int): ...

- Flask-Login's ``current_user`` is a :class:`RolecallUser` (the rolecall user id and the
  security stamp of its login). The user loader asks the core on every request whether the
  session is alive (``Directory.session_valid``): once the user's security stamp changed (its
  password or login email changed, its access shrank, it was deactivated) the request is
  anonymous, at once, on every worker.
- ``permission_required(*permissions)`` asks ``Directory.check`` for each;
  ``scoped_permission_required(permission, param="scope_id")`` asks ``Directory.check_scoped``
  with the scope id of the view argument ``param``. Not logged in (or revoked): Flask-Login's
  ``unauthorized()`` (a redirect to ``login_view``, else 401); denied by the core, or logged
  in as a user without a rolecall id: 403; a scope argument that is not an id: 404.
- Any user object of your own works with the decorators when it has an integer
  ``rolecall_id`` attribute (the session check is then your loader's).

Nothing here decides a rule: every answer is the core's.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional, TypeVar, Union, cast

from rolecall._web import require_framework

require_framework("flask", "flask")
require_framework("flask_login", "flask")

import flask_login  # type: ignore[import-untyped]  # noqa: E402
from flask import Flask, abort, current_app  # noqa: E402

from rolecall._enums import Permission
from rolecall._rolecall import Directory, Session
from rolecall._web import DirectoryHandle, DirectoryLocation, permission, permissions, scope_id

__all__ = [
    "Rolecall",
    "RolecallUser",
    "permission_required",
    "rolecall_id",
    "scoped_permission_required",
]

_F = TypeVar("_F", bound=Callable[..., Any])


class RolecallUser:
    """A Flask-Login user standing for a rolecall user, in one login session.

    ``get_id()`` is ``"<user>.<stamp>"``: Flask keeps it in its signed session cookie, and the
    loader gives the user back only while the core accepts the stamp.
    """

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, directory: Directory, user: int, stamp: int) -> None:
        self.directory = directory
        self.rolecall_id = user
        self.stamp = stamp

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: user id and security stamp."""
        return f"{self.rolecall_id}.{self.stamp}"

    def can(self, name: Union[str, Permission]) -> bool:
        """``Directory.check`` for this user (for templates: ``current_user.can("x.y")``)."""
        return self.directory.check(self.rolecall_id, permission(name))

    def can_in(self, name: Union[str, Permission], scope: int) -> bool:
        """``Directory.check_scoped`` for this user."""
        return self.directory.check_scoped(self.rolecall_id, permission(name), scope)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RolecallUser) and (other.rolecall_id, other.stamp) == (
            self.rolecall_id,
            self.stamp,
        )

    def __hash__(self) -> int:
        return hash((self.rolecall_id, self.stamp))

    def __repr__(self) -> str:
        return f"RolecallUser({self.rolecall_id})"


class Rolecall:
    """The Flask extension: the directory, and Flask-Login's user loader.

    Args:
        app: the application (or call :meth:`init_app` later).
        directory: an open ``Directory``, a SQLite path or a ``postgresql://`` URL; by
            default the app's ``ROLECALL_DIRECTORY`` setting (and its
            ``ROLECALL_DIRECTORY_OPTIONS``: keyword arguments for opening it, such as
            ``{"schema": "pbx"}`` for PostgreSQL).
        login_manager: the app's Flask-Login ``LoginManager``; by default the one the app
            has, else a new one.
    """

    def __init__(
        self,
        app: Optional[Flask] = None,
        directory: Optional[DirectoryLocation] = None,
        login_manager: Optional[Any] = None,
    ) -> None:
        self._location = directory
        self._directory: Optional[DirectoryHandle] = None
        self.login_manager = login_manager
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Takes the directory setting (opened at its first use in each process, so after a
        pre-forking server forked), registers the extension (``app.extensions["rolecall"]``) and
        installs the user loader on the app's Flask-Login manager."""
        location = (
            self._location if self._location is not None else app.config.get("ROLECALL_DIRECTORY")
        )
        if location is None:
            raise RuntimeError("rolecall.flask: pass directory= or set ROLECALL_DIRECTORY")
        options = app.config.get("ROLECALL_DIRECTORY_OPTIONS")
        self._directory = DirectoryHandle(location, options)
        lm = self.login_manager or getattr(app, "login_manager", None)
        if lm is None:
            lm = flask_login.LoginManager()
            lm.init_app(app)
        lm.user_loader(self.load_user)
        self.login_manager = lm
        app.extensions["rolecall"] = self

    @property
    def directory(self) -> Directory:
        """The directory (after :meth:`init_app`)."""
        if self._directory is None:
            raise RuntimeError("rolecall.flask: init_app has not run")
        return self._directory.get()

    def load_user(self, user_id: str) -> Optional[RolecallUser]:
        """Flask-Login's user loader: the user of a session id, while the core accepts it."""
        user, _, stamp = user_id.partition(".")
        if not (user.isdigit() and stamp.isdigit()):
            return None
        u, s = int(user), int(stamp)
        if not self.directory.session_valid(u, s):
            return None
        return RolecallUser(self.directory, u, s)

    def user_for(self, session: Session) -> RolecallUser:
        """The Flask-Login user of a session returned by ``Directory.login``."""
        return RolecallUser(self.directory, session.user, session.stamp)

    def login(self, tenant: int, email: str, password: str, *, remember: bool = False) -> Session:
        """Logs in through ``Directory.login`` and starts the Flask-Login session.

        Raises the core's ``AuthenticationFailedError`` / ``AccountLockedError`` (both
        ``AuthenticationError``) and input errors unchanged; nothing is logged in then.
        """
        session = self.directory.login(tenant, email, password)
        flask_login.login_user(self.user_for(session), remember=remember)
        return session


def rolecall_id(user: Any) -> Optional[int]:
    """The rolecall user id of a Flask-Login user: its integer ``rolecall_id``, ``None`` for
    an anonymous user or one without it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    rid = getattr(user, "rolecall_id", None)
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def _directory() -> Directory:
    ext = current_app.extensions.get("rolecall")
    if not isinstance(ext, Rolecall):
        raise RuntimeError("rolecall.flask: Rolecall(app) has not been set up")
    return ext.directory


def _guard(view: _F, allowed: Callable[[Directory, int, dict[str, Any]], bool]) -> _F:
    def verdict(kwargs: dict[str, Any]) -> Any:
        current = flask_login.current_user
        if current is None or not current.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        user = rolecall_id(current)
        if user is None:  # logged in, but as nobody the core knows
            abort(403)
        if not allowed(_directory(), user, kwargs):
            abort(403)
        return None

    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            refused = verdict(kwargs)
            return refused if refused is not None else await view(*args, **kwargs)

        return cast(_F, async_wrapper)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refused = verdict(kwargs)
        return refused if refused is not None else view(*args, **kwargs)

    return cast(_F, wrapper)


def permission_required(*names: Union[str, Permission]) -> Callable[[_F], _F]:
    """Decorator: the view runs only for a logged-in user holding every permission named
    (``Directory.check``). Names are converted when the view is declared
    (``UnknownPermissionError`` for a name outside the catalogue)."""
    wanted = permissions(names)

    def allowed(d: Directory, user: int, _kwargs: dict[str, Any]) -> bool:
        return all(d.check(user, p) for p in wanted)

    return lambda view: _guard(view, allowed)


def scoped_permission_required(
    name: Union[str, Permission], *, param: str = "scope_id"
) -> Callable[[_F], _F]:
    """Decorator: the view runs only for a logged-in user holding the permission on the scope
    whose id is the view argument ``param`` (``Directory.check_scoped``); 404 when the
    argument is not a scope id."""
    wanted = permission(name)

    def allowed(d: Directory, user: int, kwargs: dict[str, Any]) -> bool:
        if param not in kwargs:
            raise RuntimeError(f"rolecall.flask: the view has no argument {param!r}")
        scope = scope_id(kwargs[param])
        if scope is None:
            abort(404)
        return d.check_scoped(user, wanted, scope)

    return lambda view: _guard(view, allowed)
