"""The designer's full analysis next to ``torchinfo.summary`` for the same networks.

    python benchmarks/bench_torchinfo.py [--json out.json] [--repeat N]

torchinfo runs a real forward pass (on the CPU, batch 1) with hooks on every
module to collect shapes and parameter counts: the usual way to get the
numbers the designer computes arithmetically. Both sides get the 1,000-layer
chain and ResNet-50 of ``bench_core.py``. Needs ``torch`` and ``torchinfo``
(``pip install --no-deps torchinfo`` keeps the installed torch); without them
the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import chain_design, measure  # noqa: E402

from designer.core.analysis import analyze  # noqa: E402
from designer.core.design import Design  # noqa: E402
from designer.core.fileformat import load_design  # noqa: E402
from designer.core.resources import templates_dir  # noqa: E402


def torchinfo_summary(design: Design, repeat: int) -> dict[str, Any]:
    import torch
    import torchinfo

    from tests.torch_build import design_net

    net = design_net(design, device="cpu")
    shape = design.layer(design.ids[0]).resolved()["shape"]
    summary = torchinfo.summary(net, input_size=(1, *shape), verbose=0, device="cpu")
    result = measure(
        lambda: torchinfo.summary(net, input_size=(1, *shape), verbose=0, device="cpu"),
        repeat,
        warmup=1,
    )
    result["params"] = summary.total_params
    result["torch"] = torch.__version__
    result["torchinfo"] = torchinfo.__version__
    return result


def run(repeat: int) -> dict[str, Any]:
    networks = {"chain": chain_design(), "resnet50": load_design(templates_dir() / "resnet50.json")}
    results: dict[str, Any] = {}
    for name, design in networks.items():
        results[f"full_analysis_{name}"] = measure(lambda d=design: analyze(d), max(5, repeat))
        info = torchinfo_summary(design, max(3, repeat // 3))
        ours = analyze(design).totals().params
        info["same_params_as_designer"] = info["params"] == ours
        results[f"torchinfo_summary_{name}"] = info
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Designer analysis vs torchinfo.summary.")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
        import torchinfo  # noqa: F401
    except ImportError as exc:
        print(
            f"skipped: {exc.name} is not installed (pip install --no-deps torchinfo; torch==2.13.0)"
        )
        return 0
    results = run(args.repeat)
    print(f"{'measurement':<40} {'median ms':>10} {'ratio':>8}  params agree")
    for name in ("chain", "resnet50"):
        ours = results[f"full_analysis_{name}"]["median_ms"]
        theirs = results[f"torchinfo_summary_{name}"]
        print(f"{'designer full analysis, ' + name:<40} {ours:>10.3f}")
        print(
            f"{'torchinfo.summary, ' + name:<40} {theirs['median_ms']:>10.3f} "
            f"{theirs['median_ms'] / ours:>7.1f}×  {theirs['same_params_as_designer']}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
