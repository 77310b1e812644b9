"""The study workbook, declared once.

Every other view of the format derives from the tables below: the CSV/XLSX reader
(:mod:`follicle.workbook.read`), the validator (:mod:`follicle.workbook.validate`), the
registry's database tables (:mod:`follicle.store.tables`), ``follicle dictionary`` and the
REDCap data dictionary (:mod:`follicle.workbook.dictionary`), and the de-identified export.
Tests hold each of those to this module.

The human-readable contract, ``docs/workbook.md``, is generated from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

DType = Literal["id", "text", "date", "boolean", "integer", "number", "category"]

#: Accepted spellings of a boolean cell (compared case-insensitively), and their value.
BOOLEAN_SPELLINGS: dict[str, bool] = {
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "y": True,
    "n": False,
}

#: Ages at first injection outside this closed interval (completed years) are errors.
AGE_AT_FIRST_INJECTION = (18, 55)

#: An infant's birth date may differ from its pregnancy's outcome date by this many days.
BIRTH_OUTCOME_TOLERANCE_DAYS = 1

#: The longest ID (participant, cycle, pregnancy, infant), in characters.
ID_MAX_LENGTH = 64

#: What an ID may hold: ASCII letters, digits, ``-`` and ``_``, 1 to :data:`ID_MAX_LENGTH`
#: characters, the first a letter or digit. An ID ends up in URLs, file names, audit keys
#: (``<participant>/<key>``) and other systems' imports: anything else (a slash, ``..``,
#: markup, a right-to-left override, a space) would let it be read as something it is
#: not, and a leading ``-`` would make a spreadsheet read it as a formula.
ID_PATTERN = rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{ID_MAX_LENGTH - 1}}}"

#: The longest site code, in characters; also the longest name the registry keeps (a user
#: name, a site's or a token's name: :func:`follicle.store.access.accounts.checked_name`).
NAME_MAX_LENGTH = 100

#: The characters a site code (and any name the registry keeps) cannot hold, as a regular
#: expression class: C0 and C1 control characters (a line break, a tab, an escape, which
#: would rewrite a terminal's lines) and the invisible marks that hide or reorder text
#: (zero-width spaces and joiners, direction marks, embeddings, overrides and isolates).
#: Two codes that look alike must be one site; a code shown in a terminal or a page must
#: read as what it is.
UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"


def escape_unprintable(text: str) -> str:
    """``text`` with each :data:`UNPRINTABLE` character written as its escape (``\\u200b``),
    to be shown in a message: invisible, it would hide what is wrong."""
    return re.sub(UNPRINTABLE, lambda m: repr(m.group())[1:-1], text)


#: The characters that make a spreadsheet read a cell as a formula (OWASP's list for CSV
#: injection): a text cell that starts with one is flagged at validation and written with a
#: leading apostrophe by the CSV export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The largest whole number a count may hold: PostgreSQL's ``integer`` (2^31 − 1), the
#: type of every integer column in the registry. A larger value would validate and then
#: fail at import on PostgreSQL.
INTEGER_MAXIMUM = 2**31 - 1


@dataclass(frozen=True)
class Column:
    """One column of a workbook table.

    ``minimum`` bounds numbers and integers from below; ``exclusive_minimum`` makes the
    bound strict (``> 0`` rather than ``>= 0``). ``maximum`` bounds them from above
    (inclusive); an integer column without one is bounded by :data:`INTEGER_MAXIMUM`
    (:attr:`upper_bound`). ``references`` names the ``table.column``
    that every non-empty value must match. ``identifying`` marks the columns that the
    de-identified export transforms or drops. ``site_code`` marks a column whose values are
    registry site codes: at most :data:`NAME_MAX_LENGTH` characters, none of
    :data:`UNPRINTABLE` (validation checks what ``follicle import --create-sites`` would
    register).
    """

    name: str
    dtype: DType
    description: str
    required: bool = False
    vocabulary: tuple[str, ...] | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    references: str | None = None
    default: str | None = None
    unit: str | None = None
    free_text: bool = False
    site_code: bool = False

    @property
    def is_date(self) -> bool:
        """Whether the column holds calendar dates (ISO ``YYYY-MM-DD``)."""
        return self.dtype == "date"

    @property
    def upper_bound(self) -> float | None:
        """The largest value allowed: ``maximum``, else :data:`INTEGER_MAXIMUM` for an
        integer column, else ``None`` (a number only has to be finite)."""
        if self.maximum is not None:
            return self.maximum
        return float(INTEGER_MAXIMUM) if self.dtype == "integer" else None

    @property
    def constraint_text(self) -> str:
        """The column's value rule in plain words, for dictionaries and error messages."""
        if self.vocabulary is not None:
            return "one of " + ", ".join(self.vocabulary)
        if self.dtype in ("integer", "number"):
            kind = "whole number" if self.dtype == "integer" else "number"
            bounds = []
            if self.minimum is not None:
                op = ">" if self.exclusive_minimum else "≥"
                bounds.append(f"{op} {self.minimum:g}")
            if self.maximum is not None:
                bounds.append(f"≤ {self.maximum:g}")
            return " ".join([kind, ", ".join(bounds)]) if bounds else kind
        if self.site_code:
            return f"site code: 1–{NAME_MAX_LENGTH} characters, no control or invisible characters"
        return {
            "id": f"identifier: 1–{ID_MAX_LENGTH} letters, digits, - or _, starting with a "
            "letter or digit (leading zeros kept)",
            "text": "text",
            "date": "date YYYY-MM-DD",
            "boolean": "yes / no",
            "category": "category",
        }[self.dtype]


@dataclass(frozen=True)
class Table:
    """One workbook table: a CSV file ``{name}.csv`` or an ``.xlsx`` sheet ``{name}``.

    ``key`` is the column that identifies a row (unique within the table), or ``None`` for
    tables whose rows have no identifier of their own. ``owner`` is how a row reaches its
    woman: the column holding her ``participant_id`` directly, or a chain through a parent
    table (``("pregnancy_id", "pregnancies")``) for infants and their conditions.
    ``noun`` names one row in messages ("names an infant that is not in …"); ``prefix`` is
    the short stem that keeps the table's REDCap variable names unique and short.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: str | None = None
    owner: tuple[str, str] = ("participant_id", "participants")
    noun: str = ""
    prefix: str = ""

    @property
    def filename(self) -> str:
        """The CSV file name of the table in a workbook folder."""
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        """The declared column names, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns that must be present in the file and non-empty in every row."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def a_noun(self) -> str:
        """``noun`` with its indefinite article ("a pregnancy", "an infant")."""
        article = "an" if self.noun[:1].lower() in "aeiou" else "a"
        return f"{article} {self.noun}"

    def column(self, name: str) -> Column:
        """The column called ``name`` (``KeyError`` if the table has none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


@dataclass(frozen=True)
class Rule:
    """A consistency rule across rows or tables.

    ``code`` is stable (it appears in ``--json`` output and in docs); ``text`` is the rule in
    the words a coordinator reads in an error message.
    """

    code: str
    text: str
    tables: tuple[str, ...] = field(default_factory=tuple)


MENSES_BASELINE = ("regular", "irregular", "amenorrhea")
MENSES_FOLLOWUP = ("regular", "irregular", "amenorrhea", "menopause")
MATERNAL_CONDITIONS = (
    "ovarian_cyst",
    "ovarian_torsion",
    "endometrioma",
    "endometriosis",
    "ovarian_malignancy",
    "breast_cancer",
    "pelvic_inflammatory_disease",
    "systemic_lupus_erythematosus",
    "rheumatoid_arthritis",
    "autoimmune_other",
    "other",
)
INFANT_CONDITIONS = (
    "congenital_anomaly",
    "leukemia",
    "lymphoma",
    "childhood_cancer_other",
    "thyroid_disorder",
    "autism_spectrum",
    "other",
)
PREGNANCY_MODES = ("spontaneous", "ivf", "iui", "other")
PREGNANCY_OUTCOMES = (
    "live_birth",
    "miscarriage",
    "ectopic",
    "stillbirth",
    "termination",
    "ongoing",
    "unknown",
)
#: Outcomes that need no outcome date.
OPEN_OUTCOMES = ("ongoing", "unknown")

_PID = Column(
    "participant_id",
    "id",
    "pseudonymous study ID of the woman",
    required=True,
    references="participants.participant_id",
)

PARTICIPANTS = Table(
    "participants",
    "one row per woman",
    noun="participant",
    prefix="ppt",
    key="participant_id",
    owner=("participant_id", "participants"),
    columns=(
        Column("participant_id", "id", "pseudonymous study ID", required=True),
        Column("site", "text", "treating centre", required=True, site_code=True),
        Column("arm", "text", "treatment arm, e.g. MenSC, PRP, control", default="MenSC"),
        Column("birth_date", "date", "date of birth, for ages", required=True),
        Column("consent_date", "date", "date of informed consent"),
        Column(
            "menses_baseline",
            "category",
            "menstrual pattern at the time of the first injection",
            required=True,
            vocabulary=MENSES_BASELINE,
        ),
        Column(
            "amh_ng_ml",
            "number",
            "anti-Müllerian hormone before treatment",
            minimum=0,
            unit="ng/mL",
        ),
        Column("afc", "integer", "antral follicle count before treatment", minimum=0),
        Column("fsh_iu_l", "number", "basal FSH", minimum=0, unit="IU/L"),
        Column(
            "prior_ivf_cycles",
            "integer",
            "conventional stimulation cycles before treatment",
            minimum=0,
        ),
        Column(
            "prior_max_oocytes",
            "integer",
            "most oocytes retrieved in any prior conventional cycle",
            minimum=0,
        ),
        Column(
            "prior_cycle_cancelled",
            "boolean",
            "a prior cycle was cancelled for poor response",
        ),
    ),
)

INJECTIONS = Table(
    "injections",
    "one row per intra-ovarian treatment procedure; injection number is the date order",
    noun="injection",
    prefix="inj",
    columns=(
        _PID,
        Column("injection_date", "date", "date of the procedure", required=True),
        Column(
            "product",
            "category",
            "injected product",
            vocabulary=("MenSC", "PRP", "BMDSC", "other"),
            default="MenSC",
        ),
        Column(
            "dose_million_cells",
            "number",
            "cells injected",
            minimum=0,
            exclusive_minimum=True,
            unit="million cells",
        ),
        Column("ovary", "category", "ovary injected", vocabulary=("left", "right", "both")),
        Column("route", "category", "surgical route", vocabulary=("transvaginal", "laparoscopic")),
    ),
)

CONTACTS = Table(
    "contacts",
    "one row per follow-up contact (visit, phone interview, records review)",
    noun="contact",
    prefix="cont",
    columns=(
        _PID,
        Column("contact_date", "date", "date of the contact", required=True),
        Column(
            "mode",
            "category",
            "how the contact was made",
            required=True,
            vocabulary=("clinic", "phone", "records"),
        ),
        Column(
            "milestone",
            "category",
            "which scheduled follow-up this contact fulfils",
            vocabulary=("3m", "6m", "12m", "annual", "final", "unscheduled"),
        ),
        Column(
            "menses",
            "category",
            "menstrual pattern reported at this contact",
            vocabulary=MENSES_FOLLOWUP,
        ),
        Column(
            "checklist_complete",
            "boolean",
            "the full long-term safety checklist was asked at this contact",
        ),
        Column(
            "vital_status",
            "category",
            "vital status at this contact",
            vocabulary=("alive", "deceased"),
            default="alive",
        ),
    ),
)

CONDITIONS = Table(
    "conditions",
    "newly diagnosed maternal conditions after the first injection",
    noun="condition",
    prefix="cond",
    columns=(
        _PID,
        Column(
            "condition",
            "category",
            "the condition diagnosed",
            required=True,
            vocabulary=MATERNAL_CONDITIONS,
        ),
        Column("diagnosis_date", "date", "date of diagnosis"),
        Column("during_pregnancy", "boolean", "diagnosed during a pregnancy"),
        Column("resolved", "boolean", "resolved by the latest contact"),
        Column("notes", "text", "free text; never exported de-identified", free_text=True),
    ),
)

IVF_CYCLES = Table(
    "ivf_cycles",
    "one row per IVF/ICSI cycle started after the first injection",
    noun="IVF cycle",
    prefix="ivf",
    key="cycle_id",
    columns=(
        Column("cycle_id", "id", "cycle ID", required=True),
        _PID,
        Column("start_date", "date", "first day of stimulation", required=True),
        Column(
            "oocytes_retrieved", "integer", "oocytes retrieved; empty when cancelled", minimum=0
        ),
        Column("embryos_transferred", "integer", "embryos transferred", minimum=0),
        Column("cancelled", "boolean", "the cycle was cancelled"),
    ),
)

PREGNANCIES = Table(
    "pregnancies",
    "one row per pregnancy after the first injection",
    noun="pregnancy",
    prefix="preg",
    key="pregnancy_id",
    columns=(
        Column("pregnancy_id", "id", "pregnancy ID", required=True),
        _PID,
        Column(
            "conception_date",
            "date",
            "estimated date of conception (or of the first positive test)",
            required=True,
        ),
        Column(
            "mode",
            "category",
            "how the pregnancy was conceived",
            required=True,
            vocabulary=PREGNANCY_MODES,
        ),
        Column(
            "ivf_cycle_id",
            "id",
            "the IVF cycle that gave the pregnancy, when mode is ivf and the cycle is known",
            references="ivf_cycles.cycle_id",
        ),
        Column("fetuses", "integer", "number of fetuses", minimum=1, default="1"),
        Column(
            "outcome",
            "category",
            "how the pregnancy ended",
            required=True,
            vocabulary=PREGNANCY_OUTCOMES,
        ),
        Column(
            "outcome_date",
            "date",
            "date of the outcome; required unless the outcome is ongoing or unknown",
        ),
        Column(
            "gestational_weeks", "number", "gestational age at the outcome", minimum=0, unit="weeks"
        ),
    ),
)

INFANTS = Table(
    "infants",
    "one row per infant born alive",
    noun="infant",
    prefix="inf",
    key="infant_id",
    owner=("pregnancy_id", "pregnancies"),
    columns=(
        Column("infant_id", "id", "infant ID", required=True),
        Column(
            "pregnancy_id",
            "id",
            "a pregnancy whose outcome is live_birth",
            required=True,
            references="pregnancies.pregnancy_id",
        ),
        Column("birth_date", "date", "date of birth", required=True),
        Column("sex", "category", "sex of the infant", vocabulary=("female", "male", "unknown")),
        Column(
            "birth_weight_g",
            "integer",
            "birth weight",
            minimum=0,
            exclusive_minimum=True,
            unit="g",
        ),
        Column("gestational_weeks", "number", "gestational age at birth", minimum=0, unit="weeks"),
        Column("death_date", "date", "date of death; empty = alive at last contact"),
    ),
)

INFANT_CONDITIONS_TABLE = Table(
    "infant_conditions",
    "conditions diagnosed in an infant",
    noun="infant condition",
    prefix="infcond",
    owner=("infant_id", "infants"),
    columns=(
        Column(
            "infant_id",
            "id",
            "the infant",
            required=True,
            references="infants.infant_id",
        ),
        Column(
            "condition",
            "category",
            "the condition diagnosed",
            required=True,
            vocabulary=INFANT_CONDITIONS,
        ),
        Column("diagnosis_date", "date", "date of diagnosis"),
        Column("notes", "text", "free text; never exported de-identified", free_text=True),
    ),
)

#: The eight tables, parents before children (the order of import and of the dictionary).
TABLES: tuple[Table, ...] = (
    PARTICIPANTS,
    INJECTIONS,
    CONTACTS,
    CONDITIONS,
    IVF_CYCLES,
    PREGNANCIES,
    INFANTS,
    INFANT_CONDITIONS_TABLE,
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

#: The kinds of reported event that two specialists review (see :data:`JUDGMENTS`).
EVENT_TYPES = ("condition", "pregnancy", "infant", "infant_condition", "death")
#: A reviewer's verdict on an event: as recorded, recorded with another value, or no event.
VERDICTS = ("confirm", "reclassify", "reject")
#: ``review``: one of the two independent judgments; ``decision``: the adjudicator's, final.
STAGES = ("review", "decision")

JUDGMENTS = Table(
    "judgments",
    "the two specialists' review of each reported event, and the adjudicator's decision "
    "when they disagree; optional: a workbook without this table is valid",
    noun="judgment",
    prefix="judg",
    key="judgment_id",
    columns=(
        Column("judgment_id", "id", "judgment ID", required=True),
        _PID,
        Column(
            "event_type",
            "category",
            "the kind of event judged",
            required=True,
            vocabulary=EVENT_TYPES,
        ),
        Column(
            "event_key",
            # text, not an ID: a composite of IDs, a condition and a date joined by "|"
            "text",
            "the event judged: pregnancy_id or infant_id; participant_id for a death; "
            "participant_id|condition|diagnosis_date for a condition; "
            "infant_id|condition|diagnosis_date for an infant condition",
            required=True,
        ),
        Column(
            "recorded_value",
            "text",
            "the event's defining value when judged (condition, outcome, alive/died, "
            "deceased); a judgment of an older value no longer counts",
            required=True,
        ),
        Column(
            "stage",
            "category",
            "review or the adjudicator's decision",
            required=True,
            vocabulary=STAGES,
        ),
        Column("reviewer", "text", "user name of the specialist who judged", required=True),
        Column("verdict", "category", "the judgment", required=True, vocabulary=VERDICTS),
        Column(
            "corrected_value",
            "text",
            "the value the event should have, when the verdict is reclassify",
        ),
        Column(
            "reason",
            "text",
            "why; required for reclassify, reject and every decision; never exported de-identified",
            free_text=True,
        ),
        Column("judged_on", "date", "date of the judgment", required=True),
    ),
)

#: Tables a workbook may carry or leave out; read, validated and stored like the others.
OPTIONAL_TABLES: tuple[Table, ...] = (JUDGMENTS,)

#: The consistency rules of the format. Column-level rules (type, required, vocabulary,
#: minimum, references, uniqueness, future dates) are implied by the columns above; these
#: are the rules across rows and tables. :mod:`follicle.workbook.validate` implements
#: exactly these codes, and a test holds the two together.
RULES: tuple[Rule, ...] = (
    Rule("consent_after_birth", "consent must be after the birth date", ("participants",)),
    Rule(
        "consent_before_first_injection",
        "consent must be on or before the first injection",
        ("participants", "injections"),
    ),
    Rule(
        "age_at_first_injection",
        "age at the first injection must be between "
        f"{AGE_AT_FIRST_INJECTION[0]} and {AGE_AT_FIRST_INJECTION[1]} years",
        ("participants", "injections"),
    ),
    Rule(
        "contact_before_consent",
        "a contact must be on or after the consent date",
        ("contacts", "participants"),
    ),
    Rule(
        "before_first_injection",
        "must be on or after the woman's first injection",
        ("injections", "conditions", "ivf_cycles", "pregnancies"),
    ),
    Rule(
        "after_end_of_followup",
        "must be on or before the woman's latest contact (the end of her follow-up)",
        ("injections", "conditions", "ivf_cycles", "pregnancies"),
    ),
    Rule(
        "after_death",
        "no injection, condition, IVF cycle or conception may come after the first contact "
        "that recorded the woman as deceased",
        ("contacts", "injections", "conditions", "ivf_cycles", "pregnancies"),
    ),
    Rule(
        "contact_after_death",
        "warning: a contact after the first one that recorded the woman as deceased does not "
        "record her deceased (it says alive, or nothing, which means alive)",
        ("contacts",),
    ),
    Rule(
        "outcome_before_conception",
        "the outcome date must be on or after the conception date",
        ("pregnancies",),
    ),
    Rule(
        "outcome_date_missing",
        "an outcome date is required unless the outcome is ongoing or unknown",
        ("pregnancies",),
    ),
    Rule(
        "ivf_cycle_other_woman",
        "the IVF cycle must belong to the same woman as the pregnancy",
        ("pregnancies", "ivf_cycles"),
    ),
    Rule(
        "ivf_cycle_wrong_mode",
        "only a pregnancy conceived by IVF can name an IVF cycle",
        ("pregnancies",),
    ),
    Rule(
        "conception_before_ivf_cycle",
        "warning: a pregnancy's (estimated) conception date is before the first day of "
        "stimulation of the IVF cycle that gave it",
        ("pregnancies", "ivf_cycles"),
    ),
    Rule(
        "pregnancies_overlap",
        "a woman's pregnancies must not overlap: each conception must come after the "
        "previous pregnancy's outcome",
        ("pregnancies",),
    ),
    Rule(
        "infant_of_non_live_birth",
        "an infant must belong to a pregnancy whose outcome is live_birth",
        ("infants", "pregnancies"),
    ),
    Rule(
        "more_infants_than_fetuses",
        "a pregnancy cannot have more infants than fetuses",
        ("infants", "pregnancies"),
    ),
    Rule(
        "birth_not_at_outcome",
        "an infant's birth date must equal its pregnancy's outcome date (± "
        f"{BIRTH_OUTCOME_TOLERANCE_DAYS} day)",
        ("infants", "pregnancies"),
    ),
    Rule(
        "infant_condition_before_conception",
        "an infant's condition cannot be diagnosed before its pregnancy was conceived (a "
        "prenatal diagnosis is after the conception)",
        ("infant_conditions", "infants", "pregnancies"),
    ),
    Rule("death_before_birth", "the death date must be on or after the birth date", ("infants",)),
    Rule(
        "judgment_reason_missing",
        "a judgment needs a reason: every reclassify, every reject and every adjudicator's "
        "decision says why",
        ("judgments",),
    ),
    Rule(
        "judgment_unknown_event",
        "a judgment must name an event of the same woman in this workbook: a condition, "
        "pregnancy, infant, infant condition or death (a deceased contact) that exists",
        ("judgments", "conditions", "pregnancies", "infants", "infant_conditions", "contacts"),
    ),
    Rule(
        "judgment_corrected_value",
        "a reclassify carries a corrected value valid for its event type (a condition, an "
        "outcome or an infant condition, other than the recorded one); an infant or a death "
        "is confirmed or rejected, not reclassified; other verdicts carry no corrected value",
        ("judgments",),
    ),
    Rule(
        "judgment_too_many",
        "an event (at its recorded value) has at most two reviews and one adjudicator's decision",
        ("judgments",),
    ),
    Rule(
        "judgment_same_reviewer",
        "one specialist judges an event once: the second review, and the decision, are another's",
        ("judgments",),
    ),
    Rule(
        "judgment_decision_without_dispute",
        "an adjudicator decides only an event whose two reviews disagree",
        ("judgments",),
    ),
    Rule(
        "same_day_injection",
        "a woman cannot have two injections on the same date: one procedure is one row, "
        "with ovary both when both ovaries were injected",
        ("injections",),
    ),
)

RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}

#: Every other problem code, by where it is found: the files themselves, single cells, whole
#: tables, and the registry at import. With :data:`RULES` these are all the codes a
#: :class:`follicle.errors.Problem` can carry; docs/workbook.md lists them.
CHECKS: tuple[Rule, ...] = (
    Rule("missing_file", "a table's CSV file (or the workbook itself) is missing"),
    Rule(
        "not_a_workbook",
        "a workbook is a folder of CSV files, one .xlsx file or a REDCap records export",
    ),
    Rule("empty_file", "a file or sheet is empty: it needs at least its header row"),
    Rule("unreadable_file", "a file or folder cannot be read (its permissions, or the disk)"),
    Rule(
        "not_a_file",
        "a table's CSV file (or the .xlsx) is a folder, a named pipe or something else that "
        "is not a file",
    ),
    Rule("not_csv", "a file is not a well-formed CSV text file"),
    Rule("not_utf8", "a file is not UTF-8 text (another encoding, such as Windows-1252 or UTF-16)"),
    Rule(
        "wrong_separator",
        "a CSV file is separated by semicolons or tabs: a workbook CSV is comma-separated",
    ),
    Rule("not_xlsx", "the .xlsx file cannot be read"),
    Rule("missing_sheet", "a table's sheet is missing from the .xlsx file"),
    Rule(
        "sheet_too_large",
        "a sheet spans more cells (rows × its widest row) than are read: a value far beyond "
        "the table",
    ),
    Rule("missing_column", "a required column is missing from the header row"),
    Rule("duplicate_column", "a column name appears twice in the header row"),
    Rule("unnamed_column", "a column has values but no name in the header row"),
    Rule(
        "header_not_in_row_1",
        "the header row (the column names) is not row 1: a blank, title or merged row is above it",
    ),
    Rule(
        "misnamed_column",
        "a column's name differs from a declared column only by case, spaces or hyphens "
        "(Birth Date for birth_date)",
    ),
    Rule("required", "a required cell is empty"),
    Rule(
        "formula_without_value",
        "a required .xlsx cell is a formula with no saved value (open and save it in Excel)",
    ),
    Rule(
        "control_character",
        "a cell holds an invisible control character: a NUL byte (which the registry cannot "
        "store), another control character, or a tab or line break outside free-text notes",
    ),
    Rule("not_a_date", "a date is not a real date in the form YYYY-MM-DD"),
    Rule(
        "deidentified_import",
        "a de-identified workbook cannot be imported into the registry (it is for analysis)",
    ),
    Rule(
        "not_whole_number",
        "in a de-identified workbook, a day (days since the woman's first injection) or an "
        "age (completed years) is not a whole number",
    ),
    Rule("future_date", "a date is after the day of validation"),
    Rule("not_a_boolean", "a boolean is not yes/no (or true/false, 1/0, y/n)"),
    Rule("not_an_integer", "a count is not a whole number"),
    Rule("not_a_number", "a number cannot be read"),
    Rule("below_minimum", "a number is below the column's minimum"),
    Rule(
        "above_maximum",
        "a number is above the column's maximum (for a count, at most "
        f"{INTEGER_MAXIMUM:,}: what the registry's database holds)",
    ),
    Rule(
        "not_an_id",
        f"an ID is not 1–{ID_MAX_LENGTH} letters (A–Z, a–z), digits, - or _, starting with a "
        "letter or digit",
    ),
    Rule(
        "not_a_site_code",
        f"a site is not a site code the registry can hold: at most {NAME_MAX_LENGTH} "
        "characters, with no control characters or invisible marks (zero-width spaces, "
        "direction marks)",
    ),
    Rule(
        "formula_like",
        "warning: a text cell starts with =, +, -, @, a tab or a carriage return, which a "
        "spreadsheet would run as a formula (the CSV export writes it with a leading ')",
    ),
    Rule("not_in_vocabulary", "a value is not one of the column's listed words"),
    Rule("duplicate_id", "an ID is used twice in its table"),
    Rule(
        "too_many_blocks",
        "web checklist: more pregnancies, infants or IVF cycles than one contact may record",
    ),
    Rule(
        "duplicate_row",
        "a row of a table without IDs (contacts, conditions, infant conditions) repeats an "
        "earlier row exactly, so it would count twice",
    ),
    Rule("unknown_reference", "a reference names an ID that is not in the referenced table"),
    Rule(
        "unknown_instrument",
        "REDCap records: redcap_repeat_instrument names no repeating instrument of the project",
    ),
    Rule(
        "repeat_instance",
        "REDCap records: an instance of a repeating instrument needs a number from 1, unique "
        "within its record and instrument; the record's own row has none",
    ),
    Rule(
        "field_of_another_instrument",
        "REDCap records: a row holds a value in a field of another instrument",
    ),
    Rule(
        "record_mismatch",
        "REDCap records: an infant names a pregnancy (or an infant condition an infant) of "
        "another record",
    ),
    Rule("no_injection", "warning: an enrolled woman has no injection yet (left out of analysis)"),
    Rule("no_contact", "warning: a treated woman has no follow-up contact yet"),
    Rule(
        "differs_from_registry",
        "import: a woman already in the registry has different data (use --update)",
    ),
    Rule("id_of_another_woman", "import: an ID already belongs to another woman in the registry"),
    Rule(
        "not_in_registry", "import: a row of a woman already in the registry is new (use --update)"
    ),
    Rule(
        "missing_from_workbook",
        "import: a registry row of a woman is not in the workbook (use --update)",
    ),
    Rule(
        "site_not_registered",
        "import: a woman's site is not a registered site (add it, or use --create-sites)",
    ),
    Rule(
        "not_a_phone_number",
        "identity import (and her page, the API): a phone number has 6 to 15 digits, with "
        "spaces, dashes, dots, brackets and a leading + allowed",
    ),
)

#: Every problem code, rule or check, by code.
CODES: dict[str, Rule] = {r.code: r for r in (*CHECKS, *RULES)}
