"""Python benchmark of rolecall checks, side by side with pycasbin, in one run.

Builds the generated call-center model of the Rust benchmarks (benches/src/lib.rs `build`, same
generator and seed, so the same tenant) through the public Python API, then times random
(user, permission) queries, never one repeated query, in batches, and prints the median and
p99 per call over batches next to the baseline measured in the same run: an empty pyo3 call
with the argument shape of a check (`rolecall._rolecall._noop(a, b)`, which returns False).

    python benches/python/bench_checks.py            # 1,000 and 100,000 users
    python benches/python/bench_checks.py --quick    # a small model, in seconds
    ROLECALL_BENCH_QUICK=1 python benches/python/bench_checks.py
    ROLECALL_BENCH_FULL=1 python benches/python/bench_checks.py   # adds 1,000,000 users
    python benches/python/bench_checks.py --sizes 10000 --no-casbin

Needs the `rolecall` package built in release (`benches/python/run.sh` does everything) and
`casbin` (pycasbin) from PyPI for the comparison (skipped with a note when missing).

How it measures: queries are drawn before timing (lists of user ids and of `Permission`
members, the ints rolecall returned and the enum's own members, as an application holds them);
each batch runs a plain `for` loop over its slice of the lists and is timed with
`time.perf_counter_ns`; the figure is the batch time divided by its calls, so it includes the
Python loop and call (the baseline pays exactly the same). The garbage collector is off while
timing, as `timeit` does. pycasbin gets the same model translated (users, roles and groups as
subjects: `g` for user -> role, user -> group and group -> role; `p, role, object, action` per
permission of a role, the dotted name split at its last dot) and answers are compared before
anything is timed.
"""

from __future__ import annotations

import argparse
import array
import gc
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import rolecall
from rolecall import AccessLevel, Directory, NewUser, Permission, Preset, Product, ScopeKind
from rolecall import _rolecall

try:
    import casbin  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - reported in the output
    casbin = None

# ----------------------------------------------------------------------------- the model


class Rng:
    """xorshift64*, bit for bit the `Rng` of benches/src/lib.rs (same seed, same model)."""

    MASK = (1 << 64) - 1

    def __init__(self, seed: int) -> None:
        self.s = seed

    def next_u64(self) -> int:
        x = self.s
        x ^= x >> 12
        x ^= (x << 25) & self.MASK
        x ^= x >> 27
        self.s = x
        return (x * 0x2545_F491_4F6C_DD1D) & self.MASK

    def below(self, n: int) -> int:
        return self.next_u64() % n


class Model:
    """The generated tenant, and what the casbin translation needs."""

    def __init__(self) -> None:
        self.dir = Directory()
        self.tenant = 0
        self.users: List[int] = []
        self.scopes: List[int] = []
        self.roles: Dict[int, Permission] = {}  # role id -> permissions (roles users get)
        self.user_roles: Dict[int, List[int]] = {}
        self.user_groups: Dict[int, List[int]] = {}
        self.group_roles: Dict[int, List[int]] = {}


def build(n: int, roles: int = 200, groups: int = 50) -> Model:
    """benches/src/lib.rs `build`, step for step with the same random numbers: a tenant with
    the Dashboard preset, 20 call groups, `roles` custom roles of up to 8 random permissions
    (every fifth scoped) plus the preset Supervisor, `groups` groups of 2 roles, `n` users
    with one role each in 1-3 groups, a quarter of them with 2 call groups, 4 agreements."""
    m = Model()
    d = m.dir
    rng = Rng(0x5EED)
    t = d.create_tenant(
        "Bench", NewUser("Root", "Bench", "root@bench.test"), presets=[Preset.DASHBOARD]
    )
    m.tenant = t.tenant
    root = t.superadmin
    m.scopes = [d.create_scope(root, ScopeKind.CALL_GROUP, f"Group {i}") for i in range(20)]
    catalogue = [Permission.from_name(name) for name in rolecall.permission_names()]
    role_ids: List[int] = []
    for i in range(roles):
        p = Permission(0)
        for _ in range(8):
            p |= catalogue[rng.below(len(catalogue))]
        r = d.create_role(root, name=f"Role {i}", permissions=p, scoped=i % 5 == 0)
        role_ids.append(r)
    supervisor = d.role_by_name(t.tenant, "Supervisor")
    role_ids.append(supervisor.id)
    for r in role_ids:
        m.roles[r] = d.role(r).permissions
    group_ids = []
    for i in range(groups):
        rs = [role_ids[rng.below(len(role_ids))], role_ids[rng.below(len(role_ids))]]
        g = d.create_group(root, f"Team {i}", rs)
        group_ids.append(g)
        m.group_roles[g] = sorted(set(rs))
    batch = [
        NewUser(
            "Agent", f"No {i}", f"agent{i}@bench.test", roles=[role_ids[rng.below(len(role_ids))]]
        )
        for i in range(n)
    ]
    m.users = d.create_users(root, batch)
    for u, nu in zip(m.users, batch):
        m.user_roles[u] = list(nu.roles)
        gs = m.user_groups[u] = []
        for _ in range(1 + rng.below(3)):
            g = group_ids[rng.below(len(group_ids))]
            d.add_member(root, g, u)
            gs.append(g)
        if rng.below(4) == 0:
            d.set_user_scopes(
                root,
                u,
                [m.scopes[rng.below(len(m.scopes))], m.scopes[rng.below(len(m.scopes))]],
            )
    # Four agreements owned by the superadministrator, each granting product levels to a
    # share of the users (no effect on the checks timed here; built to keep the same model).
    products = [Product.TELEPHONY, Product.VIRTUAL_PBX, Product.AUTOMATED_CALLS, Product.CHATBOTS]
    levels = [AccessLevel.NO_ACCESS, AccessLevel.USER, AccessLevel.ADMINISTRATOR]
    for i in range(4):
        a = d.create_agreement(root, f"Contract {i}", root)
        for _ in range(min(n // 20, 500)):
            d.set_access_level(
                root,
                a,
                m.users[rng.below(len(m.users))],
                products[rng.below(len(products))],
                levels[rng.below(len(levels))],
            )
    return m


# ----------------------------------------------------------------------------- casbin

# Shared with the Rust comparison benchmark (benches/benches/compare.rs).
CASBIN_MODEL = (Path(__file__).resolve().parent.parent / "casbin-rbac.conf").read_text()


def split_name(name: str) -> Tuple[str, str]:
    """`campaigns.control` -> (`campaigns`, `control`): casbin's object and action."""
    obj, _, act = name.rpartition(".")
    return obj, act


def split_permission(p: Permission) -> Tuple[str, str]:
    name = p.dotted_name
    assert name is not None
    return split_name(name)


def casbin_files(m: Model, where: Path) -> Tuple[str, str]:
    """The model translated for casbin: a model file and a policy CSV."""
    lines = []
    for r, perms in m.roles.items():
        for name in perms.names():
            obj, act = split_name(name)
            lines.append(f"p, r{r}, {obj}, {act}")
    for g, rs in m.group_roles.items():
        lines.extend(f"g, g{g}, r{r}" for r in rs)
    for u in m.users:
        lines.extend(f"g, u{u}, r{r}" for r in m.user_roles[u])
        lines.extend(f"g, u{u}, g{g}" for g in sorted(set(m.user_groups[u])))
    model = where / "model.conf"
    policy = where / "policy.csv"
    model.write_text(CASBIN_MODEL, encoding="utf-8")
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(model), str(policy)


# ----------------------------------------------------------------------------- timing


class Stats:
    def __init__(self, per_call_ns: Sequence[float]) -> None:
        s = sorted(per_call_ns)
        self.median = statistics.median(s)
        self.p99 = s[min(len(s) - 1, len(s) * 99 // 100)]
        self.samples = len(s)


def loop2(fn: Callable[[Any, Any], Any], us: List[Any], ps: List[Any]) -> int:
    """One call per (user, permission) pair; the time of the whole batch."""
    clock = time.perf_counter_ns
    t0 = clock()
    for u, p in zip(us, ps):
        fn(u, p)
    return clock() - t0


def loop3(fn: Callable[[Any, Any, Any], Any], us: List[Any], ps: List[Any]) -> int:
    """As `loop2`, for casbin's (subject, object, action) requests."""
    clock = time.perf_counter_ns
    t0 = clock()
    for u, (o, a) in zip(us, ps):
        fn(u, o, a)
    return clock() - t0


def call1(fn: Callable[[Any, Any], Any], us: Any, ps: Any) -> int:
    """One call for the whole batch (check_many)."""
    clock = time.perf_counter_ns
    t0 = clock()
    fn(us, ps)
    return clock() - t0


class Variant:
    """One row: `fn` timed over the batches `ubs` / `pbs` with `loop` (`loop2`, `loop3` or
    `call1`); `samples` are ns per check, one per batch."""

    def __init__(
        self,
        label: str,
        fn: Callable[..., Any],
        ubs: List[Any],
        pbs: List[Any],
        loop: Callable[[Any, Any, Any], int] = loop2,
    ) -> None:
        self.label = label
        self.fn = fn
        self.ubs = ubs
        self.pbs = pbs
        self.loop = loop
        self.samples: List[float] = []
        self.stats: Optional[Stats] = None

    @property
    def batch(self) -> int:
        return len(self.ubs[0])

    @property
    def per_batch_call(self) -> bool:
        return self.loop is call1

    def run(self, i: int) -> float:
        ub = self.ubs[i]
        return self.loop(self.fn, ub, self.pbs[i]) / len(ub)


def interleaved(variants: List[Variant], rounds: int, warm: int) -> None:
    """Times every variant on batch i, round after round (the order rotating), so that a
    shared machine's load falls on all of them alike. GC off while timing, as in `timeit`."""
    gc.collect()
    gc.disable()
    try:
        k = len(variants)
        for i in range(warm + rounds):
            for j in range(k):
                v = variants[(i + j) % k]
                ns = v.run(i)
                if i >= warm:
                    v.samples.append(ns)
    finally:
        gc.enable()
    for v in variants:
        v.stats = Stats(v.samples)


def batches(items: List[Any], size: int) -> List[List[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# ----------------------------------------------------------------------------- the run


def fmt_ns(ns: float) -> str:
    if ns >= 100_000:
        return f"{ns / 1000:,.0f} µs"
    if ns >= 10_000:
        return f"{ns / 1000:,.1f} µs"
    return f"{ns:,.1f} ns"


def run_size(n: int, args: argparse.Namespace) -> Dict[str, Any]:
    rng = random.Random(0xC0FFEE ^ n)
    t0 = time.perf_counter()
    m = build(n, min(args.roles, n), min(args.groups, n))
    built = time.perf_counter() - t0
    d = m.dir
    snap = d.snapshot()
    catalogue = [Permission.from_name(name) for name in rolecall.permission_names()]
    batch = args.batch
    rounds = args.rounds
    warm = args.warmup
    total = batch * (rounds + warm)

    # The queries, drawn once: user ids (the int objects the directory returned) and
    # Permission members, as an application holds them; the int-bits rows ask the very same
    # queries with the permissions' ints.
    qu = [m.users[rng.randrange(n)] for _ in range(total)]
    qp = [catalogue[rng.randrange(len(catalogue))] for _ in range(total)]
    bits_of = {p: int(p) for p in catalogue}
    qi = [bits_of[p] for p in qp]
    ubs, pbs, ibs = batches(qu, batch), batches(qp, batch), batches(qi, batch)
    # Integer buffers: array.array("Q") (a NumPy uint64 array takes the same path). A "Q"
    # item holds 64 bits, so these pairs draw from the 64 permissions below bit 64.
    small = [p for p in catalogue if int(p) < 1 << 64]
    uarr = [array.array("Q", ub) for ub in ubs]
    parr = [array.array("Q", [int(small[rng.randrange(len(small))]) for _ in ub]) for ub in ubs]
    # A report: which of these users may do X (one permission per batch, drawn at random).
    one = [catalogue[rng.randrange(len(catalogue))] for _ in ubs]

    # Every form agrees with Directory.check before anything is timed.
    sample = range(min(2000, total))
    want = [d.check(qu[i], qp[i]) for i in sample]
    assert [d.check(qu[i], qi[i]) for i in sample] == want
    assert [snap.check(qu[i], qp[i]) for i in sample] == want
    assert d.check_many([qu[i] for i in sample], [qp[i] for i in sample]) == want
    assert sum(want) not in (0, len(want)), "the model answers all-yes or all-no"
    for k in range(min(3, len(ubs))):
        got = snap.check_many(uarr[k], parr[k], as_bytes=True)
        assert list(got) == [snap.check(u, p) for u, p in zip(ubs[k], parr[k])]
        got = snap.check_many(uarr[k], one[k], as_bytes=True)
        assert list(got) == [snap.check(u, one[k]) for u in ubs[k]]

    def as_bytes(u: Any, p: Any) -> bytes:
        return snap.check_many(u, p, as_bytes=True)

    base = Variant("empty pyo3 call _noop(user, permission)", _rolecall._noop, ubs, pbs)
    check = Variant("Directory.check(user, Permission.X)", d.check, ubs, pbs)
    snap_row = Variant("Snapshot.check(user, Permission.X)", snap.check, ubs, pbs)
    singles = [
        base,
        check,
        Variant("Directory.check(user, int bits)", d.check, ubs, ibs),
        snap_row,
    ]
    many = [
        Variant("Directory.check_many(list, list)", d.check_many, ubs, pbs, call1),
        Variant("Snapshot.check_many(list, list, as_bytes=True)", as_bytes, ubs, pbs, call1),
        Variant(
            "Snapshot.check_many(array Q, array Q, as_bytes=True)", as_bytes, uarr, parr, call1
        ),
        Variant(
            "Snapshot.check_many(array Q, one Permission, as_bytes=True)",
            as_bytes,
            uarr,
            one,
            call1,
        ),
    ]
    interleaved(singles + many, rounds, warm)

    # pycasbin on the same model and the same kind of queries.
    casbin_rows: List[Variant] = []
    casbin_note = ""
    if args.no_casbin:
        casbin_note = "pycasbin: skipped (--no-casbin)"
    elif casbin is None:
        casbin_note = "pycasbin: not installed (pip install casbin), skipped"
    else:
        casbin_rows, casbin_note = run_casbin(m, d, qu, qp, args)

    # ----------------------------------------------------------------------- report
    print()
    print(
        f"== {n:,} users, {min(args.roles, n)} custom roles + Supervisor, {min(args.groups, n)} "
        f"groups, 20 call "
        f"groups (model built through the Python API in {built:.2f} s)"
    )
    print(
        f"   rolecall rows: {rounds:,} batches of {batch:,} random queries each (after {warm} "
        f"warm-up batches), timed in turn; median and p99 over batches; GC off while timing"
    )
    rows = singles + many + casbin_rows
    labels = [r.label + (", per check" if r.per_batch_call else "") for r in rows]
    w = max(len(label) for label in labels) + 2
    print(f"   {'ns per check':{w}}{'median':>11}{'p99':>11}{'vs empty':>12}{'above empty':>13}")
    b = base.stats
    assert b is not None
    for r, label in zip(rows, labels):
        s = r.stats
        assert s is not None
        x = s.median / b.median
        vs = f"{x:,.2f}×" if x < 100 else f"{x:,.0f}×"
        above = "" if r is base or r.per_batch_call else fmt_ns(s.median - b.median)
        extra = f"   ({s.samples} batches of {r.batch})" if r in casbin_rows else ""
        print(f"   {label:{w}}{fmt_ns(s.median):>11}{fmt_ns(s.p99):>11}{vs:>12}{above:>13}{extra}")
    print(
        f"   (check_many rows: one call per batch of {batch:,} pairs, its time divided by "
        f"{batch:,}; the (array Q, array Q) row draws from the {len(small)} permissions "
        f"below bit 64, the most a 'Q' item holds)"
    )
    print(f"   {casbin_note}")
    cs = check.stats
    ss = snap_row.stats
    assert cs is not None and ss is not None
    for r in casbin_rows:
        assert r.stats is not None
        print(
            f"   {r.label.split('.enforce')[0]} is {r.stats.median / cs.median:,.0f}× "
            f"Directory.check and {r.stats.median / ss.median:,.0f}× Snapshot.check (medians)"
        )
    return {
        "n": n,
        "check": cs,
        "many": {r.label: r.stats for r in many},
        "casbin": {r.label.split(".enforce")[0]: r.stats for r in casbin_rows},
    }


def run_casbin(
    m: Model, d: Directory, qu: List[int], qp: List[Permission], args: argparse.Namespace
) -> Tuple[List[Variant], str]:
    """pycasbin's Enforcer and FastEnforcer on the model: answers compared with rolecall's,
    then timed on batches sized to a time budget (pycasbin is slow)."""
    assert casbin is not None
    note = ""
    with tempfile.TemporaryDirectory() as tmp:
        model_path, policy_path = casbin_files(m, Path(tmp))
        t1 = time.perf_counter()
        enforcers = {"casbin.Enforcer": casbin.Enforcer(model_path, policy_path)}
        if hasattr(casbin, "FastEnforcer"):
            # Policies indexed by (object, action): only the rules of the permission asked
            # are matched.
            enforcers["casbin.FastEnforcer"] = casbin.FastEnforcer(
                model_path, policy_path, cache_key_order=[1, 2]
            )
        else:
            note = "; this pycasbin has no FastEnforcer"
        loaded = time.perf_counter() - t1
    # pycasbin takes a few thousand queries in its time budget: translate only so many.
    total = min(len(qu), 50_000)
    cu = [f"u{u}" for u in qu[:total]]
    split = {p: split_permission(p) for p in set(qp[:total])}
    cp = [split[p] for p in qp[:total]]
    verified = min(args.verify, total // 2)
    rows = []
    for name, e in enforcers.items():
        for i in range(verified):
            if e.enforce(cu[i], *cp[i]) != d.check(qu[i], qp[i]):
                raise SystemExit(
                    f"{name} disagrees with rolecall on user {qu[i]}, {qp[i].dotted_name}"
                )
        t2 = time.perf_counter()
        probe = 0
        while time.perf_counter() - t2 < 0.2:
            e.enforce(cu[verified + probe % 100], *cp[verified + probe % 100])
            probe += 1
        per = (time.perf_counter() - t2) / probe
        start = verified + 100
        cb = max(1, min(args.batch, int(0.02 / per)))  # about 20 ms per batch
        cr = max(11, min(args.rounds, int(args.casbin_budget / (per * cb))))
        cr = max(1, min(cr, (total - start) // cb))
        cub = batches(cu[start : start + cb * cr], cb)
        cpb = batches(cp[start : start + cb * cr], cb)
        v = Variant(f"{name}.enforce(user, obj, act)", e.enforce, cub, cpb, loop3)
        interleaved([v], len(cub), 0)
        rows.append(v)
    return rows, (
        f"pycasbin {casbin_version()}: {len(enforcers)} enforcers loaded in {loaded:.1f} s; "
        f"{verified} answers of each agree with rolecall{note}"
    )


def casbin_version() -> str:
    try:
        from importlib.metadata import version

        return version("casbin")
    except Exception:  # pragma: no cover
        return "?"


def targets(results: List[Dict[str, Any]]) -> None:
    """DESIGN.md §4: single check <= 150 ns and >= 1,000x pycasbin FastEnforcer; <= 20 ns
    per check through check_many."""
    print()
    print("== targets (DESIGN.md §4)")
    for r in results:
        at = f"   {r['n']:>9,} users  "
        c = r["check"].median
        print(f"{at}Directory.check median {c:.0f} ns <= 150 ns: {ok(c <= 150)}")
        fast = r["casbin"].get("casbin.FastEnforcer")
        if fast is not None:
            x = fast.median / c
            verdict = ok(x >= 1000)
            print(f"{at}pycasbin FastEnforcer / Directory.check {x:,.0f}× >= 1,000×: {verdict}")
        for label, s in r["many"].items():
            print(f"{at}{label}: {s.median:.1f} ns per check <= 20 ns: {ok(s.median <= 20)}")


def flag(name: str) -> bool:
    """An environment switch, as benches/src/lib.rs reads them: set, non-empty and not 0."""
    return os.environ.get(name, "") not in ("", "0")


def ok(b: bool) -> str:
    return "met" if b else "MISSED"


def main(argv: Optional[Sequence[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small model, in seconds")
    ap.add_argument("--sizes", help="comma-separated user counts (default 1000,100000)")
    ap.add_argument("--roles", type=int, default=200)
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--batch", type=int, default=1000, help="calls per timed batch")
    ap.add_argument("--rounds", type=int, help="timed batches per row (default 1000)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed batches first")
    ap.add_argument("--verify", type=int, default=500, help="answers compared with pycasbin")
    ap.add_argument("--casbin-budget", type=float, default=3.0, help="seconds per casbin row")
    ap.add_argument("--no-casbin", action="store_true")
    args = ap.parse_args(argv)
    quick = args.quick or flag("ROLECALL_BENCH_QUICK")
    if quick:
        sizes = [1000]
        args.rounds = args.rounds or 100
        args.warmup = min(args.warmup, 5)
        args.verify = min(args.verify, 200)
        args.casbin_budget = min(args.casbin_budget, 0.5)
    else:
        sizes = [1000, 100_000] + ([1_000_000] if flag("ROLECALL_BENCH_FULL") else [])
        args.rounds = args.rounds or 1000
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]

    print(
        f"rolecall {rolecall.__version__} Python benchmark{' (quick)' if quick else ''}: "
        f"CPython {platform.python_version()} on {platform.machine()}, {cpu_name()}, "
        f"{os.cpu_count()} CPUs"
    )
    results = [run_size(n, args) for n in sizes]
    targets(results)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
