"""The ``follicle`` command: a thin Typer layer over the Python API.

Each command calls one public function and presents its result with Rich. This is the
only module that prints or exits: library errors (:class:`follicle.errors.FollicleError`)
become a message and exit code 1; usage errors are Typer's (exit code 2). Heavy modules
are imported inside the commands so that ``follicle --help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from follicle.errors import Conflict, FollicleError, Problem, WorkbookInvalid

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from follicle.analysis.cohort import Cohort
    from follicle.store.importer import ImportSummary
    from follicle.workbook.frames import Workbook
    from follicle.workbook.validate import ValidationResult

app = typer.Typer(
    name="follicle",
    help="Long-term follow-up of intra-ovarian regenerative therapy: workbook, registry, "
    "analysis and reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


@app.callback()
def _consoles() -> None:
    """Long-term follow-up of intra-ovarian regenerative therapy.

    Workbook, registry, analysis and reports.
    """
    # Made per invocation, not at import, so that each run sizes its output for the
    # terminal (or COLUMNS) it actually writes to.
    global console, errors
    console = Console()
    errors = Console(stderr=True)


#: The most problems printed as a table; the rest are counted (``--json`` gives them all).
SHOWN_PROBLEMS = 200


class ExportFormat(StrEnum):
    """File formats of an exported workbook."""

    csv = "csv"
    xlsx = "xlsx"


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
            escape(p.file),
            "" if p.row is None else str(p.row),
            escape(p.column or ""),
            "" if p.value is None else escape(f"'{p.value}'"),
            f"{escape(p.message)} [dim]({p.rule})[/]",
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
        console.print(f"[yellow]ignored[/] {name}: not a table of the workbook format")
    for label, columns in result.ignored.items():
        console.print(f"[yellow]ignored[/] columns in {label}: {', '.join(columns)}")


def _validate(workbook: Path) -> ValidationResult:
    from follicle.workbook.validate import validate_path

    with console.status("Validating…"):
        return validate_path(workbook)


@app.command()
def validate(
    workbook: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx file.")],
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
    console.print(f"[green]{workbook} is valid.[/]")
    _print_counts(dict(result.row_counts), "Rows per table")


@app.command("import")
def import_(
    workbook: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx file.")],
    update: Annotated[
        bool,
        typer.Option(
            help="Apply changes to women already in the registry (recorded in the audit)."
        ),
    ] = False,
) -> None:
    """Validate a workbook and import it into the registry, all or nothing.

    The registry is FOLLICLE_DATABASE_URL (default: follicle.db here, SQLite).

    Example:

        follicle import my-cohort.xlsx
    """
    from follicle.store.engine import database_url, make_engine

    result = _validate(workbook)
    _print_ignored(result)
    _print_problems(result.warnings, "warning")
    with _handled():
        book = result.workbook()
        engine = make_engine(database_url())
        summary = _import_with_progress(engine, book, update=update)
    console.print(f"[green]Imported[/] {workbook} into {engine.url.render_as_string(True)}")
    console.print(summary)


def _import_with_progress(engine: Engine, book: Workbook, *, update: bool) -> ImportSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from follicle.store.engine import ensure_schema
    from follicle.store.importer import import_workbook

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

        return import_workbook(engine, book, update=update, progress=advance)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Folder (csv) or .xlsx file to write.")],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", help="csv or xlsx (default: xlsx when OUT ends in .xlsx)."),
    ] = None,
    deidentified: Annotated[
        bool,
        typer.Option(
            help="Days since first injection instead of dates, age instead of birth date, "
            "no notes, recoded IDs."
        ),
    ] = False,
) -> None:
    """Write the registry back out as a workbook.

    Example:

        follicle export analysis/ --deidentified
    """
    from follicle.store.engine import ensure_schema, open_registry
    from follicle.store.exporter import deidentify, read_registry, write_workbook

    chosen = fmt or (ExportFormat.xlsx if out.suffix.lower() == ".xlsx" else ExportFormat.csv)
    if chosen is ExportFormat.xlsx and out.suffix.lower() != ".xlsx":
        out = out.with_name(out.name + ".xlsx")
    if chosen is ExportFormat.csv and out.suffix.lower() == ".xlsx":
        raise typer.BadParameter(
            "a CSV workbook is a folder: name one without .xlsx", param_hint="OUT"
        )
    with _handled():
        engine = open_registry()
        ensure_schema(engine)
        book = read_registry(engine)
        shared = deidentify(book, engine) if deidentified else book
        path = write_workbook(shared, out, format=chosen.value)
    console.print(
        f"[green]Exported[/] {'de-identified ' if deidentified else ''}workbook to {path}"
    )


@app.command()
def dictionary(
    redcap: Annotated[
        Path | None, typer.Option(help="Write a REDCap data-dictionary CSV to this file.")
    ] = None,
    markdown: Annotated[bool, typer.Option(help="Print the dictionary as Markdown.")] = False,
) -> None:
    """Print the workbook's data dictionary, or write it for REDCap.

    Example:

        follicle dictionary --redcap follicle_redcap.csv
    """
    from follicle.workbook import dictionary as dd

    if redcap is not None:
        path = dd.write_redcap(redcap)
        console.print(f"[green]Wrote[/] REDCap data dictionary to {path}")
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


@app.command()
def demo(
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder for the demo registry and report.")
    ] = Path("follicle-demo"),
) -> None:
    """Import the bundled seed cohort into a fresh demo registry and write its report.

    The bundled cohort is reconstructed from the published aggregates of Zafardoust et al.
    (2025); it is not patient data. Your own registry (FOLLICLE_DATABASE_URL) is not touched.

    Example:

        follicle demo --dir /tmp/follicle-demo
    """
    from follicle.store.engine import make_engine
    from follicle.workbook import seed
    from follicle.workbook.validate import load_workbook

    console.print(
        "[bold]Bundled seed cohort[/]: reconstructed from published aggregates of "
        "Zafardoust et al., Stem Cell Res Ther 2025 — [bold]not patient data[/]."
    )
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "registry.db"
    for stale in folder.glob("registry.db*"):
        stale.unlink()
    with _handled():
        book = load_workbook(seed.path())
        engine = make_engine(f"sqlite:///{database.resolve()}")
        summary = _import_with_progress(engine, book, update=False)
    console.print(f"Demo registry: {database}")
    console.print(summary)
    _print_counts(book.row_counts, "Bundled cohort")
    # Reported from the registry it was imported into, so the demo flag is explicit.
    _report(f"sqlite:///{database.resolve()}", folder / "report", demo=True)


class CiMethod(StrEnum):
    """``--ci``: how a proportion's confidence interval is computed."""

    wilson = "wilson"
    clopper_pearson = "clopper-pearson"


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
) -> None:
    """Analyse a workbook (or the registry) and write the report.

    Writes index.html, results.json, figures/ (PNG and SVG), tables.xlsx and tables.docx.

    Example:

        follicle report my-cohort/ --out report/ --ci clopper-pearson
    """
    from follicle.store.engine import database_url, open_registry

    options = {"ci": ci.value, "claims": claims}
    if workbook is not None:
        _report(str(workbook), out, options=options)
        return
    with _handled():
        open_registry().dispose()  # a clear message, and no empty database left behind
    _report(database_url(), out, options=options)


def _report(
    source: str, out: Path, *, demo: bool | None = None, options: dict[str, Any] | None = None
) -> None:
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    import follicle
    from follicle.report.build import build_report

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
        cohort = follicle.load(source, **(options or {}))

        def step(name: str) -> None:
            progress.update(task, description=name)

        paths = build_report(cohort, out, progress=step, demo=demo)
    _print_summary(cohort)
    if len(cohort.excluded):
        console.print(f"{len(cohort.excluded)} enrolled women without an injection were left out.")
    console.print(f"[green]Report written[/]: {paths.html}")


def _print_summary(cohort: Cohort) -> None:
    """Table 1 and Table 2 in the terminal, formatted as in the report."""
    from follicle.report.tables import from_result

    results = cohort.results()
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
        found = results["audit"].values
        console.print(
            f"{results['audit'].label}, reproduction audit: {found['matches']} published claims "
            f"match, {found['differs']} differ, {found['cannot_be_computed']} cannot be computed."
        )


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="Folder to write the CSV workbook into.")],
    women: Annotated[int, typer.Option("--women", min=1, help="Number of women.")],
    sites: Annotated[int, typer.Option("--sites", min=1, help="Number of centres.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed.")] = 0,
) -> None:
    """Write a synthetic workbook of any size: random, valid, not patient data.

    Shaped like the seed study (two injections for a third, a third pregnant, half
    treated with IVF); the same seed always writes the same workbook.

    Example:

        follicle synth --women 1000000 --sites 20 big-cohort/
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from follicle.workbook.synthetic import write_synthetic

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

        path = write_synthetic(out, women, seed=seed, sites=sites, progress=advance)
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
) -> None:
    """Run the registry's web application on FOLLICLE_DATABASE_URL (default ./follicle.db).

    Create the first account before: `follicle user add NAME --role admin`. Behind a
    TLS proxy on another host, set FOLLICLE_SECURE_COOKIES=1.

    Example:

        follicle serve --port 8000
    """
    import uvicorn

    from follicle.store.engine import database_url, display_url, ensure_schema, make_engine

    with _handled():
        engine = make_engine()
        ensure_schema(engine)  # fail here, with a message, rather than in the server
        engine.dispose()
    console.print(
        f"Registry [bold]{escape(display_url(database_url()))}[/]: "
        f"open http://{host}:{port}/ (Ctrl+C stops)"
    )
    uvicorn.run(
        "follicle.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        log_level="info",
        access_log=False,  # request paths hold study IDs: keep them out of logs
    )


#: Colours of the audit's statuses.
AUDIT_COLOURS = {"matches": "green", "differs": "bold red", "cannot be computed": "yellow"}


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

    Each claim matches (to the published rounding), differs (with the likely reason) or
    cannot be computed from the data. Exit code 0 whatever the statuses; 1 for a bad
    claims file or workbook.

    Example:

        follicle audit my-cohort/ --claims my-paper.yaml
    """
    import follicle
    from follicle.analysis.audit import STATUSES, load_claims
    from follicle.analysis.audit import audit as run_audit
    from follicle.store.engine import database_url, open_registry

    with _handled():
        claimed = load_claims(claims) if claims is not None else load_claims()
        if source is None:
            open_registry().dispose()  # a clear message, and no empty database left behind
        cohort = follicle.load(source if source is not None else database_url())
        result = run_audit(claimed, cohort.results())
    rows = result.table
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
                    "status": r.status,
                    "likely_reason": r.likely_reason,
                }
                for r in rows.itertuples(index=False)
            ],
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    table = RichTable(title=f"{result.label}. {escape(result.title)}", title_justify="left")
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
    no_args_is_help=True,
)
site_app = typer.Typer(
    help="Sites (treating centres) of the registry.\n\nExample:\n\n"
    '    follicle site add North "North clinic"',
    no_args_is_help=True,
)
audit_log_app = typer.Typer(
    help="The registry's audit log (append-only, hash-chained).\n\nExample:\n\n"
    "    follicle audit-log verify",
    no_args_is_help=True,
)
token_app = typer.Typer(
    help="Personal access tokens of the JSON API (/api/v1).\n\nExample:\n\n"
    "    follicle token create alice --expires 30d",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(site_app, name="site")
app.add_typer(audit_log_app, name="audit-log")


def _registry_engine() -> Engine:
    """The registry at FOLLICLE_DATABASE_URL, migrated to the newest schema."""
    from follicle.store.engine import ensure_schema, make_engine

    engine = make_engine()
    ensure_schema(engine)
    return engine


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
    from follicle.store.accounts import ROLES, create_user

    if role not in ROLES:
        errors.print(
            f"[bold red]error:[/] unknown role {escape(role)!r}: one of {', '.join(ROLES)}"
        )
        raise typer.Exit(2)
    password = _read_password(password_stdin)
    with _handled():
        engine = _registry_engine()
        try:
            with engine.begin() as connection:
                user = create_user(connection, username, password, role, site or (), actor="cli")
        finally:
            engine.dispose()
    sites = ", ".join(sorted(user.sites)) or ("all sites" if role == "admin" else "no site yet")
    console.print(
        f"[green]Created[/] user [bold]{escape(user.username)}[/] ({user.role}; {escape(sites)})"
    )


@site_app.command("add")
def site_add(
    code: Annotated[str, typer.Argument(help="The site's code, as in participants.site.")],
    name: Annotated[str, typer.Argument(help="The site's name.")],
) -> None:
    """Add a site (treating centre).

    Example:

        follicle site add North "North clinic"
    """
    from follicle.store.accounts import create_site

    with _handled():
        engine = _registry_engine()
        try:
            with engine.begin() as connection:
                create_site(connection, code, name, actor="cli")
        finally:
            engine.dispose()
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

    from follicle.store.tokens import create_token, parse_lifetime

    try:
        lifetime = parse_lifetime(expires)
    except ValueError as exc:
        errors.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    with _handled():
        engine = _registry_engine()
        try:
            with engine.begin() as connection:
                made = create_token(
                    connection, username, now=datetime.now(UTC), lifetime=lifetime, name=name
                )
        finally:
            engine.dispose()
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

    from follicle.store.tokens import revoke_token, token_id_of

    with _handled():
        engine = _registry_engine()
        try:
            with engine.begin() as connection:
                token_id = int(token) if token.isdigit() else token_id_of(connection, token)
                revoke_token(connection, token_id, now=datetime.now(UTC))
        finally:
            engine.dispose()
    console.print(f"[green]Revoked[/] token {token_id}")


@token_app.command("list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """The tokens (never the secrets): number, user, label, expiry, revoked, last use.

    Example:

        follicle token list alice
    """
    from follicle.store.tokens import list_tokens

    with _handled():
        engine = _registry_engine()
        try:
            with engine.connect() as connection:
                frame = list_tokens(connection, username)
        finally:
            engine.dispose()
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


@audit_log_app.command("verify")
def audit_log_verify() -> None:
    """Check the audit log's hash chain: exit 0 when every entry verifies, 1 naming the
    first entry that was altered or whose predecessor was deleted.

    Example:

        follicle audit-log verify
    """
    from follicle.store.chain import verify_chain
    from follicle.store.engine import open_registry

    with _handled():
        engine = open_registry()
        try:
            with engine.connect() as connection:
                result = verify_chain(connection)
        finally:
            engine.dispose()
    if not result.ok:
        errors.print(f"[bold red]the audit log does not verify:[/] {escape(result.reason or '')}")
        raise typer.Exit(1)
    console.print(f"[green]{result.entries} entries verified[/]")


def main() -> None:  # pragma: no cover - console-script entry point
    """Run the command line."""
    app()
