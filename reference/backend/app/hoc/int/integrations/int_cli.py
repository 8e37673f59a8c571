"""Internal CLI (contract §2): `demo` and `list-skills` only. It creates no runs."""

import argparse
import asyncio
import json
import sys

from app.skills import get_skill, list_skills, load_all_skills


def demo(quick: bool) -> None:
    load_all_skills()
    result = asyncio.run(get_skill("json_transform")().execute({"payload": {"hello": "world"}, "operation": "identity"}))
    print(f"json_transform identity: {json.dumps(result)}")
    if not quick:
        print("Try: python -m app.hoc.cus.integrations.cus_cli run --agent-id <id> --goal <goal> --tenant-id <tenant>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="int_cli", description="Internal CLI")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo").add_argument("--quick", action="store_true")
    sub.add_parser("list-skills").add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.quick)
    elif args.command == "list-skills":
        load_all_skills()
        print(json.dumps(list_skills(), indent=2) if args.json else "\n".join(s["name"] for s in list_skills()))
    else:
        parser.print_help()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
