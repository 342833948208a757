"""Export the local embedding model to ONNX (fp32 and int8) for the faster ONNX Runtime backends.

`mentor-match export-model` calls `export_model()`: it copies the local sentence-transformers folder
to `models/all-MiniLM-L6-v2/`, exports the transformer to `onnx/model.onnx` with Optimum (through
sentence-transformers' `backend="onnx"`), and quantizes it dynamically to int8 with ONNX Runtime
(`onnx/model_int8.onnx`). Nothing is downloaded: the source is the model folder on disk.

The int8 file is quantized with the configuration that suits the CPU running
the export (`quantization_config()`): "avx512_vnni" (u8 activations, s8 weights) where the CPU has
VNNI, else "avx512", else "avx2" (u8/u8, safe on any x86-64 with AVX2), "arm64" on ARM. Export on the
machine that serves (or one of the same kind). `export.json` next to it records what was done.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from ..config import EXPORTED_MODEL, MODELS_DIR, packaged_model
from .embedder import ONNX_FILES

EXPORT_NAME = EXPORTED_MODEL.name
INT8_SUFFIX = "int8"  # -> onnx/model_int8.onnx, the file embedder.ONNX_FILES["onnx-int8"] names
# Files of the source folder that are not needed to run the model.
_SKIP = shutil.ignore_patterns(".gitattributes", "__pycache__", "*.lock", "onnx", "openvino")


def quantization_config(cpu_flags: set[str] | None = None, machine: str | None = None) -> str:
    """The dynamic-quantization preset of Optimum that fits this CPU best.

    s8 weights need VNNI (or AVX-512BW) to avoid saturating u8*s8 products; plain AVX2 gets u8/u8.
    """
    machine = (machine or platform.machine()).lower()
    if machine in ("arm64", "aarch64"):
        return "arm64"
    flags = cpu_flags if cpu_flags is not None else _cpu_flags()
    if "avx512_vnni" in flags or "avx512vnni" in flags:
        return "avx512_vnni"
    if {"avx512f", "avx512bw"} <= flags:
        return "avx512"
    return "avx2"


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def default_output() -> Path:
    """The `models/` folder of the project (next to the `matcher` package), where the default model is looked for."""
    return MODELS_DIR


def export_model(
    output: str | Path | None = None,
    quantize: bool = True,
    source: str | Path | None = None,
    name: str = EXPORT_NAME,
    force: bool = False,
) -> Iterator[str]:
    """Export the model to ONNX (and int8) into `<output>/<name>/`, yielding one line per step.

    Args:
        output: the models folder (default: the project's `models/`).
        quantize: also write the int8 dynamically quantized variant.
        source: a local sentence-transformers folder (default: the packaged all-MiniLM-L6-v2).
        name: the folder name of the exported model.
        force: export again even when the files are there.
    Yields:
        Progress lines a person can read.
    """
    from sentence_transformers import SentenceTransformer

    src = Path(source) if source else packaged_model()
    if not (src / "modules.json").exists():
        raise FileNotFoundError(f"source: {src} is not a local sentence-transformers folder (no modules.json)")
    root = Path(output) if output else default_output()
    target = root / name
    fp32, int8 = target / ONNX_FILES["onnx"], target / ONNX_FILES["onnx-int8"]
    if not force and fp32.exists() and (int8.exists() or not quantize):
        yield f"{target} already holds {ONNX_FILES['onnx']}" + (f" and {ONNX_FILES['onnx-int8']}" if quantize else "")
        yield "nothing to do (pass force=True to export again)"
        return
    root.mkdir(parents=True, exist_ok=True)
    # Build in a temporary folder and rename into place: a half-finished export is never picked up.
    tmp = root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    started = time.perf_counter()
    try:
        shutil.copytree(src, tmp, ignore=_SKIP)
        yield f"copied {src} -> {target}"
        model = SentenceTransformer(
            str(tmp),
            device="cpu",
            backend="onnx",
            local_files_only=True,
            model_kwargs={"provider": "CPUExecutionProvider", "export": True},
        )
        model.save(str(tmp))
        yield f"exported ONNX fp32: {ONNX_FILES['onnx']} ({_mb(tmp / ONNX_FILES['onnx'])})"
        config = None
        if quantize:
            from sentence_transformers.backend import export_dynamic_quantized_onnx_model

            config = quantization_config()
            export_dynamic_quantized_onnx_model(model, config, str(tmp), file_suffix=INT8_SUFFIX)
            int8 = ONNX_FILES["onnx-int8"]
            yield f"quantized int8 (dynamic, {config} preset): {int8} ({_mb(tmp / int8)})"
        missing = [
            f
            for f in ([ONNX_FILES["onnx"]] + ([ONNX_FILES["onnx-int8"]] if quantize else []))
            if not (tmp / f).exists()
        ]
        if missing:
            raise RuntimeError(f"export did not write {', '.join(missing)}")
        _write_record(tmp, src, config)
        if target.exists():
            old = root / f".old-{name}-{os.getpid()}"
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    yield (
        f"done in {time.perf_counter() - started:.1f} s: MATCHER_MODEL={target} with MATCHER_BACKEND=onnx or onnx-int8"
    )


def _write_record(folder: Path, source: Path, config: str | None) -> None:
    import onnxruntime
    import sentence_transformers

    record = {
        "source": str(source),
        "onnx": ONNX_FILES["onnx"],
        "int8": ONNX_FILES["onnx-int8"] if config else None,
        "int8_preset": config,
        "machine": platform.machine(),
        "onnxruntime": onnxruntime.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "created_at": time.time(),
    }
    (folder / "export.json").write_text(json.dumps(record, indent=2) + "\n")


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"
