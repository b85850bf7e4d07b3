"""A pure parser for pip requirement files (`requirements.txt`, conda `pip:` lists).

It reads lines the way pip does (comments, `\\` continuations, `-r`/`-c` includes, global
options, per-requirement `--hash` options) and classifies each logical line. Nothing is
installed or fetched; errors are values with a 1-based line and column. Other rule families
(e.g. pickles, to learn which distributions are declared) reuse `parse_requirements`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

# pip's own comment rule (pip/_internal/req/req_file.py COMMENT_RE).
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"^\$\{[A-Z0-9_]+\}$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^(git|hg|svn|bzr)\+")
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tar\.bz2|tar\.xz|zip|tgz)$", re.IGNORECASE)

# Global options pip accepts in a requirements file, with whether they take a value.
_OPTIONS: dict[str, bool] = {
    "-i": True, "--index-url": True, "--extra-index-url": True, "--no-index": False,
    "-f": True, "--find-links": True, "--pre": False, "--trusted-host": True,
    "--prefer-binary": False, "--only-binary": True, "--no-binary": True,
    "--require-hashes": False, "--use-feature": True,
}
_INCLUDES = {"-r": "include", "--requirement": "include", "-c": "constraint", "--constraint": "constraint"}
_EDITABLE = ("-e", "--editable")
# Options pip allows after a requirement on the same line.
_PER_REQUIREMENT = re.compile(r"\s+(--hash|--config-settings|--global-option|--install-option)\b")


@dataclass(frozen=True)
class Entry:
    """One logical line of a requirements file.

    `kind` is one of: `requirement` (PEP 508, `name` set), `url` (a direct URL or VCS
    requirement), `path` (a local file or folder), `editable`, `include` (`-r`),
    `constraint` (`-c`), `option` (a global pip option such as `--extra-index-url`), `error`.
    `target` holds the value of includes, options, URLs and paths.
    """

    line: int
    column: int
    text: str
    kind: str
    name: str = ""
    requirement: Requirement | None = None
    option: str = ""
    target: str = ""
    error: str = ""

    @property
    def is_pinned(self) -> bool:
        """`==`/`===` pin (or a URL/path, which is as fixed as pip can make it)."""
        if self.kind in ("url", "path", "editable"):
            return True
        if self.requirement is None:
            return False
        if self.requirement.url:
            return True
        return any(s.operator in ("==", "===") and "*" not in s.version
                   for s in self.requirement.specifier)


def logical_lines(text: str) -> list[tuple[int, int, str]]:
    """(first line, column of first non-blank char, text) after continuations and comments."""
    out: list[tuple[int, int, str]] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        line = raw
        if line.endswith("\\") and not _COMMENT.search(line):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        joined = "".join(buffer)
        buffer = []
        stripped = _COMMENT.sub("", joined)
        if stripped.strip():
            column = len(stripped) - len(stripped.lstrip()) + 1
            out.append((start, column, stripped.strip()))
    if buffer:  # a trailing continuation at EOF: pip joins what it has
        joined = "".join(buffer)
        stripped = _COMMENT.sub("", joined)
        if stripped.strip():
            out.append((start, len(stripped) - len(stripped.lstrip()) + 1, stripped.strip()))
    return out


def parse_requirements(text: str) -> list[Entry]:
    """Every logical line of a requirements file, classified."""
    return [parse_line(t, line, column) for line, column, t in logical_lines(text)]


def _split_option(text: str) -> tuple[str, str]:
    """`--opt=value`, `--opt value` and `-rvalue` forms → (option, value)."""
    if text.startswith("--"):
        head, sep, value = text.partition("=")
        if sep:
            return head, value.strip()
        head, _, value = text.partition(" ")
        return head, value.strip()
    head, rest = text[:2], text[2:]
    return head, rest.strip()


def parse_line(text: str, line: int = 1, column: int = 1) -> Entry:
    """Classify one logical requirement line (comments already removed)."""
    text = text.strip()
    if text.startswith("-"):
        option, value = _split_option(text)
        if option in _INCLUDES:
            if not value:
                return Entry(line, column, text, "error", option=option,
                             error=f"'{option}' needs a file name")
            return Entry(line, column, text, _INCLUDES[option], option=option, target=value)
        if option in _EDITABLE:
            if not value:
                return Entry(line, column, text, "error", option=option,
                             error=f"'{option}' needs a path or VCS URL")
            return Entry(line, column, text, "editable", option=option, target=value)
        if option in _OPTIONS:
            if _OPTIONS[option] and not value:
                return Entry(line, column, text, "error", option=option,
                             error=f"option '{option}' needs a value")
            return Entry(line, column, text, "option", option=option, target=value)
        return Entry(line, column, text, "error", option=option,
                     error=f"'{option}' is not an option pip accepts in a requirements file")
    match = _PER_REQUIREMENT.search(text)
    body = text[: match.start()] if match else text
    if _URL.match(body):
        return Entry(line, column, text, "url", target=body)
    if body.startswith((".", "/", "~")) or (_ARCHIVE.search(body) and " " not in body and "@" not in body):
        return Entry(line, column, text, "path", target=body)
    try:
        requirement = Requirement(body)
    except InvalidRequirement as exc:
        offset = 0
        cause = exc.__cause__
        span = getattr(cause, "span", None)
        if isinstance(span, tuple) and span and isinstance(span[0], int):
            offset = span[1]
        reason = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
        return Entry(line, column + offset, text, "error", error=reason)
    return Entry(line, column, text, "requirement", name=canonicalize_name(requirement.name),
                 requirement=requirement, target=requirement.url or "")


def credentials_in(url: str) -> str | None:
    """The URL with its secret masked, if it carries credentials (`user:pass@`, `token@`).

    `${VAR}` placeholders are expanded by pip from the environment; they are not secrets.
    """
    for candidate in url.split():
        try:
            parts = urlsplit(candidate)
        except ValueError:
            continue
        if not parts.netloc or "@" not in parts.netloc:
            continue
        userinfo, _, host = parts.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        if all(_ENV_VAR.match(p) or not p for p in (user, password)):
            continue
        masked = f"{user if _ENV_VAR.match(user) else '***'}:***@{host}" if password else f"***@{host}"
        return urlunsplit((parts.scheme, masked, parts.path, "", ""))
    return None


def specifier_key(entry: Entry) -> tuple[str, str, str, str]:
    """What must agree between two declarations of one distribution."""
    req = entry.requirement
    if req is None:
        return (entry.name, entry.text, "", "")
    specs = ",".join(sorted(str(s) for s in req.specifier))
    extras = ",".join(sorted(canonicalize_name(e) for e in req.extras))
    return (specs, extras, str(req.marker or ""), req.url or "")
