"""Copy the built front-end files from node_modules/ into src/openpcn/web/static/vendor/.

The web app serves only its own files (no CDN, so it runs offline and its CSP stays 'self'), and
the npm packages are installed by the set-up rather than committed; this script is the bridge.
Run after `npm ci --no-audit --no-fund`. It rewrites the vendor folder each time (idempotent).

Two adjustments are made to nhsuk-frontend (v10), both so it works under the app's CSP:
- its stylesheet points at absolute /assets/... images and at web fonts on assets.nhs.uk; the
  image URLs are made relative to the copied stylesheet and the @font-face rules are dropped
  (the licensed Frutiger font is not on npm; the design system falls back to Arial);
- its script is an ES module that the page must start with an inline script; it is wrapped
  into a classic script that marks <body> as supported and calls initAll() on DOMContentLoaded,
  so base.html loads it as an external file with `defer`.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "openpcn" / "web" / "static" / "vendor"

# (package, file inside the package, destination inside vendor/)
FILES: list[tuple[str, str, str]] = [
    ("htmx.org", "dist/htmx.min.js", "htmx.min.js"),
    ("leaflet", "dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet", "dist/leaflet.css", "leaflet/leaflet.css"),
    ("vega", "build/vega.min.js", "vega/vega.min.js"),
    ("vega-lite", "build/vega-lite.min.js", "vega-lite/vega-lite.min.js"),
    ("vega-embed", "build/vega-embed.min.js", "vega-embed/vega-embed.min.js"),
    # Vega's expression interpreter: charts evaluate expressions without eval (CSP).
    (
        "vega-interpreter",
        "build/vega-interpreter.min.js",
        "vega-interpreter/vega-interpreter.min.js",
    ),
    ("axe-core", "axe.min.js", "axe/axe.min.js"),
]
# Whole folders the copied stylesheets refer to.
FOLDERS: list[tuple[str, str, str]] = [
    ("leaflet", "dist/images", "leaflet/images"),
    ("nhsuk-frontend", "dist/nhsuk/assets", "nhsuk/assets"),
]
NHSUK_CSS = ("nhsuk-frontend", "dist/nhsuk/nhsuk-frontend.min.css", "nhsuk/nhsuk.min.css")
NHSUK_JS = ("nhsuk-frontend", "dist/nhsuk/nhsuk-frontend.min.js", "nhsuk/nhsuk.min.js")
LICENCES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "license")

FONT_FACE = re.compile(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}")
ABSOLUTE_ASSETS = re.compile(r"url\((['\"]?)/assets/")
ESM_EXPORT = re.compile(r"export\{[^}]*\};?(//# sourceMappingURL=[^\n]*)?\s*$")


class VendorError(Exception):
    """What went wrong and how to fix it, printed without a traceback."""


def source(package: str, relative: str) -> Path:
    """The file or folder inside an installed package, or a VendorError naming the fix."""
    path = NODE_MODULES / package / relative
    if not (NODE_MODULES / package).is_dir():
        raise VendorError(
            f"the npm package {package!r} is not installed in {NODE_MODULES}; "
            "run `npm ci --no-audit --no-fund` in the repository root first"
        )
    if not path.exists():
        raise VendorError(
            f"{path} is missing: the installed {package} does not match package-lock.json; "
            "run `npm ci --no-audit --no-fund` again"
        )
    return path


def installed_version(package: str) -> str:
    meta = json.loads((NODE_MODULES / package / "package.json").read_text(encoding="utf-8"))
    return str(meta["version"])


def nhsuk_css(text: str) -> str:
    """Drop the remote font faces and make the /assets/ image URLs relative to the CSS file."""
    text = FONT_FACE.sub("", text)
    text = ABSOLUTE_ASSETS.sub(r"url(\1assets/", text)
    if "assets.nhs.uk" in text:
        raise VendorError("nhsuk-frontend's CSS still refers to assets.nhs.uk after clean-up")
    return text


def nhsuk_js(text: str) -> str:
    """Turn the ES module bundle into a classic script that starts every component itself."""
    if re.search(r"(^|[;}])import[\s{*]", text):
        raise VendorError("nhsuk-frontend's bundle imports other modules; cannot wrap it")
    body, count = ESM_EXPORT.subn("", text)
    if count != 1 or "function initAll(" not in body:
        raise VendorError("nhsuk-frontend's bundle no longer ends in one export{...}; update me")
    return (
        "/* nhsuk-frontend, wrapped as a classic script by scripts/vendor_assets.py */\n"
        "(function(){\n" + body + "\n"
        "function start(){document.body.classList.add('js-enabled','nhsuk-frontend-supported');"
        "initAll();}\n"
        "if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',start);}"
        "else{start();}\n"
        "})();\n"
    )


def copy_licences(package: str, destination: Path) -> None:
    for name in LICENCES:
        path = NODE_MODULES / package / name
        if path.is_file():
            shutil.copyfile(path, destination / f"LICENSE-{package}")
            return


def vendor(target: Path = VENDOR) -> dict[str, str]:
    """Rebuild `target` from node_modules; returns {package: version} of what was copied."""
    if not NODE_MODULES.is_dir():
        raise VendorError(
            f"{NODE_MODULES} does not exist; run `npm ci --no-audit --no-fund` in {ROOT} first"
        )
    plan = [(pkg, source(pkg, rel), dest) for pkg, rel, dest in [*FILES, *FOLDERS]]
    css_src, js_src = source(*NHSUK_CSS[:2]), source(*NHSUK_JS[:2])
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for _package, path, dest in plan:
        out = staging / dest
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, out)
        else:
            shutil.copyfile(path, out)
    (staging / NHSUK_CSS[2]).write_text(
        nhsuk_css(css_src.read_text(encoding="utf-8")), encoding="utf-8"
    )
    (staging / NHSUK_JS[2]).write_text(
        nhsuk_js(js_src.read_text(encoding="utf-8")), encoding="utf-8"
    )
    packages = sorted({pkg for pkg, _, _ in [*FILES, *FOLDERS, NHSUK_CSS]})
    versions = {pkg: installed_version(pkg) for pkg in packages}
    licences = staging / "licences"
    licences.mkdir()
    for pkg in packages:
        copy_licences(pkg, licences)
    (staging / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=VENDOR, help="vendor folder to rebuild")
    args = parser.parse_args(argv)
    try:
        versions = vendor(args.target)
    except VendorError as error:
        print(f"vendor_assets: {error}", file=sys.stderr)
        return 1
    listed = ", ".join(f"{pkg} {version}" for pkg, version in versions.items())
    print(f"vendored into {args.target}: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
