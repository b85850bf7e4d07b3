"""Real pickles of sklearn/numpy/scipy objects must produce no warning or error."""

from __future__ import annotations

import io
import pickle

import pytest

from mlint.pickles import Kind, Severity, distribution_for, module_distributions, scan_bytes

np = pytest.importorskip("numpy")
sklearn = pytest.importorskip("sklearn")
joblib = pytest.importorskip("joblib")
scipy_sparse = pytest.importorskip("scipy.sparse")

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402


def models() -> list[object]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    pipe = Pipeline([("s", StandardScaler()), ("m", LogisticRegression())]).fit(X, y)
    ct = ColumnTransformer([("oh", OneHotEncoder(), [0])]).fit(np.array([["a"], ["b"]]))
    return [
        pipe,
        ct,
        RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y),
        GradientBoostingClassifier(n_estimators=3).fit(X, y),
        {"arr": np.arange(5), "f": np.float32(1.5), "m": np.ma.masked_array([1, 2], [0, 1])},
        scipy_sparse.csr_matrix(np.eye(3)),
        np.random.default_rng(1),
        np.random.RandomState(2),
    ]


@pytest.mark.parametrize("protocol", range(0, 6))
def test_pickled_objects_are_clean(protocol: int) -> None:
    for obj in models():
        rep = scan_bytes(pickle.dumps(obj, protocol=protocol), flavor="sklearn")
        assert rep.clean, (type(obj), protocol, rep.findings)
        assert not any(f.severity is not Severity.INFO for f in rep.findings)


def test_joblib_dumps_are_clean() -> None:
    for obj in models():
        for compress in (0, 3):
            buf = io.BytesIO()
            joblib.dump(obj, buf, compress=compress)
            rep = scan_bytes(buf.getvalue(), flavor="sklearn")
            assert rep.clean, (type(obj), compress, rep.findings)


def test_sklearn_version_and_modules() -> None:
    rep = scan_bytes(pickle.dumps(models()[0]), flavor="sklearn")
    versions = {(v.distribution, v.version) for v in rep.versions}
    assert ("scikit-learn", sklearn.__version__) in versions
    assert {"sklearn", "numpy"} <= rep.modules
    dists = {distribution_for(m) for m in rep.modules} - {None}
    assert "scikit-learn" in dists and "numpy" in dists
    assert module_distributions()["sklearn"] == "scikit-learn"
    assert distribution_for("collections") is None


def test_cloudpickle_python_model_is_expected_code() -> None:
    cloudpickle = pytest.importorskip("cloudpickle")

    class Model:  # defined locally -> pickled by value, like a notebook PythonModel
        def predict(self, x: int) -> int:
            return x + 1

    data = cloudpickle.dumps(Model())
    ok = scan_bytes(data, flavor="python_function", role="python_model")
    assert ok.kinds == {Kind.EXPECTED_CODE}, ok.findings
    bad = scan_bytes(data, flavor="sklearn", role="pickled_model")
    assert bad.by_kind(Kind.CODE_OBJECT)
    assert all(f.severity is Severity.ERROR for f in bad.by_kind(Kind.CODE_OBJECT))
