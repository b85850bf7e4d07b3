"""Issue 13's benign corpus: real objects pickled here by the real libraries give no error and
no warning (pandas 3 frames and arrow-backed columns, time-zone-aware datetimes, paths,
enums, bound methods and ufuncs in FunctionTransformer, statsmodels/torch when installed)."""

from __future__ import annotations

import datetime
import http
import io
import pathlib
import pickle
import zoneinfo

import pytest

from mlint.pickles import scan_bytes

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
joblib = pytest.importorskip("joblib")
sklearn_pre = pytest.importorskip("sklearn.preprocessing")


def objects() -> dict[str, object]:
    scaler = sklearn_pre.StandardScaler().fit(np.arange(6.0).reshape(3, 2))
    out: dict[str, object] = {
        "tz-datetime": datetime.datetime(2024, 3, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        "utc-datetime": datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc),
        "date-time-delta": [datetime.date(2024, 1, 1), datetime.time(1), datetime.timedelta(3)],
        "posix-path": pathlib.PurePosixPath("/data/x.csv"),
        "path": pathlib.Path("relative/file.txt"),
        "windows-path": pathlib.PureWindowsPath(r"C:\data"),
        "http-status": http.HTTPStatus.NOT_FOUND,
        "ufunc": np.log1p,
        "function-transformer-ufunc": sklearn_pre.FunctionTransformer(np.log1p),
        "function-transformer-bound": sklearn_pre.FunctionTransformer(scaler.transform),
        "frame": pd.DataFrame({"a": [1, 2], "b": [0.5, None], "c": pd.Categorical(["x", "y"]),
                               "s": pd.array(["u", None], dtype="string"),
                               "t": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC")}),
        "series-range-index": pd.Series([1.0, 2.0], index=pd.RangeIndex(2)),
        "multi-index": pd.MultiIndex.from_tuples([(1, "a"), (2, "b")]),
        "date-range": pd.date_range("2024-01-01", periods=3, freq="D"),
        "period-interval": [pd.Period("2024-01"), pd.Interval(0, 1), pd.Timedelta(5), pd.NaT],
        "tz-timestamp": pd.Timestamp("2024-01-01", tz="Europe/Paris"),
        "nullable-ints": pd.array([1, None], dtype="Int64"),
    }
    if pytest.importorskip("pyarrow", reason="pyarrow-backed dtypes") is not None:
        out["arrow-frame"] = pd.DataFrame({"i": pd.array([1, 2], dtype="int64[pyarrow]"),
                                           "s": pd.array(["a", "b"], dtype="string[pyarrow]")})
    return out


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_benign_objects_give_no_error_and_no_warning(protocol: int) -> None:
    for name, obj in objects().items():
        for flavor in ("sklearn", "python_function", None):
            rep = scan_bytes(pickle.dumps(obj, protocol=protocol), flavor=flavor)
            assert rep.clean and not rep.findings, (name, flavor, protocol, rep.findings)


def test_benign_objects_through_joblib() -> None:
    for name, obj in objects().items():
        for compress in (0, 3, ("xz", 3), ("lzma", 3)):
            buf = io.BytesIO()
            joblib.dump(obj, buf, compress=compress)
            rep = scan_bytes(buf.getvalue(), flavor="sklearn")
            assert rep.clean and not rep.findings, (name, compress, rep.findings)


def test_sklearn_pipeline_of_many_estimators() -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import SGDClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"n": rng.normal(size=40), "c": rng.choice(["a", "b"], 40)})
    y = (X["n"] > 0).astype(int)
    pre = ColumnTransformer([("num", SimpleImputer(), ["n"]), ("cat", OneHotEncoder(), ["c"])])
    for est in (HistGradientBoostingClassifier(max_iter=3), SGDClassifier(max_iter=5),
                KNeighborsClassifier(3)):
        model = make_pipeline(pre, est).fit(X, y)
        rep = scan_bytes(pickle.dumps(model), flavor="sklearn")
        assert rep.clean and not rep.findings, (type(est).__name__, rep.findings)
    iso = IsolationForest(n_estimators=3, random_state=0).fit(X[["n"]])
    rep = scan_bytes(pickle.dumps(iso), flavor="sklearn")
    assert rep.clean and not rep.findings, rep.findings


def test_skops_function_transformer_with_a_ufunc_is_clean() -> None:
    """skops names the ufunc `numpy.log1p` itself; it is allowlisted on its own merit (a pure
    element-wise function). The MLmodel's `skops_trusted_types` is never consulted: the
    artifact does not get to vouch for itself."""
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(sklearn_pre.FunctionTransformer(np.log1p))
    rep = scan_bytes(data, flavor="sklearn", role="pickled_model")
    assert rep.clean and not rep.findings, rep.findings
    assert ("numpy", "log1p") in {(g.module, g.name) for g in rep.globals}
