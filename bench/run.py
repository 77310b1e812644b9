"""The benchmark suite: how follicle's cost grows from a thousand to a million women.

Usage::

    .venv/bin/python bench/run.py                                   # 1,000 … 1,000,000
    .venv/bin/python bench/run.py --sizes 1000 10000 --postgres-url postgresql+psycopg://…

For each size a synthetic workbook is drawn once (``follicle synth``, cached in
``bench/.cache``), then every step runs as a fresh process of its own, so that its wall time
and peak resident memory (``ru_maxrss`` of that child, from ``os.wait4``) are its alone:

- ``floor``: reading every CSV file with ``pyarrow.csv.read_csv`` — the I/O floor;
- ``validate``: ``follicle validate``;
- ``import_sqlite`` / ``import_postgres``: ``follicle import`` into an empty registry
  (PostgreSQL only with ``--postgres-url``, up to ``--postgres-max`` women, in a new schema
  of that database that is dropped afterwards);
- ``report_workbook`` / ``report_registry``: ``follicle report`` from the workbook and from
  the SQLite registry just imported; ``report_registry_postgres`` from the PostgreSQL
  registry that ``import_postgres`` just filled (run with it, before its schema is dropped);
- ``report_json``: ``follicle report --format json`` (the numbers only, no documents);
- ``peer``: ``bench/peer.R`` under ``Rscript`` — the Part 1 analysis as a statistician
  would write it in R (base R + survival + cmprsk); skipped when R is not installed;
- ``baseline``: ``bench/baseline.py``, what a user might write by hand (pandas with
  per-woman loops, tableone-style summaries, SciPy tests, lifelines); stopped after
  ``--baseline-budget`` seconds and extrapolated linearly in the number of women.

Before the sizes, the bundled 105-woman cohort is measured (``--bundled-rounds`` rounds,
each round running ``follicle --help``, ``validate``, ``report --format json``, ``report``
and the R peer one after the other, so that a change of the machine's load touches all of
them alike; each step's median round is kept). Their sources are compiled to bytecode first,
as ``pip install`` does and as the first run of an editable install would (a shell with
``PYTHONDONTWRITEBYTECODE`` set would otherwise compile follicle's modules again in every
process: about 0.05 s of CPU per step that no user pays). ``--before SRC`` runs each of its follicle
steps a second time, in the same round, from the ``src/`` folder of another checkout (say
``git archive main src | tar -x -C /tmp/main``), recorded as ``<step>_before``: the code
before and after a change measured under the same load.

Results go to ``bench/results/<date>-<host>.json`` (with the machine's details) and, as a
table, to the "Scale" section of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = (1_000, 10_000, 100_000, 1_000_000)
STEPS = (
    "floor",
    "validate",
    "import_sqlite",
    "import_postgres",
    "report_workbook",
    "report_json",
    "report_registry",
    "report_registry_postgres",
    "peer",
    "baseline",
)
#: The steps measured on the bundled 105-woman cohort, interleaved round by round.
BUNDLED_STEPS = ("help", "validate", "report_json", "report_workbook", "peer")
#: Rounds of the bundled cohort's steps; each step's median round is recorded.
BUNDLED_ROUNDS = 5
PACKAGES = (
    "pandas",
    "numpy",
    "pyarrow",
    "scipy",
    "statsmodels",
    "lifelines",
    "matplotlib",
    "SQLAlchemy",
    "psycopg",
    "typer",
)

sys.path.insert(0, str(HERE))
from scale_table import update_docs  # noqa: E402  (a sibling script, not a package)


@dataclass
class Step:
    """One timed step: wall seconds, peak RSS of its process (MiB), and how it ended.

    ``cpu_seconds`` is the process's user + system time (all its threads): on a machine
    shared with other work, the wall time grows with the load and the CPU time does not.
    """

    seconds: float | None
    peak_rss_mib: float | None
    ok: bool
    note: str = ""
    cpu_seconds: float | None = None


@dataclass
class Run:
    """Every step at one size."""

    women: int
    rows: int
    workbook_mib: float
    synth_seconds: float | None
    steps: dict[str, Step] = field(default_factory=dict)
    #: ``"synthetic"`` (``follicle synth``) or ``"bundled"`` (the seed cohort).
    cohort: str = "synthetic"


def timed(
    args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float | None = None
) -> tuple[float, float, int, str, float]:
    """Run ``args``: wall seconds, peak RSS (MiB), exit status, stderr's tail, CPU seconds."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(args), stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})}
        )
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                status = -9
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status) if status != -9 else -9
        err.seek(0)
        tail = err.read()[-2000:].decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, process.returncode, tail, cpu


def follicle(*args: str) -> list[str]:
    """The command line of ``follicle ARGS`` with this interpreter."""
    return [sys.executable, "-m", "follicle", *args]


def generator_version() -> str:
    """A short hash of the generator's source: a cached workbook is redrawn when it changes."""
    import follicle.workbook.synthetic as synthetic

    return hashlib.sha256(Path(synthetic.__file__).read_bytes()).hexdigest()[:10]


def workbook_for(women: int, *, cache: Path, seed: int, sites: int) -> tuple[Path, float | None]:
    """The cached workbook of ``women`` (drawn now if missing) and the seconds drawing took."""
    folder = cache / f"w{women}-seed{seed}-sites{sites}-{generator_version()}"
    if (folder / ".complete").exists():
        return folder, None
    seconds, _, status, err, _ = timed(
        follicle(
            "synth", "--women", str(women), "--sites", str(sites), "--seed", str(seed), str(folder)
        )
    )
    if status != 0:
        raise SystemExit(f"follicle synth failed: {err}")
    (folder / ".complete").write_text(f"{seconds:.3f}\n")
    return folder, seconds


def count_rows(folder: Path) -> int:
    """Data rows in all the CSV files of ``folder`` (line count less the header)."""
    total = 0
    for file in folder.glob("*.csv"):
        with file.open("rb") as fh:
            total += sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 24), b"")) - 1
    return total


def postgres_schema_url(base_url: str) -> tuple[str, object]:
    """A URL working in a new schema of ``base_url``'s database, and a callable dropping it."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from follicle.store.engine import normalise_url

    base = normalise_url(base_url)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()

    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def run_size(
    women: int, args: argparse.Namespace, save: Callable[[Run], None] = lambda run: None
) -> Run:
    """Every step at one size, each in a process of its own; ``save`` after each step."""
    folder, synth_seconds = workbook_for(women, cache=args.cache, seed=args.seed, sites=args.sites)
    size = sum(f.stat().st_size for f in folder.glob("*.csv")) / 2**20
    run = Run(women, count_rows(folder), round(size, 1), synth_seconds)
    print(f"\n{women:,} women, {run.rows:,} rows, {size:,.0f} MiB of CSV", flush=True)
    with tempfile.TemporaryDirectory(prefix="follicle-bench-") as tmp:
        work = Path(tmp)
        sqlite_url = f"sqlite:///{work / 'registry.db'}"
        plan: dict[str, tuple[list[str], dict[str, str]]] = {
            "floor": ([sys.executable, str(HERE / "floor.py"), str(folder)], {}),
            "validate": (follicle("validate", str(folder)), {}),
            "import_sqlite": (
                follicle("import", str(folder), "--create-sites"),
                {"FOLLICLE_DATABASE_URL": sqlite_url},
            ),
            "report_workbook": (follicle("report", str(folder), "--out", str(work / "r1")), {}),
            "report_json": (
                follicle("report", str(folder), "--out", str(work / "r3"), "--format", "json"),
                {},
            ),
            "peer": (peer_command(folder, work / "peer"), {}),
            "report_registry": (
                follicle("report", "--out", str(work / "r2")),
                {"FOLLICLE_DATABASE_URL": sqlite_url},
            ),
            "baseline": (
                [
                    sys.executable,
                    str(HERE / "baseline.py"),
                    str(folder),
                    "--budget",
                    str(args.baseline_budget),
                    "--json",
                    str(work / "baseline.json"),
                ],
                {},
            ),
        }
        for name in STEPS:
            if name not in args.steps:
                continue
            if name == "import_postgres":
                if not args.postgres_url:
                    continue
                if women > args.postgres_max:
                    run.steps[name] = Step(None, None, True, f"not run above {args.postgres_max:,}")
                    continue
                url, drop = postgres_schema_url(args.postgres_url)
                try:
                    step = _step(
                        follicle("import", str(folder), "--create-sites"),
                        {"FOLLICLE_DATABASE_URL": url},
                        args.timeout,
                    )
                    if step.ok and "report_registry_postgres" in args.steps:
                        report = _step(
                            follicle("report", "--out", str(work / "r4")),
                            {"FOLLICLE_DATABASE_URL": url},
                            args.timeout,
                        )
                        run.steps["report_registry_postgres"] = report
                        _show("report_registry_postgres", report)
                finally:
                    drop()  # type: ignore[operator]
            elif name == "report_registry_postgres":
                continue  # run by import_postgres, whose registry it reads
            elif name == "peer" and not plan["peer"][0]:
                run.steps[name] = Step(None, None, True, "Rscript not found")
                continue
            else:
                command, env = plan[name]
                step = _step(command, env, args.timeout)
                if name == "baseline" and step.ok:
                    reported = json.loads((work / "baseline.json").read_text())
                    if reported["extrapolated"]:
                        step.seconds = round(reported["seconds"], 2)
                        step.note = (
                            f"extrapolated from {reported['women_done']:,} women in "
                            f"{reported['measured_seconds']:.0f} s"
                        )
            run.steps[name] = step
            save(run)
            _show(name, step)
    return run


def _show(name: str, step: Step) -> None:
    shown = "—" if step.seconds is None else f"{step.seconds:8.2f} s"
    print(
        f"  {name:16} {shown}  cpu {step.cpu_seconds or 0:8.2f} s  "
        f"{step.peak_rss_mib or 0:7.0f} MiB  "
        f"{'ok' if step.ok else 'FAILED'} {step.note}",
        flush=True,
    )


def peer_command(folder: Path, out: Path) -> list[str]:
    """``Rscript bench/peer.R FOLDER OUT``, or ``[]`` when R is not installed."""
    rscript = shutil.which("Rscript")
    return [rscript, str(HERE / "peer.R"), str(folder), str(out)] if rscript else []


def run_bundled(args: argparse.Namespace, save: Callable[[Run], None]) -> Run:
    """The small-cohort steps on the bundled seed cohort, interleaved over the rounds."""
    from statistics import median

    from follicle.workbook import seed

    folder = seed.path()
    size = sum(f.stat().st_size for f in folder.glob("*.csv")) / 2**20
    run = Run(105, count_rows(folder), round(size, 2), None, cohort="bundled")
    print(f"\nthe bundled cohort (105 women), {args.bundled_rounds} rounds", flush=True)
    rounds: dict[str, list[Step]] = {name: [] for name in BUNDLED_STEPS}
    with tempfile.TemporaryDirectory(prefix="follicle-bench-") as tmp:
        work = Path(tmp)
        plan = {
            "help": follicle("--help"),
            "validate": follicle("validate", str(folder)),
            "report_json": follicle(
                "report", str(folder), "--out", str(work / "json"), "--format", "json"
            ),
            "report_workbook": follicle("report", str(folder), "--out", str(work / "all")),
            "peer": peer_command(folder, work / "peer"),
        }
        # --before SRC: each follicle step also runs from another checkout's sources, in
        # the same round, so that the code before and after a change meet the same load.
        before = {"PYTHONPATH": str(args.before)} if args.before else None
        compile_sources(args.before)
        for _ in range(args.bundled_rounds):
            for name in BUNDLED_STEPS:
                if plan[name]:
                    rounds[name].append(_step(plan[name], {}, args.timeout))
                if plan[name] and before and name != "peer":
                    rounds.setdefault(f"{name}_before", []).append(
                        _step(plan[name], before, args.timeout)
                    )
    for name, steps in rounds.items():
        if not steps:
            run.steps[name] = Step(None, None, True, "Rscript not found")
            continue
        middle = sorted(steps, key=lambda s: s.cpu_seconds or 0)[len(steps) // 2]
        cpus = [s.cpu_seconds or 0 for s in steps]
        middle.note = (
            middle.note + f" median of {len(steps)}; CPU {min(cpus):.2f}–{max(cpus):.2f} s"
        ).strip()
        middle.ok = all(s.ok for s in steps)
        middle.cpu_seconds = round(median(cpus), 3)
        run.steps[name] = middle
        print(
            f"  {name:16} cpu {middle.cpu_seconds:6.2f} s  {middle.peak_rss_mib or 0:5.0f} MiB  "
            f"{'ok' if middle.ok else 'FAILED'}",
            flush=True,
        )
    save(run)
    return run


def compile_sources(before: Path | None) -> None:
    """Write the bytecode of follicle's modules (and of ``before``'s), as an install has it.

    ``compileall`` writes ``__pycache__`` even under ``PYTHONDONTWRITEBYTECODE``, which only
    stops the interpreter from writing it on import; the files are git-ignored.
    """
    import follicle

    for folder in (Path(follicle.__file__).parent, before):
        if folder is not None and not compileall.compile_dir(folder, quiet=1):
            raise SystemExit(f"could not compile the sources in {folder}")


def _step(command: list[str], env: dict[str, str], timeout: float) -> Step:
    seconds, rss, status, err, cpu = timed(command, env=env, timeout=timeout)
    if status == -9:
        return Step(None, round(rss, 1), False, f"stopped after {timeout:.0f} s")
    note = "" if status == 0 else err.strip().splitlines()[-1][:200] if err.strip() else ""
    return Step(round(seconds, 3), round(rss, 1), status == 0, note, round(cpu, 3))


def machine() -> dict[str, object]:
    """The machine, interpreter, package versions and source revision of a run."""
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 2**20, 1)
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "revision": revision + ("+changes" if dirty else ""),
        "load_average_at_start": list(os.getloadavg()),
    }


def main(argv: Sequence[str] | None = None) -> Path:
    """Run the suite; write the JSON results and the docs table; return the JSON's path."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--postgres-url", default=os.environ.get("FOLLICLE_BENCH_POSTGRES_URL", ""))
    parser.add_argument("--postgres-max", type=int, default=100_000)
    parser.add_argument("--baseline-budget", type=float, default=600.0)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per step")
    parser.add_argument(
        "--bundled-rounds",
        type=int,
        default=BUNDLED_ROUNDS,
        help="rounds of the bundled cohort's steps (0: skip them)",
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="the src/ folder of another checkout: the bundled cohort's follicle steps also "
        "run from it, interleaved, recorded as <step>_before",
    )
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-docs", action="store_true", help="do not touch the docs table")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)

    started = datetime.now(UTC)
    info = machine()
    out = args.results / f"{started:%Y-%m-%dT%H%M}-{info['host']}.json"
    done: list[Run] = []

    def save(current: Run | None, finished: bool = False) -> None:
        # Written after every step, so that a long run stopped midway keeps what it measured.
        runs = done + ([current] if current is not None else [])
        document = {
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds") if finished else None,
            "machine": info,
            "command": " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
            "runs": [asdict(r) for r in runs],
        }
        out.write_text(json.dumps(document, indent=2) + "\n")

    if args.bundled_rounds > 0:
        done.append(run_bundled(args, save))
    for women in args.sizes:
        done.append(run_size(women, args, save))
    save(None, finished=True)
    print(f"\nresults: {out}")
    if not args.no_docs:
        # Every result of the folder: a run of a few steps or sizes updates only those.
        update_docs(args.docs, sorted(args.results.glob("*.json")))
        print(f"table:   {args.docs}")
    return out


if __name__ == "__main__":
    main()
