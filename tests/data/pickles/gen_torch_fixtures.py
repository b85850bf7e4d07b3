"""Write the real-MLflow PyTorch fixtures of tests/rules/test_pickle_placement.py.

Needs a scratch venv with torch and mlflow (never the project's deps):
    /tmp/venv/bin/python tests/data/pickles/gen_torch_fixtures.py tests/data/pickles/torch

Writes `pt2_<seed>/` (serialization_format="pt2", several seeds: raw weight files whose first
byte happens to be a pickle opcode were read as pickles) and `traced/` (a traced TorchScript
module, with torch's empty `traced_inputs/0`). The folders are normalised (no absolute paths)
and kept small (a 3x2 Linear layer).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import mlflow.pytorch
import torch


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 3)
    for seed in range(8):
        torch.manual_seed(seed)
        target = out / f"pt2_{seed}"
        shutil.rmtree(target, ignore_errors=True)
        mlflow.pytorch.save_model(Net(), target, serialization_format="pt2",
                                  input_example=example.numpy())
    torch.manual_seed(0)
    target = out / "traced"
    shutil.rmtree(target, ignore_errors=True)
    mlflow.pytorch.save_model(torch.jit.trace(Net(), example), target, serialization_format="pickle")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
