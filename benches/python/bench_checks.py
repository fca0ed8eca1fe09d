"""Python benchmark of rolecall checks, side by side with pycasbin, in one run.

Builds the call-center model of the Rust `checks` benchmark (benches/src/call_center.rs
`build_call_center`, same generator and seed, so the same tenant) through the public Python
API's bulk path (`create_users`: every user with its roles and call groups in one commit), then
times (user, permission) queries drawn truly random over ALL users (at least as many queries as
users), in batches, and prints the median and p99 per call over batches next to the baseline
measured in the same run: an empty pyo3 call with the argument shape of a check
(`rolecall._rolecall._noop(a, b)`, which returns False).

    python benches/python/bench_checks.py            # 1,000 and 100,000 users
    python benches/python/bench_checks.py --quick    # 1,000 users, in seconds; asserts that
    ROLECALL_BENCH_QUICK=1 python benches/python/bench_checks.py   # every user is queried
    ROLECALL_BENCH_FULL=1 python benches/python/bench_checks.py    # adds 1,000,000 users
    python benches/python/bench_checks.py --sizes 10000 --no-casbin

Needs the `rolecall` package built in release (`benches/python/run.sh` does everything) and
`casbin` (pycasbin) from PyPI for the comparison (skipped with a note when missing).

How it measures: queries are drawn before timing, because drawing one in Python costs more
than a check: the user ids are fresh int objects allocated in query order (as ids parsed from
requests are), so reading them streams through memory and only rolecall's data is read at
random; the permissions are `Permission` members, and the int-bits rows ask the very same
queries with the permissions' ints: constants made once (the same int objects call after
call), and in one row ints made for each query just before its batch is timed (new objects
still in the cache, as ints parsed from a request are). Each batch runs a plain `for` loop over its slice of the
lists and is timed with `time.perf_counter_ns`; the figure is the batch time divided by its
calls, so it includes the Python loop and call (the baseline pays exactly the same). All rows
are timed interleaved, batch by batch, each timed batch after an untimed batch of its own on
other queries, so that they all see the same machine load. The garbage collector is off while
timing, as `timeit` does. pycasbin gets the same model translated (users and roles as
subjects: `g` for user -> role; `p, role, object, action` per permission of a role, the dotted
name split at its last dot) and answers are compared before anything is timed.
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
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

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
        self.roles: Dict[int, Permission] = {}  # role id -> permissions
        self.user_roles: Dict[int, List[int]] = {}


JOBS = 12
TEAMS = 25
CALL_GROUPS = 20


def build(n: int) -> Model:
    """benches/src/call_center.rs `build_call_center`, draw for draw (the model of the Rust
    `checks` benchmark): 12 job roles of 8 random permissions (the first two scoped), 25 team
    roles of 3, `n` agents each holding one job role (the smaller of two draws) and one team
    role, one agent in ten restricted to its team's two call groups; then benches/src/lib.rs
    `agreements_with_levels`. The users are created with their roles and call groups in one
    `create_users` commit (Rust sets the call groups afterwards, with the same draws)."""
    m = Model()
    d = m.dir
    rng = Rng(0xCA11)
    t = d.create_tenant(
        "Call center", NewUser("Root", "Center", "root@center.test"), presets=[Preset.DASHBOARD]
    )
    m.tenant = t.tenant
    root = t.superadmin
    m.scopes = [
        d.create_scope(root, ScopeKind.CALL_GROUP, f"Call group {i}") for i in range(CALL_GROUPS)
    ]
    catalogue = [Permission.from_name(name) for name in rolecall.permission_names()]

    def role(name: str, perms: int, scoped: bool) -> int:
        p = Permission(0)
        for _ in range(perms):
            p |= catalogue[rng.below(len(catalogue))]
        return d.create_role(root, name=name, permissions=p, scoped=scoped)

    jobs = [role(f"Job {i}", 8, i < 2) for i in range(JOBS)]
    teams = [role(f"Team {i}", 3, False) for i in range(TEAMS)]
    for r in jobs + teams:
        m.roles[r] = d.role(r).permissions
    drawn = []
    for _ in range(n):
        a = rng.below(JOBS)
        b = rng.below(JOBS)
        drawn.append((jobs[min(a, b)], rng.below(TEAMS)))
    batch = []
    for i, (job, team) in enumerate(drawn):
        scopes = (
            [m.scopes[team % CALL_GROUPS], m.scopes[(team + 7) % CALL_GROUPS]]
            if rng.below(10) == 0
            else []
        )
        batch.append(
            NewUser(
                "Agent",
                f"No {i}",
                f"agent{i}@center.test",
                roles=[job, teams[team]],
                scopes=scopes,
            )
        )
    m.users = d.create_users(root, batch)
    for u, (job, team) in zip(m.users, drawn):
        m.user_roles[u] = [job, teams[team]]
    del batch, drawn
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


# Every permission's int, made once, as an application's constants are (`CAMPAIGNS_VIEW =
# 1 << 5`): the same objects call after call.
INT_OF = {
    p: int(p) for p in (Permission.from_name(name) for name in rolecall.permission_names())
}

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
    for u in m.users:
        lines.extend(f"g, u{u}, r{r}" for r in m.user_roles[u])
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
        fresh: bool = False,
    ) -> None:
        self.label = label
        self.fn = fn
        self.ubs = ubs
        self.pbs = pbs
        self.loop = loop
        # The permissions as ints made just before the batch is timed (`x + 0` is a new int
        # object for every permission above 256), as ints parsed from a request are: new
        # objects, still in the cache.
        self.fresh = fresh
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
        pb = [x + 0 for x in self.pbs[i]] if self.fresh else self.pbs[i]
        return self.loop(self.fn, ub, pb) / len(ub)


def interleaved(variants: List[Variant], rounds: int, warm: int, nb: int = 0) -> List[int]:
    """Times every variant on batch i, round after round (the order rotating), so that a
    shared machine's load falls on all of them alike; each timed batch follows an untimed
    batch of the same variant on other queries (batch i + nb/2), since the variant before may
    have emptied the caches of what this one keeps warm. GC off while timing, as in `timeit`.
    `nb`: the number of batches (the rounds wrap around them); 0 for as many as rounds.
    Returns the indices of the batches run."""
    nb = nb or warm + rounds
    used: Set[int] = set()
    gc.collect()
    gc.disable()
    try:
        k = len(variants)
        for i in range(warm + rounds):
            timed, other = i % nb, (i + nb // 2) % nb
            used.update((timed, other))
            for j in range(k):
                v = variants[(i + j) % k]
                v.run(other)
                ns = v.run(timed)
                if i >= warm:
                    v.samples.append(ns)
    finally:
        gc.enable()
    for v in variants:
        v.stats = Stats(v.samples)
    return sorted(used)


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
    m = build(n)
    built = time.perf_counter() - t0
    d = m.dir
    snap = d.snapshot()
    catalogue = [Permission.from_name(name) for name in rolecall.permission_names()]
    batch = args.batch
    rounds = args.rounds
    warm = args.warmup
    # At least as many queries as users, in batches; the rounds run over them.
    nb = max(rounds + warm, -(-n // batch))
    total = batch * nb

    # The queries, drawn before timing, truly random over all users. The user ids are fresh
    # int objects allocated in query order (as ids parsed from requests are), so that reading
    # them streams through memory and only the directory's data is accessed at random. The
    # permissions are the enum's members (as an application names them); the int-bits rows ask
    # the very same queries with the permissions' ints (one int object per permission, as
    # constants are).
    qu = array.array("Q", (m.users[rng.randrange(n)] for _ in range(total))).tolist()
    qp = [catalogue[rng.randrange(len(catalogue))] for _ in range(total)]
    qi = [INT_OF[p] for p in qp]
    ubs, pbs, ibs = batches(qu, batch), batches(qp, batch), batches(qi, batch)
    # Integer buffers: array.array("Q") (a NumPy uint64 array takes the same path). A "Q"
    # item holds 64 bits, so these pairs draw from the permissions below bit 64.
    small = [p for p in catalogue if int(p) < 1 << 64]
    uarr = [array.array("Q", ub) for ub in ubs]
    parr = [array.array("Q", [int(small[rng.randrange(len(small))]) for _ in ub]) for ub in ubs]
    # A report: which of these users may do X (one permission per batch, drawn at random).
    one = [catalogue[rng.randrange(len(catalogue))] for _ in ubs]

    # Every form agrees with Directory.check before anything is timed.
    sample = range(min(5000, total))
    want = [d.check(qu[i], qp[i]) for i in sample]
    assert [d.check(qu[i], qi[i]) for i in sample] == want
    assert [d.check(qu[i], qi[i] + 0) for i in sample] == want
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
    check_int = Variant("Directory.check(user, int bits)", d.check, ubs, ibs)
    snap_row = Variant("Snapshot.check(user, Permission.X)", snap.check, ubs, pbs)
    singles = [
        base,
        check,
        check_int,
        snap_row,
        Variant("Snapshot.check(user, int bits)", snap.check, ubs, ibs),
        Variant("Directory.check(user, int made per query)", d.check, ubs, ibs, fresh=True),
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
    used = interleaved(singles + many, rounds, warm, nb)
    # Which users the rows asked about (every row asks the same queries).
    asked: Set[int] = set()
    for k in used:
        asked.update(ubs[k])
    missed = len(set(m.users) - asked)
    if args.quick:
        # The CI check that this benchmark does not flatter: every user is queried.
        assert missed == 0, f"{missed} of {n} users are never queried"

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
        f"== {n:,} users, call-center model (benches/src/call_center.rs; built through the "
        f"Python API's create_users in {built:.2f} s)"
    )
    print(
        f"   {total:,} queries drawn truly random over all users ({len(asked):,} of the {n:,} "
        f"users asked about by the rows); {rounds:,} batches of {batch:,} a row after {warm} "
        f"warm-up batches, rows interleaved; median and p99 over batches; GC off while timing"
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
    ci = check_int.stats
    assert cs is not None and ss is not None and ci is not None
    for r in casbin_rows:
        assert r.stats is not None
        print(
            f"   {r.label.split('.enforce')[0]} is {r.stats.median / cs.median:,.0f}× "
            f"Directory.check and {r.stats.median / ss.median:,.0f}× Snapshot.check (medians)"
        )
    return {
        "n": n,
        "check": cs,
        "check_int": ci,
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
    per check through check_many; issue 14: a permission passed as an int no slower than as
    the enum member."""
    print()
    print("== targets (DESIGN.md §4, issue 14)")
    for r in results:
        at = f"   {r['n']:>9,} users  "
        c = r["check"].median
        print(f"{at}Directory.check median {c:.0f} ns <= 150 ns: {ok(c <= 150)}")
        ci = r["check_int"].median
        print(
            f"{at}Directory.check with int bits {ci:.1f} ns vs Permission member {c:.1f} ns: "
            f"{ci / c:.3f}× (no slower: {ok(ci <= c * 1.02)}, 2% being the noise between rows)"
        )
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
    ap.add_argument("--batch", type=int, default=1000, help="calls per timed batch")
    ap.add_argument("--rounds", type=int, help="timed batches per row (default 1000)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed batches first")
    ap.add_argument("--verify", type=int, default=500, help="answers compared with pycasbin")
    ap.add_argument("--casbin-budget", type=float, default=3.0, help="seconds per casbin row")
    ap.add_argument("--no-casbin", action="store_true")
    args = ap.parse_args(argv)
    quick = args.quick = args.quick or flag("ROLECALL_BENCH_QUICK")
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
