"""The message catalogs (`prompts/locales/*.toml`) agree with each other and with the code.

Every language holds the same keys as en.toml with the same placeholders, every usage line the
parser can name exists, a missing translation falls back to English, and every catalog key the
Python code passes to `.t(…)`, `RuleError(…)` or `ParseError(…)` exists in en.toml.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.debates import voting
from bot.core.debates.model import Choice, DebateState, PhaseKind, Role, Side, Stage
from bot.core.kernel.commands import COMMAND_NAMES, usage_keys
from bot.core.kernel.i18n import FALLBACK, OTHER, Catalog, placeholders, plural_forms
from bot.prompt_folder import PromptFolder

ROOT = Path(__file__).resolve().parents[3]
LOCALES = ROOT / "prompts" / "locales"
SOURCES = (ROOT / "bot", ROOT / "cogs")

# Keys built with an f-string, e.g. f"side.{p.side.value}": the values the hole can take.
# A new f-string key family needs a line here (or at least one matching key, see below).
KNOWN_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "side.{}": tuple(dict.fromkeys([*Side, *Role])),
    "choice.{}": (*Choice, voting.NONE),
    "state.{}": tuple(DebateState),
    "phase.intro.{}": tuple(PhaseKind),
    "tally.title.{}": tuple(Stage),
    "export.stage.{}": tuple(Stage),
    "question.{}": ("pending", "approved", "rejected"),  # Question.status
    "result.winner.{}": ("pro", "con", "tie"),  # voting.Result.winner
    "result.none.{}": (voting.BEFORE_POST_VOTE, voting.EMPTY_POST_VOTE),  # voting.Result.reason
}
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
COMMAND_WORD = re.compile(r"(?<![\w/.:<])/(" + "|".join(COMMAND_NAMES) + r")\b")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(PromptFolder(LOCALES.parent))


def other_languages(catalog: Catalog) -> list[str]:
    return [lang for lang in catalog.languages if lang != FALLBACK]


def test_japanese_catalog_exists(catalog: Catalog) -> None:
    assert "ja" in catalog.languages
    assert FALLBACK in catalog.languages


def plural_families(keys: set[str]) -> set[str]:
    """The keys of texts with plural forms: `x` for `x.other`."""
    return {key.removesuffix(f".{OTHER}") for key in keys if key.endswith(f".{OTHER}")}


def expected_keys(catalog: Catalog, lang: str) -> set[str]:
    """English's keys, with each plural text in the forms `lang` has (Japanese: `other` only)."""
    en = set(catalog.messages[FALLBACK])
    families = plural_families(en)
    plural = {f"{family}.{form}" for family in families for form in plural_forms(FALLBACK)}
    return (en - plural) | {f"{family}.{form}" for family in families for form in plural_forms(lang)}


def test_every_language_has_the_same_keys_as_english(catalog: Catalog) -> None:
    problems = []
    for lang in other_languages(catalog):
        keys, want = set(catalog.messages[lang]), expected_keys(catalog, lang)
        problems += [f"{lang}.toml lacks {key}" for key in sorted(want - keys)]
        problems += [f"{lang}.toml has {key}, which en.toml lacks" for key in sorted(keys - want)]
    assert not problems, "\n".join(problems)


def test_every_plural_text_has_each_form_of_its_language(catalog: Catalog) -> None:
    en = set(catalog.messages[FALLBACK])
    families = plural_families(en)
    assert {"tally.open", "poll.count_first", "moderation.warned"} <= families
    for lang in catalog.languages:
        keys = set(catalog.messages[lang])
        missing = [f"{lang}: {f}.{form}" for f in sorted(families) for form in plural_forms(lang)
                   if f"{f}.{form}" not in keys]
        assert not missing, "\n".join(missing)
    assert plural_forms("ja") == (OTHER,)


def test_plural_forms_are_chosen_by_count(catalog: Catalog) -> None:
    assert catalog.tn("en", "tally.closed", 1) == "Closed · 1 vote"
    assert catalog.tn("en", "tally.closed", 0) == "Closed · 0 votes"
    assert catalog.tn("en", "tally.closed", 2) == "Closed · 2 votes"
    assert catalog.tn("ja", "tally.closed", 1) == catalog.tn("ja", "tally.closed", 2).replace("2", "1")
    partial = {lang: dict(texts) for lang, texts in catalog.messages.items()}
    del partial["ja"]["tally.closed.other"]
    assert Catalog(partial).tn("ja", "tally.closed", 1) == "Closed · 1 vote"  # English, by English rules


def test_lists_of_names_read_as_a_sentence(catalog: Catalog) -> None:
    assert catalog.join("en", ["tea"]) == "tea"
    assert catalog.join("en", ["tea", "coffee"]) == "tea and coffee"
    assert catalog.join("en", ["tea", "coffee", "water"]) == "tea, coffee and water"
    assert catalog.join("ja", ["茶", "コーヒー"]) == "茶とコーヒー"
    assert catalog.join("ja", ["茶", "コーヒー", "水"]) == "茶、コーヒー、水"


def test_placeholders_are_the_same_in_every_language(catalog: Catalog) -> None:
    en = catalog.messages[FALLBACK]
    problems = []
    for lang in other_languages(catalog):
        for key, text in catalog.messages[lang].items():
            if key in en and placeholders(text) != placeholders(en[key]):
                problems.append(
                    f"{lang}:{key} has {sorted(placeholders(text))}, en has {sorted(placeholders(en[key]))}"
                )
    assert not problems, "\n".join(problems)


def test_every_text_formats_with_its_placeholders(catalog: Catalog) -> None:
    for lang, messages in catalog.messages.items():
        for key, text in messages.items():
            params = {name: f"<{name}>" for name in placeholders(text)}
            rendered = catalog.t(lang, key, **params)
            for name in params:
                assert f"<{name}>" in rendered and "{" + name + "}" not in rendered, (
                    lang,
                    key,
                    name,
                )


def test_command_words_are_not_translated(catalog: Catalog) -> None:
    en = catalog.messages[FALLBACK]
    problems = []
    for lang in other_languages(catalog):
        for key, text in catalog.messages[lang].items():
            if key not in en:
                continue
            want, got = set(COMMAND_WORD.findall(en[key])), set(COMMAND_WORD.findall(text))
            if want != got:
                problems.append(f"{lang}:{key} names {sorted(got)}, en names {sorted(want)}")
    assert not problems, "\n".join(problems)


def test_every_usage_line_the_parser_names_exists_in_english(catalog: Catalog) -> None:
    missing = [key for key in usage_keys() if not catalog.has(key)]
    assert not missing, "en.toml lacks usage lines:\n" + "\n".join(missing)


def test_a_missing_translation_falls_back_to_english(catalog: Catalog) -> None:
    key = "vote.cast"
    partial = {lang: dict(texts) for lang, texts in catalog.messages.items()}
    del partial["ja"][key]
    fallback = Catalog(partial)
    english = catalog.t("en", key, choice="X")
    assert fallback.t("ja", key, choice="X") == english
    assert catalog.t("ja", key, choice="X") != english  # the real ja.toml translates it
    assert fallback.t("xx", key, choice="X") == english  # an unknown language, too


def test_a_key_missing_everywhere_shows_the_key(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text('[a]\nb = "Hello {name}"\n', encoding="utf-8")
    (tmp_path / "ja.toml").write_text('[a]\nb = "こんにちは {name}"\n', encoding="utf-8")
    small = Catalog.load(PromptFolder(tmp_path.parent), tmp_path.name)
    assert small.t("ja", "a.b", name="Ada") == "こんにちは Ada"
    assert small.t("ja", "a.nope") == "a.nope"


# --- keys used by the code -------------------------------------------------------------------


@dataclass(frozen=True)
class KeyUse:
    """One catalog key (or f-string pattern, holes as `{}`) found in the code."""

    key: str
    where: str
    pattern: bool = False


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _key_args(node: ast.Call) -> list[ast.expr]:
    """The arguments of a call that name catalog keys."""
    name = _call_name(node)
    args: list[ast.expr] = []
    if name in ("t", "tn") and len(node.args) >= 2:  # t(lang, key, **params), tn(lang, key, count, …)
        args.append(node.args[1])
    elif name in ("RuleError", "ParseError"):  # (key, usage=None, …)
        args += node.args[:2]
        args += [kw.value for kw in node.keywords if kw.arg in ("key", "usage")]
    return args


def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    """Simple `name = value` assignments inside one function (or module)."""
    out: dict[str, list[ast.expr]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            out.setdefault(node.target.id, []).append(node.value)
    return out


def _resolve(
    expr: ast.expr, names: dict[str, list[ast.expr]], depth: int = 0
) -> list[tuple[str, bool]]:
    """The keys an expression can be: (text, is_pattern). Unknown shapes give nothing."""
    if depth > 5:
        return []
    if isinstance(expr, ast.Constant):
        return [(expr.value, False)] if isinstance(expr.value, str) else []
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for value in expr.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            else:
                parts.append("{}")
        return [("".join(parts), True)]
    if isinstance(expr, ast.IfExp):
        return _resolve(expr.body, names, depth + 1) + _resolve(expr.orelse, names, depth + 1)
    if isinstance(expr, ast.Name):  # a local such as `key = "vote.cast"`; parameters stay unknown
        return [
            found for value in names.get(expr.id, []) for found in _resolve(value, names, depth + 1)
        ]
    return []


def _scopes(tree: ast.Module) -> list[ast.AST]:
    return [tree] + [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def keys_used_in(source: str, filename: str) -> set[KeyUse]:
    """Every catalog key passed to `.t(…)`, `RuleError(…)` or `ParseError(…)` in one module."""
    tree = ast.parse(source, filename)
    found: set[KeyUse] = set()
    for scope in _scopes(tree):
        names = _assignments(scope) if scope is not tree else {}
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            suffix = f".{OTHER}" if _call_name(node) == "tn" else ""  # a plural text: its forms
            for arg in _key_args(node):
                for text, is_pattern in _resolve(arg, names):
                    found.add(KeyUse(text + suffix, f"{filename}:{node.lineno}", is_pattern))
    return found


@pytest.fixture(scope="module")
def used_keys() -> set[KeyUse]:
    found: set[KeyUse] = set()
    for path in sorted(p for folder in SOURCES for p in folder.rglob("*.py")):
        found |= keys_used_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    return found


def test_the_scanner_finds_literal_variable_and_fstring_keys() -> None:
    source = """
def f(core, lang, before, choice, stage, ok):
    if before is None:
        key = "vote.cast"
    else:
        key = "vote.changed"
    core.t(lang, key, choice=choice)
    core.t(lang, f"tally.title.{stage.value}")
    core.t(lang, "result.title_final" if ok else "result.title")
    raise RuleError("debate.error.extend_range", "usage.debate.extend", max=9)

def g(self, lang, key, **params):
    return self.core.t(lang, key, **params)

def h():
    raise ParseError("parse.missing_text", usage="usage.speak")

def i(core, lang, n):
    core.tn(lang, "tally.open", n)
"""
    found = {(k.key, k.pattern) for k in keys_used_in(source, "example.py")}
    assert found == {
        ("vote.cast", False),
        ("vote.changed", False),
        ("tally.title.{}", True),
        ("result.title_final", False),
        ("result.title", False),
        ("debate.error.extend_range", False),
        ("usage.debate.extend", False),
        ("parse.missing_text", False),
        ("usage.speak", False),
        ("tally.open.other", False),
    }


def test_the_scan_covers_the_real_code(used_keys: set[KeyUse]) -> None:
    literal = {k.key for k in used_keys if not k.pattern}
    assert {
        "vote.cast",
        "vote.same",
        "vote.changed",
        "debate.error.ended",
        "error.handback",
    } <= literal
    assert {"side.{}", "choice.{}"} <= {k.key for k in used_keys if k.pattern}


def test_every_literal_key_in_the_code_exists_in_english(
    catalog: Catalog, used_keys: set[KeyUse]
) -> None:
    missing = sorted(
        f"{k.where}: {k.key}"
        for k in used_keys
        if not k.pattern and KEY_SHAPE.fullmatch(k.key) and not catalog.has(k.key)
    )
    assert not missing, "keys used in code but missing from en.toml:\n" + "\n".join(missing)


def test_every_fstring_key_family_exists_in_english(
    catalog: Catalog, used_keys: set[KeyUse]
) -> None:
    """Known families must hold every expansion; others must match at least one key.

    A pattern that starts with a hole (such as f"{prefix}.{value}", guarded by `Catalog.has`)
    names no family and is skipped.
    """
    en = catalog.messages[FALLBACK]
    problems = []
    for use in sorted((k for k in used_keys if k.pattern), key=lambda k: (k.key, k.where)):
        if use.key.startswith("{}"):
            continue
        if use.key in KNOWN_EXPANSIONS:
            problems += [
                f"{use.where}: {use.key.format(value)}"
                for value in KNOWN_EXPANSIONS[use.key]
                if not catalog.has(use.key.format(value))
            ]
            continue
        shape = re.compile(".+".join(re.escape(part) for part in use.key.split("{}")))
        if not any(shape.fullmatch(key) for key in en):
            problems.append(f"{use.where}: nothing in en.toml matches {use.key}")
    assert not problems, "f-string keys missing from en.toml:\n" + "\n".join(problems)
