"""Write the real-MLflow pyfunc fixtures of tests/rules/test_pickle_placement.py (project venv),
from the repository root:
    MLFLOW_ALLOW_FILE_STORE=true .venv/bin/python tests/data/pickles/gen_pyfunc_fixtures.py \
        tests/data/pickles/pyfunc

`responses_agent/`: a ResponsesAgent saved as an object (its pickle imports inspect's signature
classes); `chat_model/`: a ChatModel; `code_paths/`: a PythonModel whose class lives in
pyfunc_src/fixture_helper.py, shipped with code_paths= and pickled by reference. Paths are
relative; nothing absolute.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import mlflow.pyfunc
from mlflow.pyfunc import ChatModel, ResponsesAgent
from mlflow.types.llm import ChatCompletionResponse, ChatMessage
from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse


class Echo(ResponsesAgent):
    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        text = request.input[-1].content if request.input else ""
        return ResponsesAgentResponse(output=[self.create_text_output_item(str(text), "m1")])


class Chat(ChatModel):
    def predict(self, context, messages: list[ChatMessage], params) -> ChatCompletionResponse:  # type: ignore[no-untyped-def, override]
        return ChatCompletionResponse(choices=[{"index": 0, "message": {"role": "assistant",
                                                                         "content": "hi"}}])


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, model in (("responses_agent", Echo()), ("chat_model", Chat())):
        target = out / name
        shutil.rmtree(target, ignore_errors=True)
        mlflow.pyfunc.save_model(target, python_model=model)
    src = Path(__file__).resolve().parent / "pyfunc_src"
    sys.path.insert(0, str(src))
    import fixture_helper

    target = out / "code_paths"
    shutil.rmtree(target, ignore_errors=True)
    mlflow.pyfunc.save_model(target, python_model=fixture_helper.Model(),
                             code_paths=[str(src / "fixture_helper.py")])


def normalise(out: Path) -> None:
    """cloudpickle records the absolute path of this script (co_filename): replace the
    repository prefix by './' padding of the same length, so length-prefixed pickle strings
    stay valid and no machine path is checked in."""
    repo = str(Path(__file__).resolve().parents[3]).encode() + b"/"
    pad = (b"./" * len(repo))[: len(repo) - 1] + b"/"
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if repo in data:
                path.write_bytes(data.replace(repo, pad))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    normalise(Path(sys.argv[1]))
