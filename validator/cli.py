"""The `mlint` command: `check`, `rules`, `explain`. Exit 0 clean, 1 findings, 2 usage/internal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mlint import __version__
from mlint.cache import default_cache_dir
from mlint.config import Config, ConfigError, split_selectors
from mlint.diagnostics import Severity
from mlint.engine import check_paths
from mlint.registry import Registry, RegistryError, load_registry
from mlint.reporters import REPORTERS
from mlint.ruledocs import explain, rules_table

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlint", description="Static validator and linter for MLflow model folders and mlruns/ trees.")
    parser.add_argument("--version", action="version", version=f"mlint {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="check model folders and tracking trees")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.add_argument("--format", action="append", metavar="NAME[:FILE]",
                       help=f"output format ({', '.join(REPORTERS)}); repeat for several outputs, "
                            "`:FILE` writes that one to a file (default: full)")
    check.add_argument("--select", action="append", metavar="SELECTORS",
                       help="rules to run: codes, prefixes, names, @groups or ALL (comma-separated)")
    check.add_argument("--extend-select", action="append", metavar="SELECTORS")
    check.add_argument("--ignore", action="append", metavar="SELECTORS")
    check.add_argument("--fail-on", choices=[s.value for s in Severity], default=None,
                       help="lowest severity that makes the exit code 1 (default: error)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even with findings (still 2 on internal errors)")
    # Performance (mlint.parallel, mlint.cache): never change the findings.
    check.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                       help="worker processes (default: one per CPU; 1 = no workers)")
    check.add_argument("--no-cache", action="store_true",
                       help="neither use nor update the result cache")
    check.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                       help="result cache folder, outside the checked tree "
                            "(default: $XDG_CACHE_HOME/mlint or ~/.cache/mlint)")

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=["table", "md", "json"], default="table")

    explain_cmd = sub.add_parser("explain", help="show a rule's documentation")
    explain_cmd.add_argument("rule", metavar="CODE_OR_NAME")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `mlint check … | head` is not an error
        sys.stderr.close()
        return EXIT_CLEAN


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        registry = load_registry()
    except RegistryError as exc:
        print(f"mlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "rules":
        sys.stdout.write(rules_table(registry, args.format))
        return EXIT_CLEAN
    if args.command == "explain":
        text = explain(registry, args.rule)
        if text is None:
            print(f"mlint: error: no rule {args.rule!r} (see `mlint rules`)", file=sys.stderr)
            return EXIT_ERROR
        sys.stdout.write(text)
        return EXIT_CLEAN
    return run_check(args, registry)


def run_check(args: argparse.Namespace, registry: Registry) -> int:
    try:
        config = Config(
            select=split_selectors(args.select),
            extend_select=split_selectors(args.extend_select),
            ignore=split_selectors(args.ignore),
            fail_on=Severity.parse(args.fail_on or "error"),
        )
        config.enabled(registry)  # validates selectors before any work
        outputs = parse_formats(args.format or ["full"])
    except (ConfigError, ValueError) as exc:
        print(f"mlint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    report = check_paths(args.paths, registry, config, jobs=args.jobs, cache_dir=cache_dir)
    for name, target in outputs:
        if target is None:
            REPORTERS[name](report, sys.stdout)
        else:
            with open(target, "w", encoding="utf-8") as handle:
                REPORTERS[name](report, handle)
    if report.internal_error:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if report.failed(config.fail_on) else EXIT_CLEAN


def parse_formats(values: Sequence[str]) -> list[tuple[str, str | None]]:
    outputs: list[tuple[str, str | None]] = []
    for value in values:
        name, _, target = value.partition(":")
        if name not in REPORTERS:
            raise ConfigError(f"unknown format {name!r} (choose from {', '.join(REPORTERS)})")
        outputs.append((name, target or None))
    if sum(1 for _, t in outputs if t is None) > 1:
        raise ConfigError("only one format can go to stdout; give the others a file (`sarif:out.sarif`)")
    return outputs


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
