"""The `mlint` command: `check`, `rules`, `explain`. Exit 0 clean, 1 findings, 2 usage/internal."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mlint import __version__
from mlint.console import Progress, default_format, emit, parse_formats
from mlint.core import baseline as baseline_file
from mlint.core.config import Config, ConfigError, split_selectors
from mlint.core.config_file import load_config, resolve, settings_text, trusted_config, untrusted_config
from mlint.core.diagnostics import Severity
from mlint.core.engine import Report, check_paths, walk_excluder
from mlint.core.registry import Registry, RegistryError, load_registry
from mlint.discovery.walk import Discovery, changed_files, iter_units, refuse_remote
from mlint.perf.cache import default_cache_dir
from mlint.remote.uri import is_remote
from mlint.reporters import REPORTERS, Options
from mlint.reporters.safe import text as safe_text
from mlint.ruledocs import explain, rules_table
from mlint.trackingdb.discover import argument_path
from mlint.trackingdb.server import is_server_url, redact

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlint", description="Static validator and linter for MLflow model folders and mlruns/ trees.")
    parser.add_argument("--version", action="version", version=f"mlint {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    # `mlint fix` is `mlint check --fix` (like ruff, fixing is a mode of checking: the same
    # selection, output and exit code, computed on the tree as it is after the fixes).
    check = sub.add_parser("check", aliases=["fix"], help="check model folders and tracking trees "
                           "(`fix`: the same with --fix)")
    # Strings, not Paths: `Path("s3://b/m")` is `s3:/b/m`, and a URI must be refused as typed.
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="folders or files to check (default: `paths` from config, else .)")
    out = check.add_argument_group("output")
    out.add_argument("--format", action="append", metavar="NAME[:FILE]",
                     help=f"output format ({', '.join(REPORTERS)}); repeat for several outputs, "
                          "`:FILE` writes that one to a file (default: full; github under GitHub Actions)")
    out.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    out.add_argument("--include-suppressed", action="store_true",
                     help="include suppressed and baselined findings, with their justification, "
                          "in json, jsonl and sarif output")
    out.add_argument("-q", "--quiet", action="store_true",
                     help="findings only: no summary line, progress display or status messages")
    sel = check.add_argument_group("rule selection (beats the config file)")
    sel.add_argument("--select", action="append", metavar="SELECTORS",
                     help="rules to run: codes, prefixes, names, @groups or ALL (comma-separated)")
    sel.add_argument("--extend-select", action="append", metavar="SELECTORS")
    sel.add_argument("--ignore", action="append", metavar="SELECTORS")
    sel.add_argument("--fail-on", choices=[s.value for s in Severity], default=None,
                     help="lowest severity that makes the exit code 1 (default: error)")
    sel.add_argument("--exit-zero", action="store_true",
                     help="exit 0 even with findings (still 2 on internal errors)")
    fixing = check.add_argument_group("fixing (docs/fix.md; the one time mlint writes into a tree)")
    fixing.add_argument("--fix", action="store_true",
                        help="apply the safe fixes of the selected rules, then check again and "
                             "report what remains")
    fixing.add_argument("--diff", action="store_true",
                        help="print the fixes as unified diffs and write nothing "
                             "(exit 1 when there is something to fix)")
    fixing.add_argument("--unsafe-fixes", action="store_true",
                        help="also apply fixes that change what a file says (see `mlint rules`)")
    fixing.add_argument("--backup", type=Path, metavar="DIR",
                        help="copy each file to DIR before replacing it (outside the checked paths)")
    fixing.add_argument("--fix-running", action="store_true",
                        help="also fix runs whose status is RUNNING (MLflow may still be writing them)")
    cfg = check.add_argument_group("configuration")
    cfg.add_argument("--config", type=Path, metavar="FILE",
                     help="use this config file (pyproject.toml, mlint.toml) instead of discovery")
    cfg.add_argument("--isolated", action="store_true", help="ignore all config files")
    cfg.add_argument("--artifact-root", type=Path, metavar="DIR", default=None,
                     help="local folder standing for a tracking database's recorded artifact root "
                          "(and mlflow-artifacts:/ URIs); default: the folder of that name beside it")
    cfg.add_argument("--show-settings", action="store_true",
                     help="print the resolved settings, with the rules in force, and exit")
    cfg.add_argument("--show-files", action="store_true",
                     help="print what would be checked, one unit per line (`kind path`), and exit")
    cfg.add_argument("--no-respect-gitignore", action="store_true",
                     help="also walk into folders git ignores (default: skip them, like ruff)")
    cfg.add_argument("--no-force-exclude", action="store_true",
                     help="check explicitly given paths even when `exclude` matches them")
    cfg.add_argument("--changed-files", action="store_true",
                     help="PATHs are changed files (pre-commit): check the units holding them, "
                          "skip files outside any MLflow unit silently")
    perf = check.add_argument_group("performance (never changes the findings)")
    perf.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                      help="worker processes (default: one per CPU; 1 = no workers)")
    perf.add_argument("--no-cache", action="store_true", help="neither use nor update the result cache")
    perf.add_argument("--executor", default=None, metavar="dask[://HOST:PORT]",
                      help="run units as tasks on a Dask cluster: `dask` starts a local one, "
                           "`dask://HOST:PORT` (or tcp://) connects to a scheduler "
                           "(mlint[dask]; docs/remote.md)")
    perf.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                      help="result cache folder, outside the checked tree "
                           "(default: $XDG_CACHE_HOME/mlint or ~/.cache/mlint)")
    base = check.add_argument_group("baseline")
    base.add_argument("--baseline", type=Path, metavar="FILE",
                      help="hide findings recorded in FILE; report stale entries (MLT103)")
    base.add_argument("--write-baseline", type=Path, metavar="FILE",
                      help="record the current findings in FILE and exit 0")

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=["table", "md", "json"], default="table")

    explain_cmd = sub.add_parser("explain", help="show a rule's documentation")
    explain_cmd.add_argument("rule", metavar="CODE_OR_NAME")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `mlint rules | head` is not an error
        _silence_stdout()
        return EXIT_CLEAN


def _silence_stdout() -> None:
    """The reader went away (`| head`): send the rest of stdout, and the interpreter's final
    flush, to /dev/null, so that Python prints no "Broken pipe" message at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("check", "fix"):
        return run_check(args)
    try:
        registry = load_registry()
    except RegistryError as exc:
        return _error(str(exc))
    if args.command == "rules":
        sys.stdout.write(rules_table(registry, args.format))
        return EXIT_CLEAN
    text = explain(registry, args.rule)
    if text is None:
        return _error(f"no rule {args.rule!r} (see `mlint rules`)")
    sys.stdout.write(text)
    return EXIT_CLEAN


def _error(message: str) -> int:
    print(f"mlint: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def file_config(args: argparse.Namespace) -> Config:
    """Settings from the config file (explicit, discovered, or none with --isolated)."""
    if args.isolated:
        return Config()
    path = args.config
    if path is None:
        # Trusted: the working directory's config; one inside the checked paths is data
        # from the artifact and is never read (docs/robustness.md).
        path = trusted_config()
        ignored = untrusted_config([p for p in args.paths if not is_remote(p)], path)
        if ignored is not None and not args.quiet:
            print(f"mlint: note: not reading {safe_text(str(ignored))}: only the working "
                  "directory's config file is trusted (pass --config to use it)", file=sys.stderr)
    elif not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    return load_config(path) if path is not None else Config()


def cli_config(args: argparse.Namespace, config: Config, registry: Registry) -> Config:
    """Command-line options on top of the file's settings: CLI beats config."""
    changes: dict[str, Any] = {}
    if args.select:
        # Like ruff's layers: a CLI --select starts afresh; the file's select, extend-select
        # and ignore no longer apply (per-path ignores still do).
        config = dataclasses.replace(config, extend_select=(), ignore=())
        changes["select"] = split_selectors(args.select)
    if args.extend_select:
        changes["extend_select"] = config.extend_select + split_selectors(args.extend_select)
    if args.ignore:
        changes["ignore"] = config.ignore + split_selectors(args.ignore)
    if args.fail_on:
        changes["fail_on"] = Severity.parse(args.fail_on)
    if args.baseline:
        changes["baseline"] = args.baseline
    if args.no_respect_gitignore:
        changes["respect_gitignore"] = False
    if args.artifact_root:
        changes["artifact_root"] = args.artifact_root
    if args.write_baseline:
        changes["baseline"] = None  # record everything, hide nothing
    anchor = args.write_baseline or changes.get("baseline", config.baseline)
    if isinstance(anchor, Path):
        # Fingerprints relative to the baseline's folder: they match however paths are given.
        changes["fingerprint_root"] = Path(os.path.abspath(anchor)).parent
    config = dataclasses.replace(config, **changes)
    config.enabled(registry)  # validates CLI selectors before any work
    return config


def note_unchecked_artifacts(arguments: Sequence[str], config: Config) -> None:
    """A server tracking database has no folder beside it: without `--artifact-root` only its
    rows are checked (mlint never reads a path just because a row names it). Say so, once per
    URL, so that a clean report is not mistaken for checked model folders."""
    if config.artifact_root is not None:
        return
    for url in dict.fromkeys(a for a in arguments if is_server_url(a)):
        print(f"mlint: note: {safe_text(redact(url))}: only the database rows are checked; pass "
              "--artifact-root DIR to check the model folders its rows point at", file=sys.stderr)


def run_check(args: argparse.Namespace) -> int:
    try:
        refuse_remote(args.paths)
        config = file_config(args)
        registry = load_registry(config.rules_paths)
        config = cli_config(args, resolve(config, registry), registry)
        outputs = parse_formats(args.format or [default_format()])
        if args.show_settings:
            sys.stdout.write(settings_text(config, registry))
            return EXIT_CLEAN
        paths = checked_paths(args, config)
        remote = [p for p in args.paths if is_remote(p)]
        fixing = args.fix or args.diff or args.command == "fix"
        if remote and (fixing or args.changed_files or args.show_files):
            what = "fixing" if fixing else "--changed-files" if args.changed_files else "--show-files"
            raise ConfigError(f"{what} works on local paths only; remote inputs are read-only")
        if args.show_files:
            sys.stdout.write(files_text(paths, config))
            return EXIT_CLEAN
        if not args.quiet:
            note_unchecked_artifacts(args.paths, config)
        progress = None if args.quiet else Progress.for_stream(sys.stderr)
        cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
        executor = executor_arg(args.executor)
        def check() -> Report:
            return check_paths([*remote, *paths], registry, config, progress, jobs=args.jobs,
                               cache_dir=cache_dir, executor=executor)

        report, changed = _fix(args, paths, config, check) if fixing else (check(), False)
        if progress is not None:
            progress.clear()
    except (ConfigError, RegistryError, ValueError) as exc:
        return _error(str(exc))
    if args.diff:
        return EXIT_FINDINGS if changed else EXIT_CLEAN
    if args.write_baseline:
        count = baseline_file.write(args.write_baseline, report.diagnostics)
        if not args.quiet:
            print(f"mlint: wrote {count} baseline entries to {args.write_baseline}", file=sys.stderr)
        return EXIT_ERROR if report.internal_error else EXIT_CLEAN
    options = Options(include_suppressed=args.include_suppressed, registry=registry, quiet=args.quiet)
    try:
        emit(report, outputs, options, args.statistics)
    except BrokenPipeError:  # `mlint check … | head`: the findings decide the exit code
        _silence_stdout()
    except OSError as exc:
        return _error(f"cannot write output: {exc}")
    if report.internal_error:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return report.exit_code


def _fix(args: argparse.Namespace, paths: list[Path], config: Config,
         check: Callable[[], Report]) -> tuple[Report, bool]:
    from mlint.fixes.command import FixOptions, fix_tree

    if args.write_baseline:
        raise ConfigError("--write-baseline records findings; it does not combine with fixing")
    options = FixOptions(write=not args.diff, unsafe=args.unsafe_fixes, fix_running=args.fix_running,
                         backup=args.backup, max_bytes=config.max_file_bytes)
    return fix_tree(paths, check, options, quiet=args.quiet)


def executor_arg(value: str | None) -> str | None:
    """`--executor`: None (the local process pool) or what `check_paths` validates."""
    return None if value is None or value == "local" else value


def checked_paths(args: argparse.Namespace, config: Config) -> list[Path]:
    local = [p for p in args.paths if not is_remote(p)]
    if args.paths and not local:
        return []  # only object-store URIs (`remote_paths`)
    paths: list[Path] = [argument_path(p) for p in local] or list(config.paths) or [Path(".")]
    if not args.no_force_exclude and config.exclude:
        # pre-commit passes files explicitly; `exclude` must still apply (ruff's --force-exclude).
        paths = [p for p in paths if not _excluded(p, config)]
    if args.changed_files:
        # After `exclude`: the path kept for a unit must be one of its files that is checked.
        paths = changed_files(paths)
    return paths


def files_text(paths: list[Path], config: Config) -> str:
    """`--show-files`: each unit discovery finds, as `kind path` (what `check` would check)."""
    from mlint.core.engine import display_path
    from mlint.reading.filecache import FileCache

    found = Discovery()
    lines = [f"{unit.kind.replace('_', ' ')}\t{display_path(unit.path)}"
             for unit, _ in iter_units(paths, FileCache(), found, walk_excluder(paths, config))]
    lines += [f"# {failure.code} {display_path(path)}: {failure.message}" for path, failure in found.problems]
    return "".join(line + "\n" for line in lines)


def _excluded(path: Path, config: Config) -> bool:
    absolute = Path(os.path.abspath(path))
    base = Path(os.path.abspath(config.base))
    for candidate in [absolute, *absolute.parents]:
        if candidate == base or base not in candidate.parents:
            break
        if config.is_excluded(candidate):
            return True
    return False


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
