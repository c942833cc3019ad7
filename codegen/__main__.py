"""``python -m codegen [--check] [--schemas DIR] [--out DIR] [--compat-out DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .compat import check_compat, write_compat
from .generate import check, write

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
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
    if args.check:
        problems = check(args.schemas, args.out)
        problems += [f"compat: {p}" for p in check_compat(args.schemas, args.compat_out)]
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("generated code is out of date: run `nox -s generate`", file=sys.stderr)
            return 1
        print(f"{args.out} and {args.compat_out} are up to date")
        return 0
    write(args.schemas, args.out)
    print(f"generated {args.out} from {args.schemas}")
    write_compat(args.schemas, args.compat_out)
    print(f"generated {args.compat_out} from {args.schemas} (compat profile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
