#!/usr/bin/env python
"""Write the bad fixtures of MLM130-MLM133: single-defect copies of the real MLflow 3.17.2
flavor models in tests/data/flavors/3.17.2/ (each defect verified against real MLflow by
verify_flavor_defects.py; outcomes in tests/data/flavors/3.17.2/DEFECTS.json).

    python tests/data/make_flavor_defect_fixtures.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

from verify_flavor_defects import as_json, as_text, delete, drop_config, empty, rename, truncate

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "flavors" / "3.17.2"
RULES = HERE.parent / "rules"

# rule → [(model, file (glob), defect)]
FIXTURES = {
    "MLM130": [("pytorch_pt2", "data/model.pt2", rename),
               ("pytorch_pickle", "data/pickle_module_info.txt", delete),
               ("keras_v3", "data/model.keras", rename),
               ("onnx_external_data", "*.data", delete),
               ("spacy_textcat", "model.spacy/config.cfg", delete),
               ("tensorflow_keras", "data/model.keras", rename)],
    "MLM131": [("lightgbm_booster", "model.lgb", empty),
               ("xgboost_ubj", "model.ubj", empty),
               ("catboost_classifier", "model.cb", empty),
               ("pytorch_pickle", "data/model.pth", empty),
               ("spacy_textcat", "model.spacy/textcat/model", empty),
               ("tensorflow_keras_h5", "data/model.h5", empty)],
    "MLM132": [("lightgbm_booster", "model.lgb", truncate),
               ("xgboost_ubj", "model.ubj", truncate),
               ("xgboost_json", "model.json", truncate),
               ("catboost_classifier", "model.cb", truncate),
               ("onnx_external_data", "model.onnx", truncate),
               ("onnx_external_data", "*.data", truncate),
               ("pytorch_pt2", "data/model.pt2", truncate),
               ("pytorch_torchscript", "data/model.pth", truncate),
               ("keras_v3", "data/model.keras", truncate),
               ("spacy_textcat", "model.spacy/textcat/model", truncate),
               ("tensorflow_keras_h5", "data/model.h5", truncate)],
    "MLM133": [("lightgbm_booster", "model.lgb", as_json),
               ("xgboost_ubj", "model.ubj", as_text),
               ("catboost_classifier", "model.cb", as_json),
               ("onnx_external_data", "model.onnx", as_text),
               ("keras_v3", "data/model.keras", as_json),
               ("tensorflow_keras_h5", "data/model.h5", as_json),
               ("keras_v3", "data/model.keras", drop_config)],
}


def main() -> None:
    for code, cases in FIXTURES.items():
        bad = RULES / code / "bad"
        if bad.exists():
            shutil.rmtree(bad)
        for model, rel, defect in cases:
            name = f"{model}-{rel.replace('*', 'external').replace('/', '_')}-{defect.__name__}"
            shutil.copytree(SOURCE / model, bad / name)
            target = next((bad / name).glob(rel)) if "*" in rel else bad / name / rel
            defect(target)


if __name__ == "__main__":
    main()
