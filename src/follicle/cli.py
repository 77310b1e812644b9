"""The ``follicle`` command: a thin Typer layer over the Python API.

Each command calls one public function and presents its result with Rich. This is the
only module that prints or exits: library errors (:class:`follicle.errors.FollicleError`)
become a message and exit code 1; usage errors are Typer's (exit code 2). Heavy modules
are imported inside the commands so that ``follicle --help`` stays fast.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable
from typer.core import TyperGroup, TyperOption

from follicle.errors import Conflict, FollicleError, Problem, WorkbookInvalid

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from follicle.analysis.cohort import Cohort
    from follicle.store.importing.import_sites import UnknownSites
    from follicle.store.importing.importer import ImportSummary
    from follicle.workbook.frames import Workbook
    from follicle.workbook.validate import ValidationResult


def _plain_flags(params: list[Any]) -> list[Any]:
    """Flags (``--json``, ``--help``) show no ``<bool>`` placeholder: they take no value."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    return params


class _Group(TyperGroup):
    """Typer's group, with the help of every command (and sub-group) free of ``<bool>``
    placeholders after flags."""

    def get_params(self, ctx: Any) -> list[Any]:
        """The group's own options (``--version``, ``--help``)."""
        return _plain_flags(super().get_params(ctx))

    def invoke(self, ctx: Any) -> Any:
        """Run the command. A file or folder it could not read or write ends it with the
        system's reason and the path, not a traceback (the commands say more where they
        can: a workbook's unreadable file is a located problem)."""
        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            errors.print(f"[bold red]error:[/] {escape((exc.strerror or str(exc)) + where)}")
            raise typer.Exit(1) from None

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """A command, its flags without placeholders (its help option is cached by
        click, so setting it once holds)."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_flags(command.get_params(ctx))
        return command


#: Typer's settings for every group: paragraphs of a help text rewrap to the terminal
#: (Markdown) instead of breaking where the docstring's lines break.
_GROUP_SETTINGS: dict[str, Any] = {
    "cls": _Group,
    "no_args_is_help": True,
    "rich_markup_mode": "markdown",
}

app = typer.Typer(
    name="follicle",
    help="Long-term follow-up of intra-ovarian regenerative therapy: workbook, registry, "
    "analysis and reports.",
    add_completion=False,
    pretty_exceptions_enable=False,
    **_GROUP_SETTINGS,
)
#: Width of output written to a pipe or file: wide enough that no table wraps, so that
#: ``follicle audit | less -S`` or ``> audit.txt`` keeps each row on one line.
PIPE_WIDTH = 100_000
console = Console()
errors = Console(stderr=True)


def _console(*, stderr: bool = False) -> Console:
    """A console sized for where it writes: the terminal's width (or ``COLUMNS``), and no
    wrapping at all when the output goes to a pipe or a file."""
    stream = sys.stderr if stderr else sys.stdout
    wrapped = stream.isatty() or "COLUMNS" in os.environ
    return Console(stderr=stderr, width=None if wrapped else PIPE_WIDTH)


def _version(value: bool) -> None:
    if value:
        from follicle import __version__

        typer.echo(f"follicle {__version__}")
        raise typer.Exit()


@app.callback()
def _consoles(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print follicle's version and exit.",
            callback=_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Long-term follow-up of intra-ovarian regenerative therapy.

    Workbook, registry, analysis and reports.
    """
    # Made per invocation, not at import, so that each run sizes its output for the
    # terminal (or COLUMNS, or a pipe) it actually writes to.
    global console, errors
    console = _console()
    errors = _console(stderr=True)


#: The most problems printed as a table; the rest are counted (``--json`` gives them all).
SHOWN_PROBLEMS = 200


class ExportFormat(StrEnum):
    """File formats of an exported workbook."""

    csv = "csv"
    xlsx = "xlsx"
    redcap = "redcap"


@contextmanager
def _handled() -> Iterator[None]:
    """Turn follicle's errors into a readable message and exit code 1."""
    try:
        yield
    except WorkbookInvalid as exc:
        _print_problems(exc.problems, "error")
        errors.print(f"[bold red]{len(exc.problems)} error(s); nothing was written.[/]")
        raise typer.Exit(1) from None
    except Conflict as exc:
        _print_problems(exc.problems, "error")
        errors.print(f"[bold red]{exc}[/]")
        raise typer.Exit(1) from None
    except FollicleError as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:
        errors.print(f"[bold red]error:[/] {exc.strerror or exc}: {exc.filename or ''}")
        raise typer.Exit(1) from None
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError, SQLAlchemyError

        if not isinstance(exc, SQLAlchemyError):
            raise
        # Only the driver's own first line: SQLAlchemy's full text of a database error
        # lists the bound parameters, which can hold a woman's data.
        reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).splitlines()[0]
        errors.print(f"[bold red]error:[/] the registry could not be used: {reason}")
        raise typer.Exit(1) from None


def _fail(message: str) -> NoReturn:
    """Say what is wrong and stop with exit code 1 (nothing was changed)."""
    errors.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(1)


#: The most characters of a user's text (a cell, a column name) the terminal is shown;
#: ``--json`` gives it whole.
SHOWN_CHARACTERS = 200


def _clipped(text: str) -> str:
    """``text`` escaped for Rich and shortened past :data:`SHOWN_CHARACTERS`: a damaged line
    of a million characters took Rich minutes to wrap."""
    if len(text) > SHOWN_CHARACTERS:
        text = f"{text[:SHOWN_CHARACTERS]}… ({len(text):,} characters)"
    return escape(text)


def _print_problems(problems: list[Problem] | tuple[Problem, ...], kind: str) -> None:
    if not problems:
        return
    colour = "red" if kind == "error" else "yellow"
    table = RichTable(title=f"{len(problems)} {kind}(s)", title_style=f"bold {colour}")
    for name in ("file", "row", "column", "value", "problem"):
        table.add_column(name, overflow="fold")
    for p in problems[:SHOWN_PROBLEMS]:
        # Cells are the users' text: escaped, so that "[b]" in a cell is not Rich markup.
        table.add_row(
            _clipped(p.file),
            "" if p.row is None else str(p.row),
            _clipped(p.column or ""),
            "" if p.value is None else _clipped(f"'{p.value}'"),
            f"{_clipped(p.message)} [dim]({p.rule})[/]",
        )
    errors.print(table)
    if len(problems) > SHOWN_PROBLEMS:
        errors.print(f"… and {len(problems) - SHOWN_PROBLEMS} more (use --json to see all)")


def _print_counts(counts: dict[str, int], title: str) -> None:
    table = RichTable(title=title)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


def _print_ignored(result: ValidationResult) -> None:
    for name in result.ignored_files:
        console.print(f"[yellow]ignored[/] {_clipped(name)}: not a table of the workbook format")
    for label, columns in result.ignored.items():
        console.print(
            f"[yellow]ignored[/] columns in {_clipped(label)}: {_clipped(', '.join(columns))}"
        )


def _validate(workbook: Path) -> ValidationResult:
    from follicle.workbook.validate import validate_path

    with console.status("Validating…"):
        return validate_path(workbook)


@app.command()
def validate(
    workbook: Annotated[
        Path,
        typer.Argument(
            help="A folder of CSV files, one .xlsx file, or a REDCap records export (.csv)."
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the errors and warnings as JSON.")
    ] = False,
) -> None:
    """Check a workbook against every rule of the format; exit 1 on any error.

    Example:

        follicle validate my-cohort/
    """
    result = _validate(workbook)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        raise typer.Exit(0 if result.ok else 1)
    _print_ignored(result)
    _print_problems(result.warnings, "warning")
    if not result.ok:
        _print_problems(result.problems, "error")
        errors.print(f"[bold red]{workbook}: {len(result.problems)} error(s).[/]")
        raise typer.Exit(1)
    kind = " (de-identified: days since each woman's first injection, ages)" * result.deidentified
    console.print(f"[green]{workbook} is valid{kind}.[/]")
    _print_counts(dict(result.row_counts), "Rows per table")


@app.command("import")
def import_(
    workbook: Annotated[
        Path,
        typer.Argument(
            help="A folder of CSV files, one .xlsx file, or a REDCap records export (.csv)."
        ),
    ],
    update: Annotated[
        bool,
        typer.Option(
            help="Apply changes to women already in the registry (recorded in the audit)."
        ),
    ] = False,
    create_sites: Annotated[
        bool,
        typer.Option(
            "--create-sites",
            help="Register the workbook's sites that are not registered yet (named by "
            "their code) instead of refusing the workbook.",
        ),
    ] = False,
) -> None:
    """Validate a workbook and import it into the registry, all or nothing.

    The registry is FOLLICLE_DATABASE_URL (default: follicle.db here, SQLite). A REDCap
    project made from `follicle dictionary --redcap` exports its records (CSV raw data)
    as one .csv file, which is read as a workbook. Every site of the workbook must be
    registered (follicle site add), unless --create-sites; sites that no coordinator works
    for are named after the import.

    Examples:

        follicle import my-cohort.xlsx

        follicle import redcap_records.csv
    """
    from follicle.store.engine import database_url, make_engine, removed_if_failed

    result = _validate(workbook)
    _print_ignored(result)
    _print_problems(result.warnings, "warning")
    with _handled():
        book = result.workbook()
        url = database_url()
        # A refused import into a registry that is not there yet leaves none behind.
        with removed_if_failed(url):
            engine = make_engine(url)
            try:
                summary = _import_with_progress(
                    engine,
                    book,
                    update=update,
                    unknown_sites="create" if create_sites else "refuse",
                )
            finally:
                engine.dispose()
    console.print(f"[green]Imported[/] {workbook} into {engine.url.render_as_string(True)}")
    console.print(summary)


def _import_with_progress(
    engine: Engine, book: Workbook, *, update: bool, unknown_sites: UnknownSites = "refuse"
) -> ImportSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from follicle.store.engine import ensure_schema
    from follicle.store.importing.importer import import_workbook

    ensure_schema(engine)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("Importing rows", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return import_workbook(
            engine, book, update=update, progress=advance, unknown_sites=unknown_sites
        )


@app.command()
def export(
    out: Annotated[
        Path,
        typer.Argument(help="Folder (csv), .xlsx file, or .csv file (redcap) to write."),
    ],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            help="csv, xlsx or redcap (REDCap records to import into a project made from "
            "follicle dictionary --redcap); default: xlsx when OUT ends in .xlsx, else csv.",
        ),
    ] = None,
    deidentified: Annotated[
        bool,
        typer.Option(
            help="Days since first injection instead of dates, ages instead of the birth date, "
            "no notes, recoded IDs: the analysts' workbook, which validate, report and audit "
            "read as any other."
        ),
    ] = False,
) -> None:
    """Write the registry back out as a workbook, or as REDCap records.

    Examples:

        follicle export analysis/ --deidentified

        follicle export redcap_records.csv --format redcap
    """
    from follicle.store.engine import ensure_schema, open_registry
    from follicle.store.exporting.exporter import (
        deidentify,
        read_registry,
        record_full_export,
        write_workbook,
    )

    chosen = fmt or (ExportFormat.xlsx if out.suffix.lower() == ".xlsx" else ExportFormat.csv)
    if chosen is ExportFormat.redcap:
        _export_redcap(out, deidentified=deidentified)
        return
    if chosen is ExportFormat.xlsx and out.suffix.lower() != ".xlsx":
        out = out.with_name(out.name + ".xlsx")
    if chosen is ExportFormat.csv and out.suffix.lower() == ".xlsx":
        raise typer.BadParameter(
            "a CSV workbook is a folder: name one without .xlsx", param_hint="OUT"
        )
    with _handled():
        engine = open_registry()
        try:
            ensure_schema(engine)
            book = read_registry(engine, alone=True)
            shared = deidentify(book, engine) if deidentified else book
            path = write_workbook(
                shared, out, format="xlsx" if chosen is ExportFormat.xlsx else "csv"
            )
            if not deidentified:
                record_full_export(engine, book)
        finally:
            engine.dispose()
    console.print(
        f"[green]Exported[/] {'de-identified ' if deidentified else ''}workbook to {path}"
    )


def _export_redcap(out: Path, *, deidentified: bool) -> None:
    from follicle.store.engine import ensure_schema, open_registry
    from follicle.store.exporting.exporter import read_registry
    from follicle.workbook.redcap import write_records

    if deidentified:
        # REDCap's own de-identified export (identifier fields, date shifting) is the way
        # to share a REDCap project; follicle's de-identified tables do not fit its fields.
        raise typer.BadParameter(
            "REDCap records are the registry's data as the project's fields hold them; "
            "for analysts, export --deidentified as csv or xlsx",
            param_hint="--deidentified",
        )
    if out.suffix.lower() != ".csv":
        out = out.with_name(out.name + ".csv")
    with _handled():
        engine = open_registry()
        try:
            ensure_schema(engine)
            path = write_records(read_registry(engine, alone=True), out)
        finally:
            engine.dispose()
    console.print(f"[green]Exported[/] REDCap records to {path}")
    console.print(
        "Import them (Data Import Tool, CSV) into a project set up from "
        "follicle dictionary --redcap."
    )


@app.command()
def dictionary(
    redcap: Annotated[
        Path | None,
        typer.Option(
            help="Write a REDCap data-dictionary CSV to this file, and the repeating-"
            "instruments setup beside it (FILE_repeating.csv)."
        ),
    ] = None,
    markdown: Annotated[bool, typer.Option(help="Print the dictionary as Markdown.")] = False,
) -> None:
    """Print the workbook's data dictionary, or write it for REDCap.

    For REDCap: upload FILE as the project's data dictionary, then FILE_repeating.csv
    under Repeating instruments and events (every table but participants repeats).

    Example:

        follicle dictionary --redcap follicle_redcap.csv
    """
    from follicle.workbook import dictionary as dd

    if redcap is not None:
        path, repeating = dd.write_redcap(redcap)
        console.print(f"[green]Wrote[/] REDCap data dictionary to {path}")
        console.print(f"[green]Wrote[/] its repeating-instruments setup to {repeating}")
        return
    if markdown:
        typer.echo(dd.markdown())
        return
    frame = dd.dictionary_frame()
    for name, rows in frame.groupby("table", sort=False):
        table = RichTable(title=f"{name}.csv", title_justify="left")
        for column in ("column", "type", "required", "values", "description"):
            table.add_column(column, overflow="fold")
        for _, r in rows.iterrows():
            table.add_row(r["column"], r["type"], r["required"], r["values"], r["description"])
        console.print(table)


def _demo_untouched(database: Path) -> bool:
    """Whether ``database`` is a demo registry as ``follicle demo`` left it: no accounts,
    and nothing in its audit log but the demo's site and import. Read without changing it
    (an unreadable or foreign file is not one)."""
    import sqlite3

    try:
        with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as db:
            users = db.execute("SELECT count(*) FROM users").fetchone()[0]
            other = db.execute(
                "SELECT count(*) FROM audit_log WHERE NOT ("
                "(action = 'create' AND table_name = 'sites') OR action LIKE 'import.%')"
            ).fetchone()[0]
    except sqlite3.Error:
        return False
    return users == 0 and other == 0


@app.command()
def demo(
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder for the demo registry and report.")
    ] = Path("follicle-demo"),
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Start the demo registry again although accounts or changes were added to "
            "it (they are lost).",
        ),
    ] = False,
) -> None:
    """Import the bundled seed cohort into a fresh demo registry and write its report.

    The bundled cohort is reconstructed from the published aggregates of Zafardoust et al.
    (2025); it is not patient data. Your own registry (FOLLICLE_DATABASE_URL) is not touched.
    A demo registry that has been used (accounts added, records changed) is kept: the demo
    then stops, unless --fresh.

    Example:

        follicle demo --dir /tmp/follicle-demo
    """
    from follicle.store.engine import make_engine
    from follicle.workbook import seed
    from follicle.workbook.validate import load_workbook

    database = folder / "registry.db"
    if folder.exists() and not folder.is_dir():
        _fail(f"{folder} is a file: give --dir a folder")
    if database.exists() and not fresh and not _demo_untouched(database):
        _fail(
            f"{database} is in use: it holds accounts or changes made since the demo wrote "
            "it, which a new demo would erase. Serve it as it is "
            f"(FOLLICLE_DATABASE_URL=sqlite:///{database.resolve()} follicle serve), give "
            "another --dir, or pass --fresh to start it again."
        )
    console.print(
        "[bold]Bundled seed cohort[/]: reconstructed from published aggregates of "
        "Zafardoust et al., Stem Cell Res Ther 2025 — [bold]not patient data[/]."
    )
    with _handled():
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("registry.db*"):
            stale.unlink()
        book = load_workbook(seed.path())
        engine = make_engine(f"sqlite:///{database.resolve()}")
        try:
            # The demo registers the bundled cohort's site, so that its coordinators can be
            # given it.
            summary = _import_with_progress(engine, book, update=False, unknown_sites="create")
        finally:
            engine.dispose()
    console.print(f"Demo registry: {database}")
    console.print(summary)
    _print_counts(book.row_counts, "Bundled cohort")
    # Reported from the registry it was imported into, so the demo flag is explicit.
    _report(f"sqlite:///{database.resolve()}", folder / "report", demo=True)
    url = f"sqlite:///{database.resolve()}"
    console.print(
        "\nTo open the demo registry in the browser, create an account in it and serve it:\n"
        f"  export FOLLICLE_DATABASE_URL={escape(url)}\n"
        "  follicle user add admin --role admin\n"
        "  follicle serve"
    )


#: The most women `synth` draws: ten times the benchmarks' largest cohort (a typo of a few
#: more digits would otherwise run for hours and fill the disk).
MAX_SYNTH_WOMEN = 10_000_000


class CiMethod(StrEnum):
    """``--ci``: how a proportion's confidence interval is computed."""

    wilson = "wilson"
    clopper_pearson = "clopper-pearson"


class Continuous(StrEnum):
    """``--continuous``: what Table 1 by a group prints for a continuous row."""

    mean = "mean"
    median = "median"


class Paper(StrEnum):
    """``--paper``: the page size of ``tables.docx``."""

    a4 = "a4"
    letter = "letter"


def _formats(value: str) -> str:
    """Check ``--format`` before anything is computed (a usage error, exit code 2)."""
    from follicle.report.build import parse_formats

    try:
        parse_formats(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
def report(
    workbook: Annotated[
        Path | None,
        typer.Argument(help="A workbook to analyse; the registry when omitted."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")] = Path(
        "report"
    ),
    ci: Annotated[
        CiMethod,
        typer.Option("--ci", help="Confidence interval of a proportion: Wilson score or exact."),
    ] = CiMethod.wilson,
    claims: Annotated[
        Path | None,
        typer.Option(
            "--claims",
            help="A claims file (YAML) for the reproduction audit; the seed paper's by default.",
        ),
    ] = None,
    formats: Annotated[
        str,
        typer.Option(
            "--format",
            help="The outputs to write, comma-separated: html, json, docx, xlsx, png, svg "
            "(or all).",
            callback=_formats,
        ),
    ] = "all",
    paper: Annotated[
        Paper, typer.Option("--paper", help="Page size of tables.docx: A4 or US Letter.")
    ] = Paper.a4,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Also show Table 1 by this variable, with a test and the SMD per row: site, "
            "arm, age_group, injections, menses_baseline, pregnant, bologna, poseidon (all "
            "in docs/results.md, table1_by).",
        ),
    ] = None,
    variables: Annotated[
        str | None,
        typer.Option(
            "--variables",
            help="The rows of that table, comma-separated (e.g. age,menses_baseline,poseidon); "
            "the rows of Table 1 by default.",
        ),
    ] = None,
    continuous: Annotated[
        Continuous | None,
        typer.Option(
            "--continuous",
            help="What that table prints for a continuous row: mean (mean ± SD, the default) "
            "or median (median [Q1, Q3], R's quantile type 7); the tests are the same.",
        ),
    ] = None,
    adjudicated: Annotated[
        bool,
        typer.Option(
            "--adjudicated",
            help="Count confirmed events only (two-specialist review), with reclassified "
            "values; events awaiting review are left out and counted.",
        ),
    ] = False,
) -> None:
    """Analyse a workbook (or the registry) and write the report.

    Writes index.html, results.json, tables.docx, tables.xlsx and figures/ (PNG and SVG),
    or only the outputs named by --format.

    Example:

        follicle report my-cohort/ --out report/ --format html,json --ci clopper-pearson --by site
        follicle report --adjudicated --out report-adjudicated/
        follicle report my-cohort/ --by poseidon --continuous median
    """
    if variables is not None and by is None:
        raise typer.BadParameter("--variables chooses the rows of the table --by makes")
    if continuous is not None and by is None:
        raise typer.BadParameter("--continuous chooses what the table --by makes prints")
    rows = None if variables is None else [v.strip() for v in variables.split(",") if v.strip()]
    options = {
        "ci": ci.value,
        "claims": claims,
        "by": by,
        "variables": rows,
        "statistic": (continuous or Continuous.mean).value,
        "adjudicated": adjudicated,
    }
    chosen = {"formats": formats, "paper": paper.value}
    if workbook is not None:
        _report(str(workbook), out, options=options, build=chosen)
        return
    # The registry needs SQLAlchemy and Alembic; a workbook's report does not.
    from follicle.store.engine import database_url, open_registry

    with _handled():
        open_registry().dispose()  # a clear message, and no empty database left behind
    _report(database_url(), out, options=options, build=chosen)


def _report(
    source: str,
    out: Path,
    *,
    demo: bool | None = None,
    options: dict[str, Any] | None = None,
    build: dict[str, Any] | None = None,
) -> None:
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    import follicle
    from follicle.report.build import build_report

    # The figures go to files, never to a window. Named before matplotlib is imported, the
    # backend is not looked for: resolving it imports pyplot (about 0.04 s of CPU; issue 13).
    os.environ.setdefault("MPLBACKEND", "agg")

    with (
        _handled(),
        Progress(
            SpinnerColumn(),
            "{task.description}",
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("Loading the cohort", total=None)
        cohort = follicle.load(source, alone=True, **(options or {}))

        def step(name: str) -> None:
            progress.update(task, description=name)

        paths = build_report(cohort, out, progress=step, demo=demo, **(build or {}))
    _print_summary(cohort)
    if len(cohort.excluded):
        console.print(f"{len(cohort.excluded)} enrolled women without an injection were left out.")
    console.print(f"[green]Report written[/]: {paths.html or paths.out_dir}")


def _print_summary(cohort: Cohort) -> None:
    """Table 1 and Table 2 in the terminal, formatted as in the report."""
    from follicle.report.build import report_results
    from follicle.report.tables import from_result

    results, _ = report_results(cohort)  # the report's numbers, for the same labels
    for key in ("table1", "table2"):
        if key not in results:
            continue
        shown = from_result(results[key])
        table = RichTable(title=f"{shown.label}. {shown.title}", title_justify="left")
        for column in shown.columns:
            table.add_column(column, overflow="fold")
        for row in shown.rows:
            table.add_row(*row)
        console.print(table)
    if "audit" in results:
        from follicle.analysis.audit import STATUSES, status_key, summary

        found = results["audit"].values
        counts = {s: int(found.get(status_key(s)) or 0) for s in STATUSES}
        console.print(
            f"{results['audit'].label}, reproduction audit of the published claims: "
            f"{summary(counts)}."
        )


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="Folder to write the CSV workbook into.")],
    women: Annotated[
        int,
        typer.Option(
            "--women", min=1, max=MAX_SYNTH_WOMEN, help="Number of women (at most ten million)."
        ),
    ],
    sites: Annotated[int, typer.Option("--sites", min=1, help="Number of centres.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
    arms: Annotated[
        str | None,
        typer.Option(
            "--arms",
            help="Arms and their shares, e.g. MenSC:0.5,PRP:0.25,control:0.25: assignment "
            "depends on age and AMH (confounded); a control has no injection.",
        ),
    ] = None,
    hazard_ratio: Annotated[
        str,
        typer.Option(
            "--hazard-ratio",
            help="True hazard ratio of pregnancy of every arm against the reference "
            "(control), or per arm, e.g. MenSC:1.5,PRP:1.2. Needs --arms.",
        ),
    ] = "1",
) -> None:
    """Write a synthetic workbook of any size: random, valid, not patient data.

    Shaped like the seed study (two injections for a third, a third pregnant, half
    treated with IVF); the same seed always writes the same workbook. With --arms, the
    women are spread over arms with a known hazard ratio (docs/arms.md).

    Example:

        follicle synth --women 1000000 --sites 20 big-cohort/
        follicle synth --women 2000 --arms MenSC:0.5,PRP:0.25,control:0.25 --hazard-ratio 1.5 arms/
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from follicle.workbook.synthetic import write_synthetic
    from follicle.workbook.synthetic_arms import parse_arms, parse_hazard_ratios

    shares = ratios = None
    try:
        if arms is not None:
            shares = parse_arms(arms)
            ratios = parse_hazard_ratios(hazard_ratio, shares)
        elif hazard_ratio.strip() != "1":
            raise ValueError("--hazard-ratio needs --arms")
    except ValueError as error:
        console.print(f"[red]Error:[/] {error}")
        raise typer.Exit(2) from None

    with (
        _handled(),
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("Drawing women", total=women)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        path = write_synthetic(
            out,
            women,
            seed=seed,
            sites=sites,
            progress=advance,
            arms=shares,
            hazard_ratios=ratios,
        )
    console.print(f"[green]Wrote[/] a synthetic workbook of {women:,} women to {path}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    reload: Annotated[
        bool, typer.Option("--reload", help="Restart when the code changes (development).")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes, each on its own core (PostgreSQL above 1; not with --reload).",
        ),
    ] = 1,
) -> None:
    """Run the registry's web application on FOLLICLE_DATABASE_URL (default ./follicle.db).

    Create the first account before: `follicle user add NAME --role admin`. Behind a
    TLS proxy on another host, set FOLLICLE_SECURE_COOKIES=1, and FORWARDED_ALLOW_IPS to
    the proxy's address so that failed sign-ins are bounded per client, not per proxy
    (FOLLICLE_SIGN_IN_FAILURES, default 20). Each request is logged on
    standard error: method, route, status, duration and user number (no study IDs, no
    query values). To serve the demo registry (`follicle demo`), set
    FOLLICLE_DATABASE_URL=sqlite:///follicle-demo/registry.db.

    Several processes (--workers) share the registry: writes take turns on the
    registry's write lock, and each process keeps its own worklist cache and live
    reports. On PostgreSQL they run in parallel; SQLite lets one process write at a
    time, so extra workers there only help readers. On Linux each process listens on
    a socket of its own and the kernel shares new connections among them evenly; a
    process that dies is replaced. Each process works on at most FOLLICLE_THREADS
    requests at once (default 6; the others wait their turn).

    Example:

        follicle serve --port 8000
        FOLLICLE_DATABASE_URL=postgresql+psycopg://… follicle serve --workers 4
    """
    import copy
    import logging.config

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from follicle.store.engine import database_url, display_url, ensure_schema, make_engine
    from follicle.web.workers import PortInUse, can_share_port, check_port_free
    from follicle.web.workers import serve as serve_workers

    if reload and workers > 1:
        raise typer.BadParameter(
            "--reload runs one process: leave out --workers", param_hint="--workers"
        )
    _check_web_settings()  # here, with a message, rather than in every worker
    try:
        # Before any start-up work: uvicorn binds only after the application's start-up (the
        # audit chain verified, a checkpoint recorded), so a taken port surfaced last.
        check_port_free(host, port)
    except PortInUse as error:
        console.print(f"[red]Cannot listen on {escape(host)}:{port}[/]: {escape(str(error))}")
        raise typer.Exit(1) from error
    with _handled():
        engine = make_engine()
        ensure_schema(engine)  # fail here, with a message, rather than in the server
        engine.dispose()
    console.print(
        f"Registry [bold]{escape(display_url(database_url()))}[/]: "
        f"open http://{host}:{port}/ (Ctrl+C stops)"
    )
    options: dict[str, Any] = {
        "app": "follicle.web.app:create_app",
        "factory": True,
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": False,  # request paths hold study IDs: keep them out of logs
        "log_config": _server_logging(copy.deepcopy(LOGGING_CONFIG)),
    }
    if workers > 1 and can_share_port():
        # A listening socket per process: see follicle.web.workers for why not uvicorn's.
        logging.config.dictConfig(options["log_config"])
        try:
            code = serve_workers(options, workers)
        except PortInUse as error:
            console.print(f"[red]Cannot listen on {escape(host)}:{port}[/]: {escape(str(error))}")
            raise typer.Exit(1) from error
        raise typer.Exit(code)
    uvicorn.run(**options, reload=reload, workers=workers)


def _check_web_settings() -> None:
    """Exit with a message naming each ``FOLLICLE_*`` variable of the web settings that
    does not hold (``FOLLICLE_THREADS=0``) instead of a traceback from the server."""
    from pydantic import ValidationError

    from follicle.web.settings import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        for problem in exc.errors():
            name = "FOLLICLE_" + "_".join(str(part) for part in problem["loc"]).upper()
            given = escape(repr(problem.get("input")))
            errors.print(f"[bold red]error:[/] {name}={given}: {escape(problem['msg'])}")
        raise typer.Exit(1) from None


def _server_logging(config: dict[str, Any]) -> dict[str, Any]:
    """Uvicorn's logging with the registry's request log (route templates, no IDs) beside
    it, each line stamped with the date and time, on standard error."""
    config["formatters"]["requests"] = {
        "format": "%(asctime)s %(levelname)s %(message)s",
        "datefmt": "%Y-%m-%dT%H:%M:%S%z",
    }
    config["handlers"]["requests"] = {
        "formatter": "requests",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["follicle.web.requests"] = {
        "handlers": ["requests"],
        "level": "INFO",
        "propagate": False,
    }
    return config


#: Colours of the audit's statuses.
AUDIT_COLOURS = {
    "matches": "green",
    "inconsistent in the paper": "magenta",
    "another definition": "cyan",
    "differs from the data": "bold red",
    "cannot be computed": "yellow",
}


@app.command()
def audit(
    source: Annotated[
        str | None,
        typer.Argument(
            help="A workbook (folder or .xlsx) or a registry URL; the registry when omitted."
        ),
    ] = None,
    claims: Annotated[
        Path | None,
        typer.Option(
            "--claims", help="A claims file (YAML, see docs/audit.md); the seed paper's if omitted."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the audit as JSON.")] = False,
) -> None:
    """Recompute a paper's published claims from a cohort, side by side with the printed ones.

    Each claim matches (the recomputed value, rounded as printed, is the printed value), is
    inconsistent in the paper (its printed numbers disagree among themselves), follows
    another definition (shown beside the standard one), differs from the data, or cannot
    be computed; the likely reason says why. Exit code 0 whatever the statuses; 1 for a
    bad claims file or workbook.

    Example:

        follicle audit my-cohort/ --claims my-paper.yaml
    """
    import follicle
    from follicle.analysis.audit import STATUSES, load_claims
    from follicle.analysis.audit import audit as run_audit
    from follicle.analysis.result import OnDemand
    from follicle.report.build import report_numbers

    with _handled():
        claimed = load_claims(claims) if claims is not None else load_claims()
        if source is None:
            from follicle.store.engine import database_url, open_registry

            open_registry().dispose()  # a clear message, and no empty database left behind
            source = database_url()
        cohort = follicle.load(source, alone=True)
        # Only the results the claims name are computed.
        names = cohort.result_names()
        result = run_audit(claimed, OnDemand(names, cohort.result))
    rows = result.table
    # Titled as in the report, with the report's number of the audit table.
    label = report_numbers(cohort, names)["audit"].label
    if as_json:
        document = {
            "title": claimed.title,
            "source": claimed.source,
            "counts": {s: int((rows["status"] == s).sum()) for s in STATUSES},
            "claims": [
                {
                    "id": r.claim,
                    "where": r.where,
                    "text": r.text,
                    "published": r.published,
                    "recomputed": r.recomputed,
                    "recomputed_value": result.values[f"{r.claim}.recomputed"],
                    "recomputed_paper_definition": result.values.get(
                        f"{r.claim}.recomputed_paper_definition"
                    ),
                    "status": r.status,
                    "likely_reason": r.likely_reason,
                }
                for r in rows.itertuples(index=False)
            ],
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    caption = f"{label}. {escape(result.title)}" if label else escape(result.title)
    table = RichTable(title=caption, title_justify="left")
    for column in ("claim", "where", "published", "recomputed", "status", "likely reason"):
        table.add_column(column, overflow="fold")
    for r in rows.itertuples(index=False):
        colour = AUDIT_COLOURS[str(r.status)]
        table.add_row(
            escape(str(r.claim)),
            escape(str(r.where)),
            escape(str(r.published)),
            escape(str(r.recomputed)),
            f"[{colour}]{r.status}[/]",
            escape(str(r.likely_reason)),
        )
    console.print(table)
    counts = ", ".join(
        f"[{AUDIT_COLOURS[s]}]{int((rows['status'] == s).sum())} {s}[/]" for s in STATUSES
    )
    console.print(f"{len(rows)} claims: {counts}.")


# -- the registry's people, sites and audit log (STORE) ---------------------------------

user_app = typer.Typer(
    help="Accounts of the registry's web application.\n\nExample:\n\n"
    "    follicle user add alice --role admin",
    **_GROUP_SETTINGS,
)
site_app = typer.Typer(
    help="Sites (treating centres) of the registry.\n\nExample:\n\n"
    '    follicle site add North "North clinic"',
    **_GROUP_SETTINGS,
)
audit_log_app = typer.Typer(
    help="The registry's audit log (append-only, hash-chained).\n\nExample:\n\n"
    "    follicle audit-log verify",
    **_GROUP_SETTINGS,
)
identity_app = typer.Typer(
    help="Names and phone numbers of the women (kept apart from the study data, never "
    "exported).\n\nExample:\n\n    follicle identity import phones.csv",
    **_GROUP_SETTINGS,
)
app.add_typer(identity_app, name="identity")
token_app = typer.Typer(
    help="Personal access tokens of the JSON API (/api/v1).\n\nExample:\n\n"
    "    follicle token create alice --expires 30d",
    **_GROUP_SETTINGS,
)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(site_app, name="site")
app.add_typer(audit_log_app, name="audit-log")


def _registry_engine(*, create: bool = False) -> Engine:
    """The registry at FOLLICLE_DATABASE_URL, migrated to the newest schema. Only the
    commands that set one up (``user add``, ``site add``) ``create`` it: the others refuse
    a URL where there is none (a typo would otherwise leave an empty registry behind)."""
    from follicle.store.engine import ensure_schema, make_engine, open_registry

    engine = make_engine() if create else open_registry()
    ensure_schema(engine)
    return engine


@contextmanager
def _registry_connection(*, write: bool = False, create: bool = False) -> Iterator[Connection]:
    """A connection to the registry (a transaction when ``write``), its engine disposed
    after; ``create`` as :func:`_registry_engine`."""
    engine = _registry_engine(create=create)
    try:
        with engine.begin() if write else engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _read_password(password_stdin: bool) -> str:
    import sys

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        errors.print("[bold red]error:[/] the password is empty")
        raise typer.Exit(1)
    return password


def _strong_password(password: str, username: str) -> None:
    """Exit 1 naming the reason when ``password`` is too weak (before any database work)."""
    from follicle.store.access.passwords import password_problem

    problem = password_problem(password, username=username)
    if problem is not None:
        errors.print(f"[bold red]error:[/] {escape(problem)}; nothing was changed")
        raise typer.Exit(1)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The user name to sign in with.")],
    role: Annotated[
        str, typer.Option(help="admin, coordinator, reviewer or analyst.", show_default=False)
    ],
    site: Annotated[
        list[str] | None,
        typer.Option("--site", help="A site of the user (repeat for several)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account (the password is asked twice, or read with --password-stdin).

    Example:

        follicle user add alice --role admin
    """
    from follicle.store.access.accounts import ROLES, create_user

    if role not in ROLES:
        errors.print(
            f"[bold red]error:[/] unknown role {escape(role)!r}: one of {', '.join(ROLES)}"
        )
        raise typer.Exit(2)
    password = _read_password(password_stdin)
    _strong_password(password, username)
    with _handled():
        with _registry_connection(write=True, create=True) as connection:
            user = create_user(connection, username, password, role, site or (), actor="cli")
    sites = ", ".join(sorted(user.sites)) or ("all sites" if role == "admin" else "no site yet")
    console.print(
        f"[green]Created[/] user [bold]{escape(user.username)}[/] ({user.role}; {escape(sites)})"
    )


@user_app.command("list")
def user_list() -> None:
    """List the accounts: role, sites, whether active or locked, when created.

    Example:

        follicle user list
    """
    from datetime import UTC, datetime

    import pandas as pd

    from follicle.store.access.accounts import list_users

    with _handled():
        with _registry_connection() as connection:
            frame = list_users(connection)
    if frame.empty:
        console.print("No accounts yet: follicle user add NAME --role admin")
        return
    table = RichTable(title=f"{len(frame)} account(s)", title_justify="left")
    for column in ("user", "role", "sites", "status", "created"):
        table.add_column(column)
    now = datetime.now(UTC)
    for row in frame.itertuples():
        locked = row.locked_until is not None and pd.notna(row.locked_until)
        if locked:
            locked = pd.Timestamp(row.locked_until).tz_localize(None) > pd.Timestamp(
                now
            ).tz_localize(None)
        status = "disabled" if not row.active else "locked" if locked else "active"
        sites = row.sites or ("all" if row.role == "admin" else "none")
        created = pd.Timestamp(row.created_at).strftime("%Y-%m-%d %H:%M")
        table.add_row(escape(row.username), row.role, escape(sites), status, created)
    console.print(table)


REVOKE_TOKENS_HELP = "Also revoke every API token of the account, for good."


@user_app.command("passwd")
def user_passwd(
    username: Annotated[str, typer.Argument(help="The account whose password changes.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    revoke_tokens: Annotated[bool, typer.Option("--revoke-tokens", help=REVOKE_TOKENS_HELP)] = (
        False
    ),
) -> None:
    """Set a new password (asked twice, or read with --password-stdin); the account's
    sessions end and a lockout is lifted. Her API tokens keep working unless
    --revoke-tokens is given (say, after a lost laptop).

    Example:

        follicle user passwd nora --revoke-tokens
    """
    from follicle.store.access.accounts import set_password, user_id_of

    password = _read_password(password_stdin)
    _strong_password(password, username)
    with _handled():
        with _registry_connection(write=True) as connection:
            user_id = user_id_of(connection, username)
            set_password(connection, user_id, password)
            revoked = _revoke_tokens(connection, user_id) if revoke_tokens else None
    console.print(f"[green]Changed[/] the password of [bold]{escape(username.strip())}[/]")
    if revoked is not None:
        console.print(_revoked_tokens(revoked))


@user_app.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="The account to disable.")],
    enable: Annotated[
        bool, typer.Option("--enable", help="Enable a disabled account again instead.")
    ] = False,
    revoke_tokens: Annotated[bool, typer.Option("--revoke-tokens", help=REVOKE_TOKENS_HELP)] = (
        False
    ),
) -> None:
    """Disable an account (it can no longer sign in; its sessions end and her API tokens
    are refused while she is disabled), or --enable it. Her tokens work again once she is
    enabled, unless --revoke-tokens revoked them for good.

    Example:

        follicle user disable nora --revoke-tokens
    """
    from follicle.store.access.accounts import set_user_active, user_id_of

    if enable and revoke_tokens:
        raise typer.BadParameter(
            "--revoke-tokens goes with disabling (or `follicle token revoke`)",
            param_hint="--revoke-tokens",
        )
    with _handled():
        with _registry_connection(write=True) as connection:
            user_id = user_id_of(connection, username)
            set_user_active(connection, user_id, enable)
            revoked = _revoke_tokens(connection, user_id) if revoke_tokens else None
    done = "Enabled" if enable else "Disabled"
    console.print(f"[green]{done}[/] account [bold]{escape(username.strip())}[/]")
    if revoked is not None:
        console.print(_revoked_tokens(revoked))


def _revoke_tokens(connection: Connection, user_id: int) -> list[int]:
    from datetime import UTC, datetime

    from follicle.store.access.tokens import revoke_user_tokens

    return revoke_user_tokens(connection, user_id, now=datetime.now(UTC))


def _revoked_tokens(ids: list[int]) -> str:
    if not ids:
        return "No API token to revoke (none was live)"
    return f"[green]Revoked[/] {len(ids)} API token(s): " + ", ".join(str(i) for i in ids)


@site_app.command("list")
def site_list() -> None:
    """List the sites with their women and accounts.

    Example:

        follicle site list
    """
    from follicle.store.access.accounts import site_overview

    with _handled():
        with _registry_connection() as connection:
            frame = site_overview(connection)
    if frame.empty:
        console.print('No sites yet: follicle site add CODE "Name"')
        return
    table = RichTable(title=f"{len(frame)} site(s)", title_justify="left")
    for column in ("code", "name", "women", "accounts"):
        table.add_column(column, justify="right" if column in ("women", "accounts") else "left")
    for row in frame.itertuples():
        registered = "" if row.registered else " [yellow](not registered)[/]"
        table.add_row(
            escape(str(row.code)) + registered,
            escape(str(row.name)),
            f"{row.women:,}",
            f"{row.accounts:,}",
        )
    console.print(table)


@site_app.command("add")
def site_add(
    code: Annotated[str, typer.Argument(help="The site's code, as in participants.site.")],
    name: Annotated[str, typer.Argument(help="The site's name.")],
) -> None:
    """Add a site (treating centre).

    Example:

        follicle site add North "North clinic"
    """
    from follicle.store.access.accounts import create_site

    with _handled():
        with _registry_connection(write=True, create=True) as connection:
            create_site(connection, code, name, actor="cli")
    console.print(f"[green]Added[/] site [bold]{escape(code.strip())}[/] ({escape(name.strip())})")


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    expires: Annotated[
        str, typer.Option(help="Lifetime: days (90d), weeks (12w) or hours (36h).")
    ] = "90d",
    name: Annotated[str, typer.Option(help="A label, e.g. the script that uses it.")] = "",
) -> None:
    """Make a personal access token for USER; the token is the last word printed.

    The token is shown once and stored only as a hash: keep it in a secret store. It has
    the user's role and sites, and is sent as ``Authorization: Bearer <token>``.

    Example:

        follicle token create alice --expires 30d --name "nightly REDCap sync"
    """
    from datetime import UTC, datetime

    from follicle.store.access.tokens import create_token, parse_lifetime

    try:
        lifetime = parse_lifetime(expires)
    except ValueError as exc:
        errors.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    with _handled():
        with _registry_connection(write=True) as connection:
            made = create_token(
                connection, username, now=datetime.now(UTC), lifetime=lifetime, name=name
            )
    # Plain print, no wrapping or markup: scripts take the last word of the output.
    console.print(
        f"Token {made.id} for {escape(made.username)}, valid until "
        f"{made.expires_at:%Y-%m-%d %H:%M} UTC (shown once): {made.token}",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )


@token_app.command("revoke")
def token_revoke(
    token: Annotated[
        str, typer.Argument(help="The token's number (see `token list`), or the token.")
    ],
) -> None:
    """Revoke a token for good: requests with it are refused from now on.

    Example:

        follicle token revoke 7
    """
    from datetime import UTC, datetime

    from follicle.store.access.tokens import revoke_token, token_id_of

    with _handled():
        with _registry_connection(write=True) as connection:
            token_id = int(token) if token.isdigit() else token_id_of(connection, token)
            revoke_token(connection, token_id, now=datetime.now(UTC))
    console.print(f"[green]Revoked[/] token {token_id}")


@token_app.command("list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """The tokens (never the secrets): number, user, label, expiry, revoked, last use.

    Example:

        follicle token list alice
    """
    from follicle.store.access.tokens import list_tokens

    with _handled():
        with _registry_connection() as connection:
            frame = list_tokens(connection, username)
    table = RichTable("id", "user", "name", "expires", "revoked", "last used")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.id),
            escape(row.username),
            escape(row.name),
            f"{row.expires_at:%Y-%m-%d}",
            "" if row.revoked_at is None or row.revoked_at != row.revoked_at else "revoked",
            ""
            if row.last_used_at is None or row.last_used_at != row.last_used_at
            else f"{row.last_used_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@identity_app.command("import")
def identity_import(
    file: Annotated[
        Path, typer.Argument(help="A CSV file with participant_id, name and phone columns.")
    ],
) -> None:
    """Import names and phone numbers, all or nothing; audited without the values.

    Every row is checked first (study ID known, not repeated, a name or a phone, a phone
    number that looks like one); any problem is listed with its row and nothing is written.
    An empty cell keeps the registry's value. Names and phones are never printed.

    Example:

        follicle identity import phones.csv
    """
    from follicle.store.importing.identity_import import import_identities

    with _handled():
        engine = _registry_engine()
        try:
            summary = import_identities(engine, file, actor="cli")
        finally:
            engine.dispose()
    console.print(f"[green]Imported[/] {escape(file.name)}: {summary}")


@audit_log_app.command("verify")
def audit_log_verify(
    anchor: Annotated[
        Path | None,
        typer.Option(
            help="A file kept outside the registry with the log's head: checked when it "
            "exists, then rewritten with the head now."
        ),
    ] = None,
) -> None:
    """Check the audit log's hash chain and its checkpoints: exit 0 when every entry
    verifies, 1 naming the first entry that was altered, whose predecessor was deleted, or
    that a checkpoint noted as the head and that is gone (entries deleted from the end).

    A log that verifies gets a checkpoint of its head (``verify``), so that a later
    deletion of the newest entries shows; ``--anchor`` keeps a copy of it outside the
    database, which shows it even when the checkpoints were deleted too.

    Example:

        follicle audit-log verify --anchor /secure/follicle-audit-head.json
    """
    from follicle.store.audit_log.checkpoints import (
        Checkpoint,
        check_anchor,
        verify_registry,
        write_checkpoint,
    )
    from follicle.store.engine import ensure_schema, open_registry

    kept: Checkpoint | None = None
    if anchor is not None and anchor.exists():
        try:
            noted = json.loads(anchor.read_text(encoding="utf-8"))
            kept = Checkpoint(int(noted["last_id"]), str(noted["head_hash"]), int(noted["entries"]))
        except (ValueError, KeyError, TypeError, OSError) as exc:
            errors.print(
                f"[bold red]the anchor file {escape(str(anchor))} cannot be read:[/] {exc}"
            )
            raise typer.Exit(1) from exc
    with _handled():
        engine = open_registry()
        try:
            ensure_schema(engine)
            with engine.connect() as connection:
                result = verify_registry(connection)
                reason = result.reason
                if result.ok and kept is not None:
                    reason = check_anchor(connection, kept, f"the anchor file {anchor}")
            head = None
            if reason is None:
                with engine.begin() as connection:
                    head = write_checkpoint(connection, "verify", result)
        finally:
            engine.dispose()
    if reason is not None:
        errors.print(f"[bold red]the audit log does not verify:[/] {escape(reason)}")
        raise typer.Exit(1)
    if anchor is not None and head is not None:
        anchor.write_text(json.dumps(dataclasses.asdict(head)) + "\n", encoding="utf-8")
    console.print(f"[green]{result.entries} entries verified[/]")
    if head is not None:
        console.print(f"head: entry {head.last_id}, hash {head.head_hash}")


adjudicator_app = typer.Typer(
    help="Reviewers designated to decide disputed events (admins always may).\n\nExample:\n\n"
    "    follicle adjudicator add rita",
    **_GROUP_SETTINGS,
)
app.add_typer(adjudicator_app, name="adjudicator")


def _set_adjudicator(username: str, designated: bool) -> None:
    from follicle.store.follow_up.adjudication import set_adjudicator

    with _handled():
        with _registry_connection(write=True) as connection:
            set_adjudicator(connection, username, designated, actor="cli")


@adjudicator_app.command("add")
def adjudicator_add(
    username: Annotated[str, typer.Argument(help="A reviewer's user name.")],
) -> None:
    """Designate a reviewer to decide the events two reviewers disagreed on (audited).

    Example:

        follicle adjudicator add rita
    """
    _set_adjudicator(username, True)
    console.print(f"[green]{escape(username)} may now decide disputed events[/]")


@adjudicator_app.command("remove")
def adjudicator_remove(
    username: Annotated[str, typer.Argument(help="A designated reviewer's user name.")],
) -> None:
    """Withdraw a reviewer's designation as adjudicator (audited).

    Example:

        follicle adjudicator remove rita
    """
    _set_adjudicator(username, False)
    console.print(f"[green]{escape(username)} no longer decides disputed events[/]")


def main() -> None:  # pragma: no cover - console-script entry point
    """Run the command line."""
    app()
