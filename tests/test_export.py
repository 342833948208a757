"""`mentor-match export-model` and the ONNX backends: a real export (some seconds), real ONNX Runtime."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matcher import cli
from matcher.config import EXPORTED_INT8, Settings, packaged_model
from matcher.model.embedder import ONNX_FILES, Embedder, resolve_backend
from matcher.model.export import export_model, quantization_config
from matcher.service import MatchService
from tests.conftest import profile

pytestmark = pytest.mark.slow  # a server, a child process, a browser or a benchmark: see pyproject markers

SENTENCES = [
    "I run our company's Instagram and TikTok accounts and teach people to plan content.",
    "I design relational databases and write SQL window functions every day.",
    "I coach first-time managers on giving feedback and running one-to-ones.",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The packaged model exported once for this module, through the CLI."""
    out = tmp_path_factory.mktemp("models")
    assert cli.main(["export-model", "--output", str(out)]) == 0
    return out / "all-MiniLM-L6-v2"


def test_export_writes_both_onnx_files_and_a_record(exported):
    assert (exported / ONNX_FILES["onnx"]).stat().st_size > 50e6
    int8 = (exported / ONNX_FILES["onnx-int8"]).stat().st_size
    assert 10e6 < int8 < 40e6  # about a quarter of fp32
    record = json.loads((exported / "export.json").read_text())
    assert record["int8"] == ONNX_FILES["onnx-int8"] == EXPORTED_INT8
    assert record["int8_preset"] in ("avx2", "avx512", "avx512_vnni", "arm64")
    assert (exported / "modules.json").exists() and (exported / "tokenizer.json").exists()


def test_export_again_is_a_no_op_unless_forced(exported):
    lines = list(export_model(exported.parent))
    assert "nothing to do" in lines[-1]


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_onnx_backends_agree_with_torch(exported, embedder, backend):
    torch_embedder = embedder if embedder.backend == "torch" else Embedder(packaged_model(), "torch")
    onnx = Embedder(exported, backend, threads=2)
    a, b = torch_embedder.encode(SENTENCES), onnx.encode(SENTENCES)
    assert b.dtype == np.float32 and b.shape == a.shape
    assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-4)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() > (0.999 if backend == "onnx" else 0.97)
    # The same need finds the same nearest sentence.
    need = torch_embedder.encode(["help me write better SQL queries"])[0]
    assert int(np.argmax(a @ need)) == int(np.argmax(b @ onnx.encode(["help me write better SQL queries"])[0])) == 1
    assert onnx.key.split(":")[1] == backend


def test_auto_picks_int8_when_exported_and_torch_otherwise(exported, caplog):
    assert resolve_backend(exported, "auto") == "onnx-int8"
    with caplog.at_level("WARNING", logger="matcher.embedder"):
        assert resolve_backend(packaged_model(), "auto") == "torch"
    assert "mentor-match export-model" in caplog.text
    assert Embedder(exported, "auto").backend == "onnx-int8"


def test_missing_export_is_a_clear_error(tmp_path):
    from matcher.errors import ModelNotFound

    with pytest.raises(ModelNotFound, match="onnx-int8"):
        Embedder(packaged_model(), "onnx-int8")


def test_quantization_preset_follows_the_cpu():
    assert quantization_config({"avx2", "avx512f", "avx512bw", "avx512_vnni"}, "x86_64") == "avx512_vnni"
    assert quantization_config({"avx2", "avx512f", "avx512bw"}, "x86_64") == "avx512"
    assert quantization_config({"avx2"}, "x86_64") == "avx2"
    assert quantization_config(set(), "aarch64") == "arm64"


def test_an_index_built_with_another_backend_is_rebuilt(exported, tmp_path):
    data = tmp_path / "data"
    torch_service = MatchService(Settings(data_dir=data, model=str(exported), backend="torch")).open()
    torch_service.import_items(
        [(1, profile("p1", 3, "I teach SQL window functions and query tuning."))], checkpoint=True
    )
    first = torch_service.status()["generation"]
    int8_service = MatchService(Settings(data_dir=data, model=str(exported), backend="onnx-int8")).open()
    status = int8_service.status()
    assert status["generation"] != first and status["model"].split(":")[1] == "onnx-int8"
    manifest = int8_service.generations.manifest(status["generation"])
    assert manifest["model"] == int8_service.embedder.key
    assert int8_service.match({"need": "SQL window functions", "style": "any"})["matches"][0]["mentor"]["id"] == "p1"
