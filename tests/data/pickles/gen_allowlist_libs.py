"""Regenerate validator/pickles/allowlist_libs.yaml from the installed libraries.

Run with the project venv; optional libraries that are no project dependency (statsmodels,
torch) can come from a scratch venv with the same numpy/pandas, appended to sys.path:
    .venv/bin/python tests/data/pickles/gen_allowlist_libs.py \
        [--extra-site /tmp/venv/lib/python3.11/site-packages] > validator/pickles/allowlist_libs.yaml

Policy (docs/pickles.md): exact names only, each resolved to the module that defines it
(`obj.__module__ == module` and `obj.__qualname__ == name`, which is what pickle writes), so a
re-export (`pkg.something.os`) is never listed. Only classes are enumerated (rebuilding an
instance runs `__new__`/`__setstate__` of a library type, not arbitrary code), plus Cython's
`__pyx_unpickle_*` state restorers; modules that do I/O, evaluate formulas or exist for tests
are skipped entirely. Functions are never enumerated: the few that pickles need are listed by
hand in allowlist.yaml. This script imports only our own installed libraries, never an artifact.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import sys
import warnings

# (group, flavors, root package, reason for its classes)
LIBS = [
    ("sklearn-classes", "[sklearn, python_function, lightgbm, xgboost, catboost, statsmodels, shap]",
     "sklearn", "scikit-learn class (estimators, trees, losses: parameters and fitted state)"),
    ("pandas-classes", '["*"]', "pandas", "pandas data class (frames, indexes, arrays, dtypes, offsets)"),
    ("scipy-classes", '["*"]', "scipy.sparse", "scipy sparse matrix/array class"),
    ("scipy-stats-classes", '["*"]', "scipy.stats", "scipy distribution class (search spaces)"),
    ("scipy-interpolate-classes", '["*"]', "scipy.interpolate", "scipy interpolator class"),
    ("scipy-spatial-classes", '["*"]', "scipy.spatial", "scipy KD-tree class"),
    ("statsmodels-classes", "[statsmodels, python_function]", "statsmodels",
     "statsmodels model/results class"),
    ("mlflow-types-classes", "[python_function]", "mlflow.types", "MLflow schema/type class"),
    ("torch-nn-classes", "[pytorch, python_function]", "torch.nn", "torch.nn module/parameter class"),
]
# Module name fragments never enumerated: tests, I/O, formula/code evaluation, downloads,
# plotting, build tooling, process pools.
SKIP = ("tests", "_testing", "testing", "conftest", "datasets", "externals", "_build_utils",
        "__check_build", "_show_versions", "io", "iolib", "computation", "plotting", "_mocking",
        "parallel", "sandbox", "_distributor_init", "eval", "formula", "api", "_config",
        "config_init", "_pytest", "compat", "util", "_libs.testing", "_version", "tools.print_version",
        "benchmarks", "_lib", "libqsturng", "_hypothesis", "jit", "_dynamo", "_inductor",
        "distributed", "cpp_extension", "hub", "onnx", "utils.data", "backends", "_utils_internal",
        "examples", "_optional")
# Classes that open files even though pandas 3 exports them from the top-level module.
NAME_SKIP = frozenset({"ExcelFile", "ExcelWriter", "HDFStore"})
SKIP_SCIPY_STATS = ("_distn_infrastructure", "_continuous_distns", "_discrete_distns",
                    "_multivariate", "_kde", "_covariance")


def _skipped(modname: str, root: str) -> bool:
    parts = modname.split(".")
    if any(p in SKIP for p in parts[1:]) or any(f".{s}." in f".{modname}." for s in SKIP if "." in s):
        return True
    if root == "scipy.stats" and not any(p in SKIP_SCIPY_STATS for p in parts):
        return True
    return root == "scipy.spatial" and not any("kdtree" in p for p in parts)


def _modules(root: str) -> list[str]:
    try:
        pkg = importlib.import_module(root)
    except Exception:
        return []
    names = [root]
    for info in pkgutil.walk_packages(pkg.__path__, root + ".", onerror=lambda _: None):
        if not _skipped(info.name, root):
            names.append(info.name)
    return names


def _entries(root: str) -> list[tuple[str, str, str]]:
    out: dict[tuple[str, str], str] = {}
    for modname in _modules(root):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = importlib.import_module(modname)
        except Exception:
            continue
        for attr, obj in sorted(vars(mod).items()):
            # Cython pickling helpers: __pyx_unpickle_X restores an X from its state; sklearn's
            # newObj(cls) is cls.__new__(cls) (BinaryTree, DistanceMetric), cls judged itself.
            if (attr.startswith("__pyx_unpickle_") or attr == "newObj") and callable(obj):
                out[(modname, attr)] = "pyx"
                continue
            if not inspect.isclass(obj) or issubclass(obj, BaseException) or attr in NAME_SKIP \
                    or "Formula" in attr or "Patsy" in attr:  # formula evaluation
                continue
            if getattr(obj, "__module__", None) != modname or obj.__qualname__ != attr:
                continue  # a re-export or an alias: only the defining module counts
            out[(modname, attr)] = "class"
    return [(m, n, k) for (m, n), k in sorted(out.items())]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--extra-site":
        sys.path.append(sys.argv[2])
    w = sys.stdout.write
    w("# GENERATED by tests/data/pickles/gen_allowlist_libs.py from the installed libraries; do\n"
      "# not edit by hand (curated entries live in allowlist.yaml). Exact names only, each in the\n"
      "# module that defines it. Classes only (plus Cython __pyx_unpickle_* state restorers).\n")
    versions = []
    for lib in ("sklearn", "pandas", "scipy", "statsmodels", "torch", "mlflow"):
        with contextlib.suppress(Exception):
            versions.append(f"{lib} {importlib.import_module(lib).__version__}")
    w(f"# Generated from: {', '.join(versions)}\n")
    w("groups:\n")
    for group, flavors, root, reason in LIBS:
        entries = _entries(root)
        if not entries:
            continue
        w(f"  {group}:\n    flavors: {flavors}\n    reason: \"{reason}\"\n    entries:\n")
        for m, n, kind in entries:
            extra = "" if kind == "class" else \
                ', reason: "Cython pickling helper of a class in the same module"'
            w(f"      - {{pattern: \"{m}:{n}\"{extra}}}\n")


if __name__ == "__main__":
    main()
