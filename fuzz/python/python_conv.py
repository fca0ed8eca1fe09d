"""Fuzz target `python_conv`: the Python argument conversion layer of the `rolecall` wheel
(pyo3), driven by atheris (libFuzzer for Python) with fuzzed Python objects.

Every call gets arguments built from the fuzzer's bytes: ints of any size and sign, bools,
floats, str (lone surrogates included), bytes, bytearray, memoryview and array buffers of
every item type, lists, tuples, sets, dicts, None, records and enum members, in place of
users, permissions, scopes, kinds, products, presets, names, emails and batches. The outcome
contract: the call returns, or raises a rolecall error or TypeError / ValueError /
OverflowError / KeyError / IndexError. Anything else (a pyo3 PanicException, SystemError,
MemoryError, a crash of the process) is a finding.

The extension module is not instrumented for coverage (it is the ordinary wheel), so the
fuzzer's feedback comes from this file's branches only: this is a typed-object random test
of the conversion layer under libFuzzer's mutation, limits and crash handling, not a
coverage-guided search inside the Rust code (that is what the Rust targets do).

Run: scripts/fuzz.sh (target python_conv), or
    .venv/bin/python fuzz/python/python_conv.py fuzz/corpus/python_conv -max_total_time=20
"""

import array
import sys

import atheris

import rolecall  # noqa: E402

# Coverage of the Python code loaded: this harness and the package's Python layer (its enums,
# errors and re-exports); the compiled module itself is not instrumented.
atheris.instrument_all()

ALLOWED = (rolecall.RolecallError, TypeError, ValueError, OverflowError, KeyError, IndexError)


def fresh_directory():
    """A directory with one tenant, its superadministrator, a call group and its record."""
    d = rolecall.Directory.in_memory()
    t = d.create_tenant(
        "Acme",
        rolecall.NewUser(first_name="Ada", last_name="Root", email="root@acme.test"),
        presets=[rolecall.Preset.MANAGERS],
    )
    return d, t.superadmin, d.create_scope(t.superadmin, "call_group", "Sales"), d.user(t.superadmin)


# The calls that succeed create users, roles, scopes and audit events: the directory is
# replaced every RESET inputs, so that the process's memory stays flat unless something leaks
# (libFuzzer's -rss_limit_mb then catches the leak).
RESET = 20_000
D, ROOT, SCOPE, USER = fresh_directory()
RUNS = 0

INTS = [0, 1, -1, 2, ROOT, SCOPE, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), 2**127, 2**128, 10**40]
ARRAY_CODES = "bBhHiIlLqQfd"


def obj(fdp, depth=0):
    """A Python object of any kind the conversions may meet."""
    k = fdp.ConsumeIntInRange(0, 24)
    if k == 0:
        return None
    if k == 1:
        return fdp.PickValueInList(INTS)
    if k == 2:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 20))
    if k == 3:
        return fdp.ConsumeBool()
    if k == 4:
        return fdp.ConsumeFloat()
    if k in (5, 6):
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 40))
    if k == 7:
        return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
    if k == 8:
        return bytearray(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64)))
    if k == 9:
        code = fdp.PickValueInList(list(ARRAY_CODES))
        raw = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
        a = array.array(code)
        a.frombytes(raw[: len(raw) - len(raw) % a.itemsize])
        return a
    if k == 10:
        mv = memoryview(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64)))
        if len(mv) % 8 == 0 and fdp.ConsumeBool():
            return mv.cast("Q")
        return mv
    if k == 11:
        return fdp.PickValueInList(list(rolecall.Permission))
    if k == 12:
        return fdp.PickValueInList(["users.manage", "campaigns.view", "x", "", "users.manage|campaigns.view", "users.*"])
    if k == 13:
        return fdp.PickValueInList(list(rolecall.ScopeKind) + list(rolecall.Product) + list(rolecall.AccessLevel) + list(rolecall.Preset))
    if k == 14:
        return USER
    if depth < 2 and k in (15, 16):
        return [obj(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 5))]
    if depth < 2 and k == 17:
        return tuple(obj(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 5)))
    if depth < 2 and k == 18:
        return {str(obj(fdp, depth + 1)): obj(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 3))}
    if k == 19:
        return iter([ROOT, ROOT])
    if k == 20:
        return rolecall.Permission.USERS_MANAGE | rolecall.Permission.CAMPAIGNS_VIEW
    if k == 21:
        return object()
    if k == 22:
        return range(fdp.ConsumeIntInRange(0, 10))
    return fdp.PickValueInList([ROOT, SCOPE, 0])


CALLS = [
    lambda f: D.check(obj(f), obj(f)),
    lambda f: D.check_scoped(obj(f), obj(f), obj(f)),
    lambda f: D.check_user(obj(f), obj(f), obj(f)),
    lambda f: D.check_many(obj(f), obj(f)),
    lambda f: D.check_many(obj(f), obj(f), as_bytes=True),
    lambda f: D.snapshot().check_many(obj(f), obj(f)),
    lambda f: D.effective_permissions(obj(f)),
    lambda f: D.allowed_scopes(obj(f), obj(f), obj(f)),
    lambda f: D.users_with_permission(obj(f), obj(f), obj(f)),
    lambda f: D.access_level(obj(f), obj(f), obj(f)),
    lambda f: D.user(obj(f)),
    lambda f: D.user_by_email(obj(f), obj(f)),
    lambda f: D.create_scope(ROOT, obj(f), obj(f), obj(f)),
    lambda f: D.create_user(ROOT, first_name=obj(f), last_name=obj(f), email=obj(f), phone=obj(f),
                            roles=obj(f), scopes=obj(f), external_id=obj(f)),
    lambda f: D.create_users(ROOT, obj(f)),
    lambda f: D.create_role(ROOT, name=obj(f), permissions=obj(f), denied=obj(f), description=obj(f)),
    lambda f: D.set_user_roles(ROOT, obj(f), obj(f)),
    lambda f: D.install_preset(ROOT, obj(f)),
    lambda f: D.search_users(obj(f), obj(f), offset=obj(f), limit=obj(f)),
    lambda f: D.scim(ROOT, obj(f), obj(f), obj(f)),
    lambda f: D.import_tenant(ROOT, obj(f)),
    lambda f: D.import_users_csv(ROOT, obj(f)),
    lambda f: rolecall.Permission(obj(f)),
]


def TestOneInput(data):
    global D, RUNS
    RUNS += 1
    if RUNS % RESET == 0:
        # ROOT, SCOPE and USER keep their ids and values in the new directory.
        D = fresh_directory()[0]
    fdp = atheris.FuzzedDataProvider(data)
    for _ in range(fdp.ConsumeIntInRange(1, 4)):
        call = CALLS[fdp.ConsumeIntInRange(0, len(CALLS) - 1)]
        try:
            call(fdp)
        except ALLOWED:
            pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
