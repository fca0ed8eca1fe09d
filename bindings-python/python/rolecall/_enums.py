"""The enums of rolecall, built at import time from the core's own catalogues.

Nothing here is a hand-copied table: the members of :class:`Permission` come from the core's
permission catalogue (names, dotted names and bits), those of :class:`Product`,
:class:`AccessLevel`, :class:`ScopeKind` and :class:`Preset` from the core's lists. The stub
``_enums.pyi`` spells the members out for type checkers; a test checks that it lists exactly
these.
"""

from __future__ import annotations

import enum
from typing import Any, Iterable, List, Optional

from rolecall import _rolecall as _native

__all__ = ["AccessLevel", "Permission", "Preset", "Product", "ScopeKind"]


class _PermissionFlag(enum.IntFlag):
    """A set of permissions; a single permission is a set with exactly one bit."""

    @classmethod
    def _missing_(cls, value: Any) -> Any:
        if isinstance(value, str):
            return cls(_native.permission_from_name(value))
        return super()._missing_(value)

    @classmethod
    def from_name(cls, name: str) -> Any:
        """The permission with this exact dotted name (``"campaigns.view"``); raises
        UnknownPermissionError (a ValueError) for a name not in the catalogue."""
        return cls(_native.permission_from_name(name))

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Any:
        """The set of the permissions with these dotted names (empty for no names)."""
        bits = 0
        for name in names:
            bits |= _native.permission_from_name(name)
        return cls(bits)

    @classmethod
    def parse(cls, text: str) -> Any:
        """The set written as dotted names joined by ``|`` or ``,`` (as ``str()`` prints it)."""
        return cls(_native.permission_parse(text))

    @property
    def dotted_name(self) -> Optional[str]:
        """The dotted name of a single permission; None for an empty or multi-bit set."""
        return _native.permission_name(int(self))

    def names(self) -> List[str]:
        """The dotted names of the permissions in this set, in catalogue order."""
        return _native.permission_names_of(int(self))

    def __str__(self) -> str:
        return _native.permission_display(int(self))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec) if not spec else int.__format__(int(self), spec)


class _NamedEnum(enum.Enum):
    """An enum whose values are the core's stable snake_case names."""

    @property
    def index(self) -> int:
        """The stable number of this member (its position in the core's list)."""
        return type(self)._member_names_.index(self.name)

    def __str__(self) -> str:
        return str(self.value)


class _OrderedEnum(_NamedEnum):
    """A named enum ordered by its members' stable numbers."""

    def __lt__(self, other: Any) -> bool:
        if type(other) is type(self):
            return self.index < other.index
        return NotImplemented

    def __le__(self, other: Any) -> bool:
        if type(other) is type(self):
            return self.index <= other.index
        return NotImplemented

    def __gt__(self, other: Any) -> bool:
        if type(other) is type(self):
            return self.index > other.index
        return NotImplemented

    def __ge__(self, other: Any) -> bool:
        if type(other) is type(self):
            return self.index >= other.index
        return NotImplemented


class _PresetEnum(_NamedEnum):
    """A role catalogue of one product family."""

    def roles(self) -> List[_native.PresetRole]:
        """The roles of this preset, in the source's order, as the core defines them."""
        return _native.preset_roles(self.value)


def _named(base: Any, name: str, values: List[str], doc: str) -> Any:
    cls = base(name, [(v.upper(), v) for v in values], module="rolecall", qualname=name)
    cls.__doc__ = doc
    return cls


Permission = _PermissionFlag(
    "Permission",
    [(konst, bits) for konst, _dotted, bits in _native.permission_catalogue()],
    module="rolecall",
    qualname="Permission",
)
Permission.__doc__ = """A set of permissions (an ``enum.IntFlag``); a single permission is a set
with one bit. Combine with ``|``; build by dotted name with ``Permission("campaigns.view")``
or ``Permission.from_name``; ``str()`` prints dotted names. The members and bits are the core's
catalogue (bits are part of the C ABI and never change)."""

Product = _named(
    _NamedEnum,
    "Product",
    _native.products(),
    "One of the seven products access is set for per agreement (002); values are the core's "
    "stable names (``Product('virtual_pbx')``).",
)

AccessLevel = _named(
    _OrderedEnum,
    "AccessLevel",
    _native.access_levels(),
    "Access level of a user on a product of an agreement, ordered "
    "NO_ACCESS < USER < ADMINISTRATOR < OWNER (002).",
)

ScopeKind = _named(
    _NamedEnum,
    "ScopeKind",
    _native.scope_kinds(),
    "The built-in kind of a scope: CALL_GROUP and IVR (003), QUEUE, CAMPAIGN, NUMBER (a phone "
    "number / DID) and TEAM (a unit of users, the only kind users are members of). A kind the "
    "tenant defines is a plain str (``\"brand\"``): accepted wherever a kind is taken, and "
    "returned as that str (``Scope.kind``).",
)

Preset = _named(
    _PresetEnum,
    "Preset",
    _native.presets(),
    "A role catalogue of one product family: MANAGERS (000), ROLE_MODEL (001), "
    "DASHBOARD (003).",
)
