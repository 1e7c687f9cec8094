"""scripts/vendor_assets.py: the nhsuk-frontend adjustments that keep the app inside its CSP,
a clear message when npm has not been run, and an idempotent copy of a fake node_modules."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor_assets.py"


@pytest.fixture(scope="module")
def va() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_assets", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CSS = (
    "@font-face{font-family:Frutiger W01;src:url(https://assets.nhs.uk/fonts/a.woff2) "
    'format("woff2")}.nhsuk-icon{background:url(/assets/images/nhsuk-icon-cross.svg)}'
    ".b{background:url('/assets/images/x.svg')}body{font-family:Frutiger W01,Arial}"
)
ESM = (
    'const version="10.6.1";function isSupported(e=document.body){return!!e}'
    "function initAll(e={}){window.started=(window.started||0)+1}"
    "export{initAll,isSupported,version};//# sourceMappingURL=nhsuk-frontend.min.js.map\n"
)


def test_css_drops_remote_fonts_and_makes_icon_urls_relative(va: ModuleType) -> None:
    css = va.nhsuk_css(CSS)
    assert "assets.nhs.uk" not in css and "@font-face" not in css
    assert "url(assets/images/nhsuk-icon-cross.svg)" in css
    assert "url('assets/images/x.svg')" in css
    assert "font-family:Frutiger W01,Arial" in css


def test_module_bundle_becomes_a_classic_script_that_starts_itself(
    va: ModuleType, tmp_path: Path, needs: Callable[[bool, str, str], None]
) -> None:
    script = va.nhsuk_js(ESM)
    assert "export{" not in script
    # Run it as a classic script in Node with a minimal document: initAll runs exactly once.
    harness = tmp_path / "run.js"
    harness.write_text(
        "const classes = new Set();\n"
        "globalThis.window = globalThis;\n"
        "globalThis.document = {readyState: 'interactive', body: {classList: "
        "{add: (...c) => c.forEach(x => classes.add(x))}}, addEventListener() {}};\n"
        f"{script}\n"
        "console.log(JSON.stringify({started: window.started, classes: [...classes].sort()}));\n",
        encoding="utf-8",
    )
    needs(shutil.which("node") is not None, "Node.js", "apt-get install -y nodejs npm")
    node = subprocess.run(["node", str(harness)], capture_output=True, text=True, check=False)
    assert node.returncode == 0, node.stderr
    assert json.loads(node.stdout) == {
        "started": 1,
        "classes": ["js-enabled", "nhsuk-frontend-supported"],
    }


def test_a_bundle_that_no_longer_ends_in_one_export_is_refused(va: ModuleType) -> None:
    with pytest.raises(va.VendorError, match="export"):
        va.nhsuk_js("function initAll(){}")


def test_missing_node_modules_names_the_command_to_run(
    va: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(va, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(va.VendorError, match="npm ci --no-audit --no-fund"):
        va.vendor(tmp_path / "vendor")


def _fake_node_modules(va: ModuleType, root: Path) -> None:
    """Every file and folder the script copies, with placeholder contents."""
    for package, relative, _ in [*va.FILES, *va.FOLDERS]:
        path = root / package / relative
        if (package, relative, _) in va.FOLDERS:
            path.mkdir(parents=True, exist_ok=True)
            (path / "icon.svg").write_text("<svg/>", encoding="utf-8")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"/* {package} */", encoding="utf-8")
    for package in {p for p, _, _ in [*va.FILES, *va.FOLDERS]}:
        (root / package / "package.json").write_text('{"version": "1.0.0"}', encoding="utf-8")
    (root / "nhsuk-frontend" / va.NHSUK_CSS[1]).write_text(CSS, encoding="utf-8")
    (root / "nhsuk-frontend" / va.NHSUK_JS[1]).write_text(ESM, encoding="utf-8")


def test_vendoring_twice_gives_the_same_folder(
    va: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(va, "NODE_MODULES", tmp_path / "node_modules")
    _fake_node_modules(va, tmp_path / "node_modules")
    target = tmp_path / "static" / "vendor"

    def snapshot() -> dict[str, bytes]:
        return {
            str(p.relative_to(target)): p.read_bytes() for p in target.rglob("*") if p.is_file()
        }

    versions = va.vendor(target)
    first = snapshot()
    (target / "stale.js").write_text("left over", encoding="utf-8")
    assert va.vendor(target) == versions
    assert snapshot() == first
    for path in ("htmx.min.js", "leaflet/leaflet.css", "axe/axe.min.js", "nhsuk/nhsuk.min.js"):
        assert path in first
    assert "nhsuk/assets/icon.svg" in first and "leaflet/images/icon.svg" in first
    assert json.loads(first["VERSIONS.json"])["nhsuk-frontend"] == "1.0.0"
