"""Desktop integration files: .desktop entry, AppStream metainfo, MIME type, PyInstaller spec."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
APP_ID = "org.cnndesigner.CNNDesigner"


def test_desktop_entry() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(PACKAGING / "linux" / f"{APP_ID}.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "cnn-designer" and "%f" in entry["Exec"]
    assert entry["Icon"] == APP_ID
    assert "application/x-cnn-designer+json;" in entry["MimeType"]
    assert entry["Categories"].endswith(";")


def test_metainfo_names_the_desktop_file_and_mime_type() -> None:
    root = ET.parse(PACKAGING / "linux" / f"{APP_ID}.metainfo.xml").getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"  # type: ignore[union-attr]
    assert root.find("provides/mediatype").text == "application/x-cnn-designer+json"  # type: ignore[union-attr]
    mime = ET.parse(PACKAGING / "linux" / f"{APP_ID}.mime.xml").getroot()
    ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
    assert mime.find(f"{ns}mime-type").get("type") == "application/x-cnn-designer+json"  # type: ignore[union-attr]


@pytest.mark.skipif(
    shutil.which("appstreamcli") is None,
    reason="appstreamcli is not installed (apt-get install appstream)",
)
def test_metainfo_is_valid_for_appstreamcli() -> None:
    result = subprocess.run(
        [
            "appstreamcli",
            "validate",
            "--no-net",
            str(PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_spec_bundles_resources_and_icons() -> None:
    spec = (PACKAGING / "cnn-designer.spec").read_text(encoding="utf-8")
    compile(spec, "cnn-designer.spec", "exec")  # syntax only; PyInstaller runs it
    assert '"designer/resources"' in spec
    assert "console=False" in spec
    assert "cnn-designer.ico" in spec and "cnn-designer.icns" in spec
    assert (PACKAGING / "cnn_designer_main.py").is_file()


def test_the_app_announces_the_same_desktop_file_id() -> None:
    source = (Path(__file__).resolve().parents[2] / "designer" / "ui" / "app.py").read_text(
        encoding="utf-8"
    )
    assert f'setDesktopFileName("{APP_ID}")' in source
