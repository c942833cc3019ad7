"""``python -m codegen [--check] [--schemas DIR] [--out DIR] [--compat-out DIR]``.

Entries of ``codegen/*.yaml`` naming a kind, path or class the schemas do not have (an earlier
or later CRD release) are printed as ``warning: ...`` lines on stderr and left out; they never
change the exit code, with or without ``--check``: an older release regenerates and checks
clean, and a typo shows in the output with the nearest name that exists. (The project's own
tests require the committed schemas to give no warnings.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .compat import render_compat
from .generate import check_files, render, write_files

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--schemas", type=Path, default=ROOT / "schemas", help="CRD manifests")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "src" / "lscsde_sdk" / "_generated",
        help="generated package",
    )
    parser.add_argument(
        "--compat-out",
        type=Path,
        default=ROOT / "src" / "lscsde_workspace_mgmt" / "_generated",
        help="generated package of the compat profile (lscsde_workspace_mgmt)",
    )
    parser.add_argument(
        "--check", action="store_true", help="fail if regenerating would change anything"
    )
    args = parser.parse_args(argv)
    sdk = render(args.schemas)
    compat = render_compat(args.schemas)
    # Both profiles read class_names.yaml: each entry is reported once.
    for warning in dict.fromkeys((*sdk.warnings, *compat.warnings)):
        print(f"warning: {warning}", file=sys.stderr)
    if args.check:
        problems = check_files(sdk.files, args.out)
        problems += [f"compat: {p}" for p in check_files(compat.files, args.compat_out)]
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("generated code is out of date: run `nox -s generate`", file=sys.stderr)
            return 1
        print(f"{args.out} and {args.compat_out} are up to date")
        return 0
    write_files(sdk.files, args.out)
    print(f"generated {args.out} from {args.schemas}")
    write_files(compat.files, args.compat_out)
    print(f"generated {args.compat_out} from {args.schemas} (compat profile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
