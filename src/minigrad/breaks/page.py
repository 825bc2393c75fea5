"""Break folders: ``breaks/catalog/<id>/page.md`` (bilingual Markdown, read by a small strict parser) beside the
case scripts ``cases/<case-id>.py``, the diagnostics' ``probe.py`` and, when the break has its own, ``checks.py``.

The format is documented, with a complete example, in ``docs/breaks-page-format.md``.  In short::

    ---                                   front matter: ``key: value``, one per line
    id: skip-unbroadcast
    phase: 8
    family: broadcasting
    catches: shape-guard, gradcheck       diagnostics that must catch the break
    ---
    ## patch ops.elementwise:add          one per excerpt, in the order they apply
    ```python before                      the exact excerpt of the target's source ...
    ```
    ```python after                       ... and what it becomes
    ```
    ## cases                              one line per case, in the order they run:
    - regime1: crash or wrong shape       its predicted outcome(s) ...
    - add-bias: wrong values; `bias.grad` factor 0.25     ... and optionally the number it states
    ## en                                 then ## es, with the same sections
    ### title | ### hypothesis | ### lesson | ### engine (when engine_specific: yes)
    ### case <case-id>                    a paragraph "name: ..." and optionally "why: ..."

Prose lines are joined with single spaces (wrap them freely); paragraphs are separated by a blank
line.  Anything the parser does not expect is an error naming the file and the line, and so is a case
without its script or a script without its case.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from .core import Break, BreakError, Case, Expect, Outcome, Patch, Text

LANGS = ("en", "es")
REQUIRED_KEYS = ("id", "phase", "family", "catches")
OPTIONAL_KEYS = ("engine_specific",)
SECTIONS = ("title", "hypothesis", "lesson")
ENGINE_SECTION = "engine"
CASE_FIELDS = ("name", "why")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CASES_SECTION = "cases"
CASE_LINE = re.compile(r"^- ([^:\s]+): (.+)$")
EXPECT_PATTERN = re.compile(r"^`([^`]+)` (factor|shape) (.+)$")
OUTCOMES = {o.value: o for o in Outcome}


class PageError(BreakError):
    """A break page does not parse, misses a section, or does not match the catalog's code."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class _CaseTexts:
    """A case's texts as the language sections give them (``### case <id>``)."""

    id: str
    line: int
    name: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Prediction:
    """A line of ``## cases``."""

    id: str
    line: int
    predicted: frozenset[Outcome]
    expect: Expect | None


def _prose(lines: list[str]) -> str:
    """Paragraphs separated by blank lines; inside a paragraph, lines joined by one space."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def _blocks(lines: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """Paragraphs of a section, each with the number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in lines:
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        elif current:
            current = []
    return blocks


def parse(folder: Path, source: str | None = None) -> Break:
    """Read one break's folder; every error names the file (``page.md`` or a script) and the line."""
    path = folder / "page.md"
    text = path.read_text(encoding="utf-8") if source is None else source
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "---":
        raise PageError(path, 1, "a page starts with a front matter block: a line '---', 'key: value' lines, '---'")
    meta: dict[str, tuple[int, str]] = {}
    i = 1
    while i < len(lines) and lines[i] != "---":
        key, sep, value = lines[i].partition(":")
        if not sep or not value.strip():
            raise PageError(path, i + 1, f"front matter lines read 'key: value', got {lines[i]!r}")
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            known = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
            raise PageError(path, i + 1, f"unknown front matter key {key!r}; known keys: {known}")
        if key in meta:
            raise PageError(path, i + 1, f"front matter key {key!r} given twice")
        meta[key] = (i + 1, value.strip())
        i += 1
    if i == len(lines):
        raise PageError(path, 1, "the front matter block is not closed by a line '---'")
    for key in REQUIRED_KEYS:
        if key not in meta:
            raise PageError(path, i + 1, f"the front matter misses the key {key!r}")
    line_of_id, break_id = meta["id"]
    if break_id != folder.name:
        raise PageError(path, line_of_id, f"id {break_id!r} differs from the folder name {folder.name!r}")
    line_of_phase, phase_text = meta["phase"]
    if not phase_text.isdigit():
        raise PageError(path, line_of_phase, f"phase is the course phase number, e.g. 'phase: 8', got {phase_text!r}")
    engine_specific = False
    if "engine_specific" in meta:
        line_of_flag, flag = meta["engine_specific"]
        if flag not in ("yes", "no"):
            raise PageError(path, line_of_flag, f"engine_specific is 'yes' or 'no', got {flag!r}")
        engine_specific = flag == "yes"

    # The body: '## ' sections, each a list of (line number, line).
    sections: list[tuple[int, str, list[tuple[int, str]]]] = []
    for j in range(i + 1, len(lines)):
        line = lines[j]
        if line.startswith("## "):
            sections.append((j + 1, line[3:].strip(), []))
        elif sections:
            sections[-1][2].append((j + 1, line))
        elif line.strip():
            raise PageError(path, j + 1, "text before the first '## ' section")

    patches: list[Patch] = []
    texts: dict[str, dict[str, str]] = {}
    cases: dict[str, _CaseTexts] = {}
    case_order: dict[str, list[str]] = {}
    seen_langs: list[str] = []
    predictions: list[_Prediction] | None = None
    for number, heading, body in sections:
        if heading.startswith("patch "):
            if seen_langs or predictions is not None:
                raise PageError(path, number, "patch sections come before '## cases' and the language sections")
            patches.append(_parse_patch(path, number, heading[6:].strip(), body))
        elif heading == CASES_SECTION:
            if predictions is not None or seen_langs:
                raise PageError(path, number, "one '## cases' section, after the patches and before '## en'")
            predictions = _parse_predictions(path, number, body)
        elif heading in LANGS:
            if heading in seen_langs:
                raise PageError(path, number, f"language section '## {heading}' given twice")
            seen_langs.append(heading)
            case_order[heading] = _parse_language(path, heading, body, texts, cases, engine_specific)
        else:
            raise PageError(
                path,
                number,
                f"unknown section '## {heading}': expected '## patch TARGET', '## cases', '## en', '## es'",
            )
    end = len(lines)
    if not patches:
        raise PageError(path, end, "the page has no '## patch TARGET' section")
    for lang in LANGS:
        if lang not in seen_langs:
            raise PageError(path, end, f"the page misses the language section '## {lang}'")
    wanted = [*SECTIONS, ENGINE_SECTION] if engine_specific else list(SECTIONS)
    for section in wanted:
        for lang in LANGS:
            if lang not in texts.get(section, {}):
                raise PageError(path, end, f"section '### {section}' is missing under '## {lang}'")
    if case_order["en"] != case_order["es"]:
        raise PageError(path, end, f"the cases differ between languages: en {case_order['en']}, es {case_order['es']}")
    for case in cases.values():
        for lang in LANGS:
            if lang not in case.name:
                raise PageError(path, case.line, f"case {case.id!r} has no 'name:' under '## {lang}'")
        if case.why and set(case.why) != set(LANGS):
            raise PageError(path, case.line, f"case {case.id!r} has a 'why:' in one language only")
    if predictions is None:
        raise PageError(path, end, "the page has no '## cases' section (one line per case: '- ID: OUTCOME')")
    order = [p.id for p in predictions]
    if case_order["en"] != order:
        raise PageError(
            path, end, f"the language sections describe the cases {case_order['en']}, but '## cases' lists {order}"
        )
    for prediction in predictions:
        if not (folder / "cases" / f"{prediction.id}.py").is_file():
            raise PageError(path, prediction.line, f"case {prediction.id!r} has no script cases/{prediction.id}.py")
    for script in sorted((folder / "cases").glob("*.py")):
        if script.stem not in order:
            raise PageError(script, 1, f"this case script is not listed under '## cases' in {path}")
    if not (folder / "probe.py").is_file():
        raise PageError(path, 1, f"the break has no probe.py (PROBE = Probe(fn, inputs)) in {folder}")

    def lang_text(section: str) -> Text:
        return Text(texts[section]["en"], texts[section]["es"])

    def make_case(prediction: _Prediction) -> Case:
        words = cases[prediction.id]
        note = Text(words.why["en"], words.why["es"]) if words.why else None
        name = Text(words.name["en"], words.name["es"])
        script = folder / "cases" / f"{prediction.id}.py"
        return Case(prediction.id, name, script, prediction.predicted, note, prediction.expect)

    return Break(
        id=break_id,
        title=lang_text("title"),
        lesson=lang_text("lesson"),
        hypothesis=lang_text("hypothesis"),
        patches=tuple(patches),
        cases=tuple(make_case(p) for p in predictions),
        catches=tuple(part.strip() for part in meta["catches"][1].split(",")),
        family=meta["family"][1],
        phase=int(phase_text),
        folder=folder,
        engine_note=lang_text(ENGINE_SECTION) if engine_specific else None,
    )


def _parse_predictions(path: Path, number: int, body: list[tuple[int, str]]) -> list[_Prediction]:
    """``- ID: OUTCOME[ or OUTCOME...][; `KEY` factor F | `KEY` shape (A, B)]``, one line per case."""
    predictions: list[_Prediction] = []
    for line_number, line in body:
        if not line.strip():
            continue
        match = CASE_LINE.match(line)
        if match is None or not ID_PATTERN.match(match.group(1)):
            raise PageError(path, line_number, f"a case line reads '- case-id: predicted outcome', got {line!r}")
        case_id, rest = match.groups()
        if case_id in [p.id for p in predictions]:
            raise PageError(path, line_number, f"case {case_id!r} listed twice")
        said, _, stated = rest.partition(";")
        outcomes = []
        for word in said.split(" or "):
            if word.strip() not in OUTCOMES:
                known = ", ".join(repr(o) for o in OUTCOMES)
                raise PageError(path, line_number, f"unknown outcome {word.strip()!r}; outcomes: {known}")
            outcomes.append(OUTCOMES[word.strip()])
        expect = _parse_expect(path, line_number, stated.strip()) if stated.strip() else None
        predictions.append(_Prediction(case_id, line_number, frozenset(outcomes), expect))
    if not predictions:
        raise PageError(path, number, "'## cases' lists no case")
    return predictions


def _parse_expect(path: Path, line_number: int, stated: str) -> Expect:
    match = EXPECT_PATTERN.match(stated)
    if match is None:
        raise PageError(
            path, line_number, f"a stated number reads '`KEY` factor 0.5' or '`KEY` shape (3, 5)', got {stated!r}"
        )
    key, kind, value = match.groups()
    try:
        if kind == "factor":
            return Expect(key, factor=float(value))
        shape = ast.literal_eval(value)
        if not isinstance(shape, tuple) or not all(isinstance(n, int) for n in shape):
            raise ValueError(value)
        return Expect(key, shape=shape)
    except (ValueError, SyntaxError):
        raise PageError(path, line_number, f"the stated {kind} of `{key}` is not a {kind}: {value!r}") from None


def _parse_patch(path: Path, number: int, target: str, body: list[tuple[int, str]]) -> Patch:
    if ":" not in target:
        raise PageError(
            path, number, f"a patch target reads 'module:qualname', e.g. 'ops.elementwise:add', got {target!r}"
        )
    excerpts: dict[str, str] = {}
    k = 0
    while k < len(body):
        line_number, line = body[k]
        if not line.strip():
            k += 1
            continue
        words = line.split()
        if words[:1] != ["```python"] or len(words) < 2 or words[1] not in ("before", "after"):
            raise PageError(path, line_number, "expected a fence '```python before' or '```python after'")
        which, flags = words[1], words[2:]
        if which in excerpts or flags not in ([], ["inline"]):
            raise PageError(path, line_number, f"unexpected fence {line!r} (each of before/after once; flag: inline)")
        end = k + 1
        while end < len(body) and body[end][1] != "```":
            end += 1
        if end == len(body):
            raise PageError(path, line_number, "code block not closed by a line '```'")
        code = [text for _, text in body[k + 1 : end]]
        excerpt = "\n".join(code) + ("" if flags or not code else "\n")
        excerpts[which] = excerpt
        k = end + 1
    for which in ("before", "after"):
        if which not in excerpts:
            raise PageError(path, number, f"patch {target} has no '```python {which}' block")
    if not excerpts["before"]:
        raise PageError(path, number, f"patch {target}: the 'before' excerpt is empty")
    return Patch(target, excerpts["before"], excerpts["after"])


def _parse_language(
    path: Path,
    lang: str,
    body: list[tuple[int, str]],
    texts: dict[str, dict[str, str]],
    cases: dict[str, _CaseTexts],
    engine_specific: bool,
) -> list[str]:
    """Fill ``texts`` and ``cases`` from one language section; return its case ids in order."""
    subsections: list[tuple[int, str, list[tuple[int, str]]]] = []
    for number, line in body:
        if line.startswith("### "):
            subsections.append((number, line[4:].strip(), []))
        elif line.startswith("#"):
            raise PageError(path, number, f"unexpected heading {line!r} under '## {lang}'")
        elif subsections:
            subsections[-1][2].append((number, line))
        elif line.strip():
            raise PageError(path, number, f"text under '## {lang}' before its first '### ' section")
    order: list[str] = []
    allowed = (*SECTIONS, ENGINE_SECTION) if engine_specific else SECTIONS
    for number, heading, lines in subsections:
        if heading.startswith("case "):
            case_id = heading[5:].strip()
            if not ID_PATTERN.match(case_id):
                raise PageError(path, number, f"case ids are lower-case words joined by '-', got {case_id!r}")
            if case_id in order:
                raise PageError(path, number, f"case {case_id!r} given twice under '## {lang}'")
            order.append(case_id)
            case = cases.setdefault(case_id, _CaseTexts(case_id, number))
            for block_line, block in _blocks(lines):
                key, sep, rest = block[0].partition(":")
                if not sep or key not in CASE_FIELDS:
                    raise PageError(path, block_line, "a case paragraph starts with 'name:' or 'why:'")
                target = case.name if key == "name" else case.why
                if lang in target:
                    raise PageError(path, block_line, f"'{key}:' given twice in case {case_id!r}")
                target[lang] = _prose([rest, *block[1:]])
        elif heading in allowed:
            if lang in texts.get(heading, {}):
                raise PageError(path, number, f"section '### {heading}' given twice under '## {lang}'")
            prose = _prose([text for _, text in lines])
            if not prose:
                raise PageError(path, number, f"section '### {heading}' is empty")
            texts.setdefault(heading, {})[lang] = prose
        else:
            raise PageError(
                path, number, f"unknown section '### {heading}': expected {', '.join(allowed)} or 'case ID'"
            )
    return order


def catalog_dir() -> Path:
    return Path(__file__).resolve().parent / "catalog"


def load_all(directory: Path | None = None) -> dict[str, Break]:
    """Every break folder (a folder with a ``page.md``), by id, in course order: by phase, then by id."""
    folder = catalog_dir() if directory is None else directory
    breaks = [parse(page.parent) for page in sorted(folder.glob("*/page.md"))]
    return {b.id: b for b in sorted(breaks, key=lambda b: (b.phase, b.id))}
