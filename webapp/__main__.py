"""``python -m webapp build|serve``: build the static site, serve it on localhost."""

import argparse
import os
import sys
from pathlib import Path

from . import REPO_ROOT, WebappError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build the site into a folder (default: dist)")
    build.add_argument("--out", type=Path, default=Path("dist"), help="output folder (replaced; default: dist)")
    build.add_argument("--pyodide-packages", type=Path, metavar="DIR",
                       default=os.environ.get("INKCALC_PYODIDE_PACKAGES") or None,
                       help="an unpacked official Pyodide release to take numpy / scikit-image wheels from "
                            "(default: $INKCALC_PYODIDE_PACKAGES)")
    build.add_argument("--download-packages", action="store_true",
                       help="download missing wheels from Pyodide's CDN (checked against the lock, cached)")
    build.add_argument("--runtime-cdn-packages", action="store_true",
                       help="if the wheels are unavailable, let the SITE load them from the CDN at run time "
                            "(not offline)")
    build.add_argument("--no-scientific-packages", action="store_true",
                       help="build without numpy / scikit-image: parse/evaluate only, no recognition")
    build.add_argument("--model", type=Path, metavar="DIR",
                       help="TF.js model folder with manifest.json (default: models/<current>/tfjs)")
    build.add_argument("--cache-dir", type=Path, default=REPO_ROOT / ".cache" / "pyodide-packages",
                       help="where verified Pyodide wheels are kept between builds")

    serve = commands.add_parser("serve", help="serve a built site on localhost")
    serve.add_argument("--dir", type=Path, default=Path("dist"), help="the built site (default: dist)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; service workers need localhost or https)")

    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            from .build import BuildOptions, build as run_build

            run_build(BuildOptions(
                out=args.out, pyodide_packages=args.pyodide_packages, download_packages=args.download_packages,
                runtime_cdn_packages=args.runtime_cdn_packages, scientific=not args.no_scientific_packages,
                model_dir=args.model, cache_dir=args.cache_dir))
        else:
            from .serve import serve as run_serve

            run_serve(args.dir, host=args.host, port=args.port)
    except WebappError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
