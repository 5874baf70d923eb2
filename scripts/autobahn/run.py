"""Runs the Autobahn|Testsuite fuzzingclient cases (through kosoku) against a WebSocket URL,
writes the Autobahn-format report, and sums the verdicts up.

Called by scripts/autobahn.sh, which builds and starts the server; usable alone against any
running echo endpoint:

    python3 scripts/autobahn/run.py ws://127.0.0.1:9001/ws/echo --out target/autobahn

Verdicts. kosoku judges each case twice, like Autobahn: `behavior` (the messages) and
`behaviorClose` (the closing handshake). A case's overall verdict is the worse of the two:

    failed         behavior FAILED/ERROR, or behaviorClose FAILED/UNCLEAN/WRONG CODE/FAILED BY CLIENT
    unimplemented  behavior UNIMPLEMENTED
    non-strict     either NON-STRICT (conformant, misses a SHOULD)
    informational  either INFORMATIONAL (the spec leaves it open)
    passed         both OK

One exception, documented in docs/security-inputs.md: the 9.* "limits/performance" cases send
messages of up to 16 MiB, and our sockets refuse anything over 64 KiB (MAX_CLIENT_FRAME_BYTES)
by design. Such a case cannot get its echo, so Autobahn calls it FAILED; when the server refused
it the right way, with close code 1009 (Message Too Big), it is counted as `refused-by-limit`
(expected) instead. A 9.* case refused any other way (a dropped TCP connection, another code)
stays `failed`.

Exit status: 0 when no case outside 12.*/13.* (compression) failed, 1 otherwise, 2 on usage or
runner errors.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import importlib.metadata
import json
import sys
from pathlib import Path

import kosoku
from kosoku._report import write_reports  # what `kosoku -o` uses; pinned by autobahn.sh

FAILED_BEHAVIOR = {"FAILED", "ERROR"}
FAILED_CLOSE = {"FAILED", "UNCLEAN", "WRONG CODE", "FAILED BY CLIENT"}
ORDER = ["passed", "non-strict", "informational", "failed", "unimplemented", "refused-by-limit"]
#: RFC 6455 7.4.1: "the message it received is too big for it to process".
MESSAGE_TOO_BIG = 1009


def verdict(case) -> str:
    behavior = case.behavior.value
    close = case.behavior_close.value
    if case.case_id.startswith("9.") and case.remote_close_code == MESSAGE_TOO_BIG:
        return "refused-by-limit"
    if behavior in FAILED_BEHAVIOR or close in FAILED_CLOSE:
        return "failed"
    if behavior == "UNIMPLEMENTED":
        return "unimplemented"
    if "NON-STRICT" in (behavior, close):
        return "non-strict"
    if "INFORMATIONAL" in (behavior, close):
        return "informational"
    return "passed"


def case_key(case_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in case_id.split("."))


def describe(case) -> dict:
    return {
        "case": case.case_id,
        "verdict": verdict(case),
        "behavior": case.behavior.value,
        "behaviorClose": case.behavior_close.value,
        "result": case.result,
        "resultClose": case.result_close,
        "remoteCloseCode": case.remote_close_code,
        "localCloseCode": case.local_close_code,
        "wasClean": case.was_clean,
        "droppedByMe": case.dropped_by_me,
        "description": " ".join(case.description.split())[:200],
    }


async def run(url: str, include: list[str] | None, exclude: list[str], parallelism: int):
    try:
        return await kosoku.run_fuzzingclient(url, include, exclude, concurrency=parallelism)
    except kosoku.FailureError as failure:  # some case did not pass: we judge them ourselves
        return failure.results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="WebSocket URL of the echo endpoint, e.g. ws://127.0.0.1:9001/ws/echo")
    parser.add_argument("--out", default="target/autobahn", help="report directory")
    parser.add_argument("-i", "--include", action="append", help="case id or glob (repeatable)")
    parser.add_argument(
        "-x", "--exclude", action="append", default=[], help="case id or glob to skip (repeatable)"
    )
    parser.add_argument("-p", "--parallelism", type=int, default=4)
    args = parser.parse_args()

    exclude = args.exclude or []
    results = asyncio.run(run(args.url, args.include, exclude, args.parallelism))
    if not results:
        print("autobahn: no case ran (check the URL and the case globs)", file=sys.stderr)
        return 2
    results = sorted(results, key=lambda c: case_key(c.case_id))

    out = Path(args.out)
    report_dir = out / "report"
    report_dir.mkdir(parents=True, exist_ok=True)
    write_reports(results, str(report_dir))

    cases = [describe(c) for c in results]
    counts = collections.Counter(c["verdict"] for c in cases)
    by_group: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for c in cases:
        by_group[c["case"].split(".")[0]][c["verdict"]] += 1
    failing = [c for c in cases if c["verdict"] == "failed"]
    # Compression (12.*, 13.*) is excluded by autobahn.sh; should it be run anyway, it never
    # fails the run: the server does not negotiate permessage-deflate.
    blocking = [c for c in failing if c["case"].split(".")[0] not in ("12", "13")]

    summary = {
        "url": args.url,
        "kosoku": importlib.metadata.version("kosoku"),
        "included": args.include,
        "excluded": exclude,
        "cases": len(cases),
        "counts": {name: counts.get(name, 0) for name in ORDER},
        "by_group": {g: dict(by_group[g]) for g in sorted(by_group, key=int)},
        "failed": failing,
        "refused_by_limit": [c["case"] for c in cases if c["verdict"] == "refused-by-limit"],
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    line = "autobahn: {n} cases: {passed} passed, {ns} non-strict, {info} informational, " \
           "{failed} failed, {unimpl} unimplemented; {limit} refused by the 64 KiB limit with 1009 " \
           "(9.*, expected)".format(
               n=len(cases),
               passed=counts["passed"],
               ns=counts["non-strict"],
               info=counts["informational"],
               failed=counts["failed"],
               unimpl=counts["unimplemented"],
               limit=counts["refused-by-limit"],
           )
    lines = [line, "", "by group (first number of the case id):"]
    for g in sorted(by_group, key=int):
        parts = ", ".join(f"{by_group[g][v]} {v}" for v in ORDER if by_group[g][v])
        lines.append(f"  {g}.*: {parts}")
    if failing:
        lines += ["", "failed cases:"]
        reasons = collections.defaultdict(list)
        for c in failing:
            close = "no close frame" if c["remoteCloseCode"] is None else f"close {c['remoteCloseCode']}"
            reasons[(c["behavior"], c["behaviorClose"], close, c["resultClose"] if c["behavior"] == "OK" else c["result"])].append(c["case"])
        for (behavior, close_verdict, close, why), ids in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            shown = " ".join(ids[:12]) + (f" … (+{len(ids) - 12})" if len(ids) > 12 else "")
            lines.append(f"  {len(ids):3} × behavior={behavior} close={close_verdict} ({close}): {why}")
            lines.append(f"        {shown}")
    lines += ["", f"report: {report_dir}/index.html (per case: {report_dir}/*.json)"]
    text = "\n".join(lines)
    (out / "summary.txt").write_text(text + "\n")
    print(text)
    return 1 if blocking else 0


if __name__ == "__main__":
    sys.exit(main())
