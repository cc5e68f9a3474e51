"""The interface catalogues (peaceops/locale) are complete for French, Chinese (Simplified)
and Arabic, compiled, and used. docs/translating.md explains how to update them.

Nothing here needs GNU gettext: the .po files are read by a small parser, the compiled .mo
files by Python's own gettext module, and the marked strings are collected from the
templates (with Django's templatize, as makemessages does) and from the Python sources
(with ast)."""

import ast
import gettext
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation import to_locale
from django.utils.translation.template import templatize

PACKAGE = Path(settings.BASE_DIR)
LOCALE = PACKAGE / "locale"
COMPLETE = ["fr", "zh-hans", "ar"]
# Spanish and Russian are checked for well-formedness; they may still have empty entries.
ALL = [*COMPLETE, "es", "ru"]
SIGN_IN = {"fr": "Se connecter", "zh-hans": "登录", "ar": "تسجيل الدخول"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header (msgid "") first; obsolete (#~) entries left out."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if target is not None:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation without a keyword"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += json.loads(line)
            else:
                setattr(current, name, getattr(current, name) + json.loads(line))
        else:
            match = re.fullmatch(
                r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")', line
            )
            assert match, f"{path}:{number}: cannot read {raw!r}"
            name, index, value = match[1], int(match[2] or 0), json.loads(match[3])
            if name == "msgctxt" and target is not None:
                finish()
            if name == "msgstr":
                current.msgstr[index] = value
            else:
                setattr(current, name, value)
                current.line = current.line or number
            target = (name, index)
    finish()
    return entries


def po_path(language: str) -> Path:
    return LOCALE / to_locale(language) / "LC_MESSAGES" / "django.po"


def catalogue(language: str) -> tuple[Entry, list[Entry]]:
    entries = parse_po(po_path(language))
    assert entries
    assert entries[0].msgid == "", "the header comes first"
    return entries[0], entries[1:]


_FORMAT = re.compile(
    r"%(?:\((?P<name>\w+)\))?"  # %(name)
    r"[#0 +\-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?"  # flags, width, precision
    r"(?P<conversion>[diouxXeEfFgGcrsa%])"
)


def placeholders(text: str) -> set[tuple[str | None, str]]:
    return {
        (match["name"], match["conversion"])
        for match in _FORMAT.finditer(text)
        if match["conversion"] != "%"
    }


def nplurals(header: Entry) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr[0])
    assert match, "the header gives Plural-Forms"
    return int(match[1])


def where(language: str, entry: Entry) -> str:
    return f"{po_path(language).relative_to(PACKAGE.parent)}:{entry.line} {entry.msgid!r}"


@pytest.mark.parametrize("language", COMPLETE)
def test_every_message_is_translated(language):
    _, entries = catalogue(language)
    untranslated = [where(language, e) for e in entries if not all(e.msgstr.values())]
    assert not untranslated, "\n".join(untranslated)


@pytest.mark.parametrize("language", ALL)
def test_no_fuzzy_entries_and_well_formed(language):
    header, entries = catalogue(language)
    assert "fuzzy" not in header.flags, "a fuzzy header is ignored by msgfmt"
    assert f"Language: {to_locale(language)}\n" in header.msgstr[0]
    forms = nplurals(header)
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"{where(language, entry)} is fuzzy: review it and drop the flag")
        expected = forms if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(expected)):
            problems.append(f"{where(language, entry)} has forms {sorted(entry.msgstr)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ALL)
def test_placeholders_match(language):
    _, entries = catalogue(language)
    problems = []
    for entry in entries:
        translations = [text for text in entry.msgstr.values() if text]
        if not translations:
            continue
        if "python-format" not in entry.flags:
            # No formatting happens: a "%(name)s" here would be shown as it is.
            problems += [f"{where(language, entry)}: {t!r}" for t in translations if "%(" in t]
            continue
        if entry.msgid_plural is None:
            if placeholders(translations[0]) != placeholders(entry.msgid):
                problems.append(f"{where(language, entry)}: {translations[0]!r}")
            continue
        # A form may leave out the number ("one field", "two fields"), never add a
        # placeholder; the last (general) form has the plural's placeholders.
        allowed = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
        for index, text in sorted(entry.msgstr.items()):
            if not placeholders(text) <= allowed:
                problems.append(f"{where(language, entry)} form {index}: {text!r}")
        last = entry.msgstr[max(entry.msgstr)]
        if last and placeholders(last) != placeholders(entry.msgid_plural):
            problems.append(f"{where(language, entry)} last form: {last!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ALL)
def test_compiled_catalogue_matches_the_po_file(language):
    """The committed .mo is what `peaceops compilemessages` makes of the committed .po."""
    _, entries = catalogue(language)
    mo = po_path(language).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run peaceops compilemessages"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    stale = []
    for entry in entries:
        for index, text in entry.msgstr.items():
            if not text:
                continue
            key = entry.key if entry.msgid_plural is None else (entry.key, index)
            if compiled.get(key) != text:
                stale.append(where(language, entry))
    assert not stale, "run peaceops compilemessages:\n" + "\n".join(stale)


_KEYWORDS = {
    # name: (position of the context, positions of the messages), as makemessages passes
    # them to xgettext.
    "_": (None, (0,)),
    "gettext": (None, (0,)),
    "gettext_lazy": (None, (0,)),
    "gettext_noop": (None, (0,)),
    "ngettext": (None, (0, 1)),
    "ngettext_lazy": (None, (0, 1)),
    "pgettext": (0, (1,)),
    "pgettext_lazy": (0, (1,)),
    "npgettext": (0, (1, 2)),
    "npgettext_lazy": (0, (1, 2)),
}


def _message(name: str, args: list[str]) -> set[str]:
    context, positions = _KEYWORDS[name]
    if len(args) <= max(positions):
        return set()
    prefix = "" if context is None else f"{args[context]}\x04"
    return {prefix + args[position] for position in positions}


def _from_python(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in _KEYWORDS:
            continue
        args = []
        for arg in node.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                break
            args.append(arg.value)
        found |= _message(name, args)
    return found


_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_CALL = re.compile(rf"\b({'|'.join(_KEYWORDS)})\(((?:\s*{_STRING}\s*,?)+)")


def _from_template(path: Path) -> set[str]:
    # templatize turns a template into the Python-like text makemessages hands to xgettext:
    # gettext('...'), ngettext('...', '...', count) and pgettext('...', '...') calls.
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found = set()
    for call in _CALL.finditer(code):
        args = [ast.literal_eval(literal) for literal in re.findall(_STRING, call[2])]
        found |= _message(call[1], args)
    return found


def marked_messages() -> dict[str, str]:
    """Every message marked in peaceops (not its tests or migrations) -> one file naming it."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or parts[0] == "locale":
            continue
        if path.suffix == ".py":
            messages = _from_python(path)
        elif path.suffix in (".html", ".txt") and "templates" in parts:
            messages = _from_template(path)
        else:
            continue
        for message in messages:
            found.setdefault(message, str(path.relative_to(PACKAGE.parent)))
    return found


def test_catalogues_contain_every_marked_message():
    """A string marked for translation but missing here was added after the last
    makemessages: follow docs/translating.md."""
    marked = marked_messages()
    assert len(marked) > 100, "the collector found too few messages to be right"
    _, entries = catalogue("fr")
    known = {entry.key for entry in entries} | {
        entry.msgid_plural for entry in entries if entry.msgid_plural
    }
    missing = sorted(
        f"{where_} {message!r}" for message, where_ in marked.items() if message not in known
    )
    assert not missing, "run makemessages and translate:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", COMPLETE)
def test_sign_in_page_is_translated(db, language):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("web:login")).content.decode()
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f"<h1>{SIGN_IN[language]}</h1>" in html
    assert f'<button type="submit">{SIGN_IN[language]}</button>' in html
    assert ">Sign in<" not in html
