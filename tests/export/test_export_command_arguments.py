"""``cnn-designer export``: impossible numbers are refused with exit 2 and a message, before anything is drawn."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.cli import main
from designer.core.resources import resource_path


@pytest.mark.parametrize(
    ("suffix", "option", "value", "message"),
    [
        (
            ".png",
            "--dpi",
            "inf",
            "--dpi must be a positive number",
        ),  # was an OverflowError traceback
        (
            ".png",
            "--dpi",
            "1e300",
            "--dpi must be a positive number",
        ),  # was an OverflowError traceback
        (
            ".svg",
            "--azimuth",
            "nan",
            "--azimuth must be a number of degrees",
        ),  # was an SVG full of "nan"
        (
            ".svg",
            "--azimuth",
            "inf",
            "--azimuth must be a number of degrees",
        ),  # was "math domain error"
        (".png", "--elevation=-inf", None, "--elevation must be a number of degrees"),
    ],
)
def test_non_finite_or_huge_numbers_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    option: str,
    value: str | None,
    message: str,
) -> None:
    out = tmp_path / f"figure{suffix}"
    src = str(resource_path("templates", "lenet5.json"))
    argv = ["export", src, "-o", str(out), option, *([value] if value is not None else [])]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()
