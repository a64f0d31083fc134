"""Keras and ONNX, per template: Keras code generation, ONNX export (build, check, shape inference;
file size) and the Keras import of the exported code's saved config (without Keras: the config is
produced by the designer's own round trip only when Keras is installed).

    python benchmarks/bench_keras_onnx.py [--json OUT.json]

Prints milliseconds (best of N; ONNX once, its weights are large); asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "torch")

from designer.core.fileformat import load_design  # noqa: E402
from designer.export import keras_code  # noqa: E402
from designer.export.pytorch_code import CodeGenerationError  # noqa: E402


def times_ms(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    have_onnx = importlib.util.find_spec("onnx") is not None
    have_keras = (
        importlib.util.find_spec("keras") is not None
        and importlib.util.find_spec("torch") is not None
    )
    print(
        f"{'template':22} {'keras code ms':>14} {'onnx export ms':>15} {'onnx MB':>8} {'keras import ms':>16}"
    )
    for path in sorted((ROOT / "resources" / "templates").glob("*.json")):
        design = load_design(path)
        row = [f"{path.stem:22}"]
        try:
            samples = times_ms(lambda d=design: keras_code.generate(d), 5)
            results[f"keras_code_{path.stem}"] = {"median_ms": statistics.median(samples)}
            row.append(f"{min(samples):14.1f}")
            source = keras_code.generate(design)
        except CodeGenerationError:
            row.append(f"{'refused':>14}")
            source = ""
        if have_onnx:
            from designer.export.onnx_model import export_onnx

            t = time.perf_counter()
            data = export_onnx(design)
            ms = (time.perf_counter() - t) * 1000
            results[f"onnx_export_{path.stem}"] = {"median_ms": ms, "bytes": len(data)}
            row.append(f"{ms:15.0f}")
            row.append(f"{len(data) / 1e6:8.1f}")
            del data
        else:
            row.append(f"{'no onnx':>15}{'':>9}")
        if have_keras and source:
            from designer.convert.from_keras import import_keras

            namespace: dict[str, object] = {}
            exec(compile(source, path.name, "exec"), namespace)
            model = namespace["build_model"]()  # type: ignore[operator]
            with tempfile.TemporaryDirectory() as tmp:
                saved = Path(tmp) / "m.keras"
                model.save(saved)  # type: ignore[attr-defined]
                samples = times_ms(lambda s=saved: import_keras(s), 3)
            results[f"keras_import_{path.stem}"] = {"median_ms": statistics.median(samples)}
            row.append(f"{min(samples):16.1f}")
        else:
            row.append(f"{'-':>16}")
        print(" ".join(row))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
