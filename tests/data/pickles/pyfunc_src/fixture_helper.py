"""Shipped with `code_paths=` by gen_pyfunc_fixtures.py: the pickle imports it by reference."""

import mlflow.pyfunc


class Model(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return model_input
