"""Code generation and import speed: generate() per template; torch.fx import and ONNX import
of the generated models (model built on the meta device: no weights are initialised).

Prints milliseconds (best of N); asserts nothing. Skips what needs torch/onnx where absent.
"""

from __future__ import annotations

import io
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from designer.core.analysis import analyze  # noqa: E402
from designer.core.fileformat import load_design  # noqa: E402
from designer.export.pytorch_code import generate, names_for  # noqa: E402


def best_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> int:
    try:
        import torch
    except ImportError:
        torch = None
    try:
        import onnx
    except ImportError:
        onnx = None
    print(f"{'template':22} {'layers':>6} {'generate':>10} {'from_torch':>11} {'onnx import':>12}")
    for path in sorted((ROOT / "resources" / "templates").glob("*.json")):
        design = load_design(path)
        gen = best_ms(lambda design=design: generate(design))
        fx = ox = "-"
        if torch is not None:
            from designer.convert.from_torch import import_torch

            namespace: dict[str, object] = {"__name__": "bench"}
            exec(generate(design), namespace)
            with torch.device("meta"):
                model = namespace[names_for(design).class_name]()  # type: ignore[operator]
            shape = next(
                analyze(design).info[ly.id].output_shape for ly in design if ly.type == "Input"
            )
            fx = f"{best_ms(lambda model=model, shape=shape: import_torch(model, shape), 3):.1f}"
            if onnx is not None and len(design) < 100:
                from designer.convert.from_onnx import import_onnx

                real = namespace[names_for(design).class_name]().eval()  # type: ignore[operator]
                buffer = io.BytesIO()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    torch.onnx.export(
                        real,
                        (torch.randn(1, *shape),),
                        buffer,
                        dynamo=False,
                        training=torch.onnx.TrainingMode.PRESERVE,
                        do_constant_folding=False,
                    )
                proto = onnx.load_from_string(buffer.getvalue())
                ox = f"{best_ms(lambda proto=proto: import_onnx(proto), 3):.1f}"
        print(f"{path.stem:22} {len(design):>6} {gen:>8.1f}ms {fx:>9}ms {ox:>10}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
