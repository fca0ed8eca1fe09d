"""What the web framework integrations share: opening a directory from a setting, naming
permissions, and carrying a login session (user id and security stamp) in a signed token.

Nothing here decides anything about the rules: a request is allowed only when the core says
so (``Directory.check`` / ``check_scoped``), and a session is alive only while the core says
so (``Directory.session_valid``). The token is transport: it carries what ``Directory.login``
returned, signed so that it cannot be forged, and is worth nothing once the user's security
stamp changes.
"""

from __future__ import annotations

import base64
import importlib.util
import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from rolecall._enums import Permission
from rolecall._rolecall import Directory, Session

__all__ = [
    "DirectoryHandle",
    "DirectoryLocation",
    "Principal",
    "SessionTokens",
    "open_directory",
    "permission",
    "permissions",
    "require_framework",
    "scope_id",
]


def require_framework(module: str, extra: str) -> None:
    """Raises ``ImportError`` naming the extra to install when ``module`` is not installed
    (the integrations' frameworks are optional dependencies)."""
    if importlib.util.find_spec(module) is None:
        raise ImportError(
            f"rolecall.{extra} needs {module}: pip install 'rolecall[{extra}]'", name=module
        )


#: What a setting may name: an open ``Directory``, a SQLite file path, or a PostgreSQL URL
#: (``postgresql://...`` or ``postgres://...``).
DirectoryLocation = Union[Directory, str, "os.PathLike[str]"]

_PG_PREFIXES = ("postgresql://", "postgres://")


def open_directory(
    location: DirectoryLocation, options: Optional[Mapping[str, Any]] = None
) -> Directory:
    """The directory a setting names: an open ``Directory`` as it is, a ``postgresql://`` or
    ``postgres://`` URL through ``Directory.open_postgres(url, **options)`` (which follows the
    store; options such as ``schema``, ``poll_interval``), anything else as the path of a
    SQLite file, ``Directory(path, **options)`` (created when missing; options such as
    ``read_only``, ``busy_timeout``).

    Raises ``TypeError`` for any other value or an unknown option, and the core's errors
    (``StorageError``, ``UnavailableError``, ...) when the store cannot be opened.
    """
    opts = dict(options or {})
    if isinstance(location, Directory):
        return location
    if isinstance(location, str) and location.startswith(_PG_PREFIXES):
        return Directory.open_postgres(location, **opts)
    if isinstance(location, (str, os.PathLike)):
        return Directory(location, **opts)
    raise TypeError(
        "a rolecall directory is a Directory, a SQLite path or a postgresql:// URL, "
        f"not {type(location).__name__}"
    )


class DirectoryHandle:
    """A directory setting, opened at first use in each process.

    A location (a path or a URL) is opened by the first call of :meth:`get` in a process, and
    again in a child after a ``fork()`` (a pre-forking server loading the app before forking):
    neither a connection nor the PostgreSQL listener survives a fork. An open ``Directory``
    given as the location is used as it is. ``options`` are the keyword arguments of the
    opening call (:func:`open_directory`).
    """

    def __init__(
        self, location: DirectoryLocation, options: Optional[Mapping[str, Any]] = None
    ) -> None:
        if not isinstance(location, (Directory, str, os.PathLike)):
            raise TypeError(
                "a rolecall directory is a Directory, a SQLite path or a postgresql:// URL, "
                f"not {type(location).__name__}"
            )
        self.location = location
        self.options: Dict[str, Any] = dict(options or {})
        self._lock = threading.Lock()
        self._opened: Optional[Tuple[int, Directory]] = None

    def get(self) -> Directory:
        """The directory, opened now if this process has not opened it yet."""
        if isinstance(self.location, Directory):
            return self.location
        opened = self._opened
        if opened is not None and opened[0] == os.getpid():
            return opened[1]
        with self._lock:
            if self._opened is None or self._opened[0] != os.getpid():
                self._opened = (os.getpid(), open_directory(self.location, self.options))
            return self._opened[1]


def permission(name: Union[str, Permission]) -> Permission:
    """The permission a dotted name (``"campaigns.control"``) stands for; raises
    ``UnknownPermissionError`` (a ``ValueError``) for a name outside the catalogue."""
    if isinstance(name, Permission):
        return name
    if not isinstance(name, str):
        raise TypeError(f"a permission is a dotted name or a Permission, not {type(name).__name__}")
    return Permission.from_name(name)


def permissions(names: Iterable[Union[str, Permission]]) -> Tuple[Permission, ...]:
    """Every name converted by :func:`permission`; at least one is required."""
    out = tuple(permission(n) for n in names)
    if not out:
        raise ValueError("at least one permission is required")
    return out


def scope_id(value: object) -> Optional[int]:
    """A scope id taken from a URL (an ``int``, or a ``str`` of decimal digits), or ``None``
    when the value cannot be one (the route then answers 404)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        return int(value)
    return None


@dataclass(frozen=True)
class Principal:
    """The rolecall user a request acts as, and the security stamp of its login session."""

    user: int
    stamp: int


_VERSION = "rc1"


class SessionTokens:
    """Signs a login session (user id, security stamp, time of issue) into an opaque bearer
    token, and reads it back.

    A token is ``rc1.<user>.<stamp>.<issued>.<HMAC-SHA256>``; reading one checks the signature
    (keyed with ``secret_key``) and the age (at most ``max_age`` seconds, ``None`` for no
    limit). Whether the session is still alive is the core's answer, asked on every request:
    ``Directory.session_valid(user, stamp)``, false as soon as the user's security stamp
    changed (its password or login email changed, its access shrank, it was deactivated).
    """

    def __init__(
        self, secret_key: Union[str, bytes], *, max_age: Optional[float] = 12 * 3600
    ) -> None:
        key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValueError("secret_key must be at least 16 bytes")
        if max_age is not None and max_age <= 0:
            raise ValueError("max_age must be positive (or None)")
        self._key = key
        self.max_age = max_age

    def _sign(self, body: str) -> str:
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def issue(self, session: Union[Session, Principal], *, now: Optional[float] = None) -> str:
        """A token for a session returned by ``Directory.login`` (or a principal)."""
        issued = int(time.time() if now is None else now)
        body = f"{_VERSION}.{int(session.user)}.{int(session.stamp)}.{issued}"
        return f"{body}.{self._sign(body)}"

    def read(self, token: str, *, now: Optional[float] = None) -> Optional[Principal]:
        """The principal a token carries, or ``None`` for a token that is malformed, forged or
        too old. The session may still have been revoked: ask ``Directory.session_valid``."""
        parts = token.split(".")
        if len(parts) != 5 or parts[0] != _VERSION:
            return None
        body, sig = ".".join(parts[:4]), parts[4]
        if not hmac.compare_digest(sig.encode(), self._sign(body).encode()):
            return None
        try:
            user, stamp, issued = int(parts[1]), int(parts[2]), int(parts[3])
        except ValueError:
            return None
        if self.max_age is not None:
            age = (time.time() if now is None else now) - issued
            if age > self.max_age or age < -60:
                return None
        return Principal(user, stamp)
