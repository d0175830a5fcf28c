"""Re-point citations of the team-only notes (API.md, DESIGN.md, ICALENDAR.md) at docs/.

    uv run python tools/recite.py            # dry run: print every change, touch nothing
    uv run python tools/recite.py --write    # make the changes
    uv run python tools/recite.py --list     # old -> new, one citation a line (citations.txt)
    ... --root DIR                           # work on another copy of the tree

A one-off for the merge of issue 11: run it once every branch is in, then delete it.

What it does, file by file (every text file of the tree but docs/, vendored assets and this
script), in this order:

1. Exact phrases known on the docs branch (OVERRIDES), where a precise section or rule reads
   better than the general mapping: each is replaced if it is still there.
2. The general mapping: `API.md[ v2][, <section>]` to docs/contract.md (or docs/operations.md),
   `DESIGN.md[, <section>]` to docs/architecture.md, `ICALENDAR[.md] [rule|rules|section] N...`
   to docs/calendars.md with the rule numbers mapped (the table at the end of
   docs/calendars.md), and a bare `(rule N)` in a file that cites ICALENDAR.
3. In Python files, a comment or docstring line the change made longer than 100 characters is
   re-wrapped: the words past the limit move to the next line of the same paragraph (or a new
   one), as a person would wrap it. A line it cannot re-wrap safely is reported instead.

Idempotent: no replacement contains any of the old names, so a second run finds nothing. It
prints every change as `path:line: old -> new`, then whatever still names an old note (for a
person to look at), and exits 1 if anything is left.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 100
SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "var",
    "test-artifacts",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "__pycache__",
    "docs",
    "static",
}
SKIP_FILES = {"tools/recite.py", "uv.lock"}

CONTRACT = "docs/contract.md"
ARCHITECTURE = "docs/architecture.md"
CALENDARS = "docs/calendars.md"
OPERATIONS = "docs/operations.md"

# ---- exact phrases (path, old, new) ----------------------------------------------------------

OVERRIDES: list[tuple[str, str, str]] = [
    (
        "README.md",
        (
            "  Nothing in the invitation can change that (`ICALENDAR.md`, rule 9), so"
            " `/my/bookings` says it\n"
            "  next to the feed links: open the invitation and add it, add the `BOOKING_MAIL_FROM`"
            " address to\n"
            "  Google contacts, or subscribe to the personal feed, which brings in every booked"
            " session\n"
            "  whatever that setting says.\n"
        ),
        (
            f"  Nothing in the invitation can change that ([{CALENDARS}]({CALENDARS}), rule 6),\n"
            "  so `/my/bookings` says it next to the feed links: open the invitation and add it,"
            " add the\n"
            "  `BOOKING_MAIL_FROM` address to Google contacts, or subscribe to the personal feed,"
            " which\n"
            "  brings in every booked session whatever that setting says.\n"
        ),
    ),
    (
        "booking/api/problems.py",
        "in API.md's notation (`name`, `weekly[2].start`),",
        f"in the contract's notation (`name`, `weekly[2].start`; {CONTRACT}, Errors),",
    ),
    ("booking/errors.py", "stable `code` (API.md);", f"stable `code` ({CONTRACT}, Errors);"),
    (
        "booking/api/problems.py",
        "stable `code` (API.md, Conventions)",
        f"stable `code` ({CONTRACT}, Errors)",
    ),
    (
        "booking/api/query_params.py",
        "(API.md, Conventions: lists take",
        f"({CONTRACT}, Lists and paging: lists take",
    ),
    (
        "tests/integration/api/test_unknown_query_parameters.py",
        "(API.md, Conventions: lists",
        f"({CONTRACT}, Lists and paging: lists",
    ),
    ("booking/durations.py", "(API.md, Conventions)", f"({CONTRACT}, Datetimes and durations)"),
    (
        "booking/schemas/common.py",
        "not blank (API.md, Conventions)",
        f"not blank ({CONTRACT}, Input rules)",
    ),
    (
        "booking/settings.py",
        "are refused (API.md, Conventions)",
        f"are refused ({CONTRACT}, Input rules)",
    ),
    (
        "booking/models/bookings.py",
        "whatever the code does (DESIGN.md)",
        f"whatever the code does ({CONTRACT}, Bookings and the waitlist)",
    ),
    ("booking/models/calendars.py", "(ICALENDAR.md 42)", f"({CALENDARS}, rule 40)"),
    (
        "booking/preflight.py",
        "(API.md v2: one line, exit 2, no traceback)",
        f"({OPERATIONS}, Commands: one line, exit 2, no traceback)",
    ),
    (
        "booking/services/hubs.py",
        "an updated invite (ICALENDAR.md 20)",
        f"an updated invite ({CALENDARS}, rule 13)",
    ),
    (
        "booking/services/hubs.py",
        "feeds refresh (rule 32)",
        f"feeds refresh ({CALENDARS}, rule 14)",
    ),
    (
        "booking/services/sessions.py",
        "(ICALENDAR.md 20, 21, 32)",
        f"({CALENDARS}, rules 13, 16, 26)",
    ),
    (
        "booking/services/timetables.py",
        "stored validators (rule 42)",
        f"stored validators ({CALENDARS}, rule 40)",
    ),
    (
        "booking/services/users.py",
        "feeds refresh (ICALENDAR.md 32)",
        f"feeds refresh ({CALENDARS}, rule 14)",
    ),
    (
        "booking/services/users.py",
        "place changed (rule 20)",
        f"place changed ({CALENDARS}, rule 13)",
    ),
    ("booking/services/users.py", "(API.md v2: 403)", f"({CONTRACT}, Identity: 403)"),
    (
        "booking/url_fetch.py",
        "the last fetch (ICALENDAR.md rule 42)",
        f"the last fetch ({CALENDARS}, rule 40)",
    ),
    ("booking/url_fetch.py", "https:// (ICALENDAR.md rule 42)", f"https:// ({CALENDARS}, rule 39)"),
    (
        "booking/url_fetch.py",
        "changed calendar (rule 42)",
        f"changed calendar ({CALENDARS}, rule 40)",
    ),
    (
        "calendars/timetable_check.py",
        "(API.md v2, Teachers' timetables)",
        f"({CALENDARS}, rule 31)",
    ),
    (
        "calendars/timetable_ics.py",
        "an empty timetable (API.md v2)",
        f"an empty timetable ({CALENDARS}, rule 31)",
    ),
    (
        "notifications/dispatcher.py",
        "(DESIGN.md, Event-driven core)",
        f"({ARCHITECTURE}, The dispatcher)",
    ),
    (
        "notifications/scheduler.py",
        "(DESIGN.md, Event-driven core, 4)",
        f"({ARCHITECTURE}, The timer)",
    ),
    ("tests/e2e/test_cli_and_served_process.py", "the CLI of API.md", f"the CLI of {OPERATIONS}"),
    (
        "tests/e2e/test_start_up_checks.py",
        "without a traceback (API.md v2, Input rules)",
        f"without a traceback ({OPERATIONS}, Commands)",
    ),
    (
        "tests/fuzz/test_openapi_fuzz.py",
        '(API.md, Conventions: "No input may produce a 500")',
        f'({CONTRACT}, Input rules: "No input produces a 500")',
    ),
    (
        "tests/integration/api/test_errors.py",
        "# --- Input rules (API.md v2): the body itself ".ljust(92, "-"),
        f"# --- Input rules ({CONTRACT}): the body itself ".ljust(92, "-"),
    ),
    (
        "tests/integration/api/test_users.py",
        "(API.md v2, Admin user management)",
        f"({CONTRACT}, Identity)",
    ),
    (
        "tests/integration/booking_engine/test_waitlist_clashes.py",
        "within API.md's five seconds",
        f"within the five seconds of {CONTRACT}",
    ),
    (
        "tests/integration/calendars/test_detail_edits.py",
        (
            "a session but not its time (ICALENDAR.md rules 20, 21, 29,\n"
            "32): a venue's name, address or postcode (LOCATION), its accessibility"
            " or a trainer's name\n"
            "(DESCRIPTION). Through HTTP, the outbox and the dispatcher, on the test"
            " database.\n"
        ),
        (
            "a session but not its time\n"
            "(docs/calendars.md, rules 13, 14, 16, 23, 26): a venue's name, address or postcode"
            " (LOCATION),\n"
            "its accessibility or a trainer's name (DESCRIPTION). Through HTTP, the outbox and"
            " the\n"
            "dispatcher, on the test database.\n"
        ),
    ),
    (
        "tests/integration/calendars/test_url_fetch.py",
        "conditional refreshes (API.md,\nCalendars; ICALENDAR.md rule 42).",
        f"conditional refreshes\n({CONTRACT}, Calendars; {CALENDARS}, rules 39, 40).",
    ),
    ("tests/unit/calendars/test_timetable_check.py", "(API.md v2)", f"({CALENDARS}, rule 31)"),
    (
        "tests/unit/calendars/test_timetable_read.py",
        '"""API.md v2: a calendar with no events',
        f'"""{CALENDARS}, rule 31: a calendar with no events',
    ),
]

# ---- API.md ----------------------------------------------------------------------------------

# Sections of the old contract (v1, then the v2 additions) -> where they are now.
API_SECTIONS: dict[str, tuple[str, str | None]] = {
    "Conventions": (CONTRACT, "Conventions"),
    "Running it": (OPERATIONS, None),
    "Identity": (CONTRACT, "Identity"),
    "Hubs and venues": (CONTRACT, "Hubs and venues"),
    "Trainers": (CONTRACT, "Trainers"),
    "Courses, cohorts and sessions": (CONTRACT, "Courses, cohorts and sessions"),
    "Courses": (CONTRACT, "Courses, cohorts and sessions"),
    "Bookings and the waitlist": (CONTRACT, "Bookings and the waitlist"),
    "Calendars": (CONTRACT, "Calendars"),
    "Email": (CONTRACT, "Email"),
    "Pages": (CONTRACT, "Pages"),
    "Accounts, tokens and privacy": (CONTRACT, "Accounts, tokens and privacy"),
    "Admin user management": (CONTRACT, "Accounts, tokens and privacy"),
    "Audit": (CONTRACT, "Accounts, tokens and privacy"),
    "Retention": (CONTRACT, "Accounts, tokens and privacy"),
    "Rate limits": (CONTRACT, "Rate limits"),
    "Schools and staff": (CONTRACT, "Schools and staff"),
    "Booking for staff, approval, fairness": (CONTRACT, "Schools and staff"),
    "Teachers' timetables": (CONTRACT, "Calendars"),
    "Hub operations": (CONTRACT, "Hub operations"),
    "Input rules": (CONTRACT, "Input rules"),
}
_SECTION_NAMES = "|".join(re.escape(n) for n in sorted(API_SECTIONS, key=len, reverse=True))
API = re.compile(
    r"(?<![\w/.])API\.md"
    r"(?:(?P<notation>'s notation)"
    r"|'s (?P<named>\w+) section"
    r"|(?P<poss>'s)"
    r"|(?P<v2>\s+v2)?(?:(?P<sep>,\s+)(?:(?P<section>" + _SECTION_NAMES + r")\b|(?P<quote>\"))"
    r"|(?P<colon>:)|(?P<unknown>,\s+))?)"
)


def api(match: re.Match[str]) -> tuple[str, str | None]:
    """The new text, and a note when a person should look."""
    if match["section"]:
        path, section = API_SECTIONS[match["section"]]
        return (path if section is None else f"{path}{match['sep']}{section}"), None
    forms: list[tuple[str, str, str | None]] = [
        ("notation", f"the contract's notation ({CONTRACT}, Errors)", None),
        ("named", f"the {match['named']} section of {CONTRACT}", None),
        ("poss", f"{CONTRACT}'s", "check the wording"),
        ("quote", f'{CONTRACT}{match["sep"]}"', None),
        ("colon", f"{CONTRACT}:", None),
        ("unknown", f"{CONTRACT}{match['unknown']}", "unknown section: check it"),
    ]
    for group, new, note in forms:
        if match[group]:
            return new, note
    return CONTRACT, None


# ---- DESIGN.md -------------------------------------------------------------------------------

DESIGN_SECTIONS: dict[str, tuple[str, str | None]] = {
    "Event-driven core": (ARCHITECTURE, "Events"),
    "Transactions": (ARCHITECTURE, "Transactions"),
    "Data and time; Capacity": (ARCHITECTURE, "Locks"),
    "Data and time": (ARCHITECTURE, "Time"),
    "Capacity under concurrency": (ARCHITECTURE, "Locks"),
    "Capacity": (ARCHITECTURE, "Locks"),
    "Layout": (ARCHITECTURE, "Layout"),
    "Names": (ARCHITECTURE, "Layout"),
    "Errors and input": (CONTRACT, "Input rules"),
    "Tests and tooling": ("README.md", "Tests and checks"),
    "Scale beyond one machine": (ARCHITECTURE, "Processes"),
    "v2 notes": (ARCHITECTURE, None),
}
# Event-driven core, point N.
EVENT_POINTS = {1: "The outbox", 2: "The dispatcher", 3: "Deliveries", 4: "Reminders and due work"}
_DESIGN_NAMES = "|".join(re.escape(n) for n in sorted(DESIGN_SECTIONS, key=len, reverse=True))
DESIGN = re.compile(
    r"(?<![\w/.])DESIGN\.md(?:(?P<sep>,\s+)(?P<section>" + _DESIGN_NAMES + r")"
    r"(?:,\s*(?P<point>\d+))?)?"
)


def design(match: re.Match[str]) -> tuple[str, str | None]:
    if not match["section"]:
        return ARCHITECTURE, None
    path, section = DESIGN_SECTIONS[match["section"]]
    if match["point"] and match["section"] == "Event-driven core":
        section = EVENT_POINTS.get(int(match["point"]), section)
    return (path if section is None else f"{path}{match['sep']}{section}"), None


# ---- ICALENDAR.md ----------------------------------------------------------------------------

# Old rule -> new rules (docs/calendars.md, "Old rule numbers").
OLD_RULES: dict[int, tuple[int, ...]] = {
    1: (3,),
    2: (2,),
    3: (2,),
    4: (1,),
    5: (3,),
    6: (5,),
    7: (5,),
    8: (4,),
    9: (6,),
    10: (1,),
    11: (7,),
    12: (8,),
    13: (9,),
    14: (7,),
    15: (10,),
    16: (10,),
    17: (11,),
    18: (11,),
    19: (3, 11),
    20: (13, 14),
    21: (16,),
    22: (17,),
    23: (18,),
    24: (29,),
    25: (21,),
    26: (19,),
    27: (20, 21),
    28: (22,),
    29: (23,),
    30: (25,),
    31: (24,),
    32: (26,),
    33: (27,),
    34: (29,),
    35: (28,),
    36: (21,),
    37: (32,),
    38: (33,),
    39: (34, 35),
    40: (36, 37),
    41: (38,),
    42: (39, 40),
}
# Old section 8, DST case N -> new rule.
OLD_CASES = {1: 42, 2: 43, 3: 44, 4: 45, 5: 46, 6: 47, 7: 48, 8: 49, 9: 50, 10: 51, 11: 49}
OLD_SECTIONS = {
    1: "Invites: the mail",
    2: "Invites: the event",
    3: "Changes and cancellations",
    4: "Feeds",
    5: "Timetable import",
    6: "rule 10",
    7: "How the rules are tested",
    8: "Time and clock changes",
}
_NUMS = r"\d+(?:[ \t]*[,-][ \t]*\d+)*"
ICAL = re.compile(
    r"(?<![\w/.])ICALENDAR(?:\.md)?"
    r"(?:(?P<sep>,?[ \t]+)"
    r"(?:section[ \t]+(?P<section>\d+)(?:,[ \t]*case[ \t]+(?P<case>\d+))?"
    r"|(?P<dsection>\d+)\.(?P<dcase>\d+)"
    r"|(?:rules?[ \t]+)?(?P<nums>" + _NUMS + r")))?"
)
BARE_RULE = re.compile(r"\((?:rules?)[ \t]+(?P<nums>" + _NUMS + r")\)")


def numbers(text: str) -> list[int]:
    found: list[int] = []
    for part in re.split(r"[ \t]*,[ \t]*", text.strip()):
        low, _, high = part.partition("-")
        found += range(int(low), int(high or low) + 1)
    return found


def rules(new: set[int]) -> str:
    """`rule 6`, `rules 13, 16`, `rules 19-29`: runs of three or more as a range."""
    ordered = sorted(new)
    runs: list[list[int]] = []
    for number in ordered:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [
        f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run))  # noqa: PLR2004
        for run in runs
    ]
    return ("rule " if len(ordered) == 1 else "rules ") + ", ".join(parts)


def mapped(text: str) -> tuple[set[int], str | None]:
    new: set[int] = set()
    note = None
    for old in numbers(text):
        if old in OLD_RULES:
            new.update(OLD_RULES[old])
        else:
            note = f"old rule {old} has no new number: check it"
    return new, note


def ical(match: re.Match[str]) -> tuple[str, str | None]:
    if match["section"]:
        section = int(match["section"])
        if match["case"] and section == 8:  # noqa: PLR2004 - the old DST section
            return f"{CALENDARS}, rule {OLD_CASES[int(match['case'])]}", None
        return f"{CALENDARS}, {OLD_SECTIONS.get(section, 'section ' + match['section'])}", None
    if match["dsection"]:
        if match["dsection"] == "8" and int(match["dcase"]) in OLD_CASES:
            return f"{CALENDARS}, rule {OLD_CASES[int(match['dcase'])]}", None
        return f"{CALENDARS}", "an old subsection: check it"
    if match["nums"]:
        new, note = mapped(match["nums"])
        return (f"{CALENDARS}, {rules(new)}" if new else CALENDARS), note
    return CALENDARS, None


def bare_rule(match: re.Match[str]) -> tuple[str, str | None]:
    new, note = mapped(match["nums"])
    return (f"({CALENDARS}, {rules(new)})" if new else match[0]), note


# ---- one file ----------------------------------------------------------------------------------


@dataclass
class Change:
    line: int
    old: str
    new: str
    note: str | None = None


@dataclass
class Result:
    text: str
    changes: list[Change] = field(default_factory=list)
    unwrapped: list[int] = field(default_factory=list)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def substitute(
    text: str,
    pattern: re.Pattern[str],
    make: Callable[[re.Match[str]], tuple[str, str | None]],
    changes: list[Change],
) -> str:
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        new, note = make(match)
        if new == match[0]:
            continue
        out += [text[last : match.start()], new]
        changes.append(Change(line_of(text, match.start()), match[0], new, note))
        last = match.end()
    return "".join(out) + text[last:]


def recite(path: str, text: str) -> Result:
    changes: list[Change] = []
    cites_icalendar = bool(ICAL.search(text))
    for where, old, new in OVERRIDES:
        if where == path and old in text:
            changes.append(Change(line_of(text, text.index(old)), old, new))
            text = text.replace(old, new)
    text = substitute(text, API, api, changes)
    text = substitute(text, DESIGN, design, changes)
    text = substitute(text, ICAL, ical, changes)
    if cites_icalendar:
        text = substitute(text, BARE_RULE, bare_rule, changes)
    result = Result(text, sorted(changes, key=lambda c: c.line))
    if changes and path.endswith(".py"):
        result.text, result.unwrapped = rewrap(result.text)
    return result


# ---- re-wrapping what got too long -------------------------------------------------------------

NEW_NAMES = (CONTRACT, ARCHITECTURE, CALENDARS, OPERATIONS)


def prose_lines(source: str) -> tuple[set[int], set[int]]:
    """Line numbers (0-based) inside triple-quoted strings, and lines that are only a comment."""
    strings: set[int] = set()
    comments: set[int] = set()
    lines = source.splitlines()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.string.endswith(('"""', "'''")):
                strings.update(range(token.start[0] - 1, token.end[0]))
            elif (
                token.type == tokenize.COMMENT
                and not lines[token.start[0] - 1][: token.start[1]].strip()
            ):
                comments.add(token.start[0] - 1)
    except (tokenize.TokenError, SyntaxError):
        return set(), set()
    return strings, comments


def split_prefix(line: str, *, comment: bool) -> tuple[str, str]:
    """The prefix of this line, and the prefix of a line continuing its paragraph."""
    indent = line[: len(line) - len(line.lstrip())]
    body = line[len(indent) :]
    if comment:
        return indent + "# ", indent + "# "
    for quote in ('r"""', '"""', "'''"):
        if body.startswith(quote):
            return indent + quote, indent
    hang = "  " if body.startswith(("- ", "* ")) else ""
    return indent, indent + hang


def continues(line: str, prefix: str, *, comment: bool) -> bool:
    """Whether `line` is the next line of the same paragraph, to take the overflow."""
    if not line.startswith(prefix) or not line[len(prefix) :].strip():
        return False
    rest = line[len(prefix) :]
    if rest[0] == " " or rest.lstrip().startswith(('"""', "'''", "- ", "* ", ">>>", "---")):
        return False
    return not (comment and rest.startswith(("noqa", "type:")))


CITATION = re.compile(r"\(?docs/\w+\.md[^()\n]*\)?")


def keep_citation_whole(line: str, cut: int, start: int) -> int:
    """Move a cut that would split a citation to just before it, where there is room."""
    for match in CITATION.finditer(line):
        if match.start() < cut < match.end():
            before = line.rfind(" ", start + 1, match.start())
            return before if before > start else cut
    return cut


def rewrap(source: str) -> tuple[str, list[int]]:
    """Re-wrap the comment and docstring lines the citations made too long; the line numbers
    (1-based) of those it cannot re-wrap safely."""
    lines = source.split("\n")
    strings, comments = prose_lines(source)
    failed: list[int] = []
    carried = False  # the previous line pushed words into this one
    index = 0
    while index < len(lines):
        line = lines[index]
        check = carried or any(name in line for name in NEW_NAMES)
        carried = False
        if len(line) <= LIMIT or not check:
            index += 1
            continue
        comment = index in comments
        first, following = split_prefix(line, comment=comment)
        cut = keep_citation_whole(line, line.rfind(" ", len(first) + 1, LIMIT + 1), len(first))
        if (not comment and index not in strings) or cut <= len(first):
            failed.append(index + 1)
            index += 1
            continue
        lines[index], tail = line[:cut].rstrip(), line[cut + 1 :]
        nxt = index + 1
        closes = not comment and line.rstrip().endswith(('"""', "'''"))
        same_kind = comments if comment else strings
        if (
            not closes
            and nxt in same_kind
            and nxt < len(lines)
            and continues(lines[nxt], following, comment=comment)
        ):
            lines[nxt] = following + tail + " " + lines[nxt][len(following) :]
        else:
            lines.insert(nxt, following + tail)
            comments = {c + 1 if c >= nxt else c for c in comments}
            strings = {s + 1 if s >= nxt else s for s in strings}
            same_kind = comments if comment else strings
            same_kind.add(nxt)
        carried = True
        index += 1
    return "\n".join(lines), failed


# ---- the tree ----------------------------------------------------------------------------------


def files(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or relative in SKIP_FILES:
            continue
        if any(part in SKIP_DIRS for part in path.relative_to(root).parts[:-1]):
            continue
        yield relative, path


def read_text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


LEFT = re.compile(r"(?<![\w/.])(?:API\.md|DESIGN\.md|ICALENDAR)")


def report(relative: str, result: Result, *, listing: bool) -> list[str]:
    """Print the file's changes; return what is left for a person."""
    for change in result.changes:
        old, new = change.old.replace("\n", "\\n"), change.new.replace("\n", "\\n")
        note = f"   [{change.note}]" if change.note and not listing else ""
        print(f"{relative}:{change.line}: {old} -> {new}{note}")  # noqa: T201
    left = [f"{relative}:{n}: longer than {LIMIT} characters: wrap it" for n in result.unwrapped]
    left += [
        f"{relative}:{number}: still names an old note: {line.strip()}"
        for number, line in enumerate(result.text.splitlines(), start=1)
        if LEFT.search(line)
    ]
    return left


def main(argv: list[str]) -> int:
    write, listing = "--write" in argv, "--list" in argv
    root = Path(argv[argv.index("--root") + 1]).resolve() if "--root" in argv else ROOT
    total = 0
    left: list[str] = []
    for relative, path in files(root):
        text = read_text(path)
        if text is None:
            continue
        result = recite(relative, text)
        total += len(result.changes)
        left += report(relative, result, listing=listing)
        if write and result.text != text:
            path.write_text(result.text, encoding="utf-8")
    if listing:
        return 0
    verb = "changed" if write else "to change (a dry run: --write applies them)"
    print(f"\n{total} citation(s) {verb}.")  # noqa: T201
    if total:
        print(  # noqa: T201
            "Then: uv run ruff check . && uv run ruff format --check . && "
            "uv run python tools/export_openapi.py --check (handler docstrings are in the "
            "OpenAPI document)."
        )
    for line in left:
        print(line)  # noqa: T201
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
