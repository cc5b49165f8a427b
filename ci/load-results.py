#!/usr/bin/env python3
"""Prints a table of a load-test run's results (default: results/latest).

Reads the JSON reports the suites write (LOADGATE_REPORT_DIR), with the SLO
verdicts EXPECT_SLO keeps in them, and the GoogleTest XML beside them: a test
that failed is FAIL, whatever failed in it.

  ci/load-results.py [RUN_DIR]
"""
import glob
import json
import os
import sys
import xml.etree.ElementTree as ElementTree


def verdicts(run_dir):
    """Maps report stems ("Presets_DbApiLoad.MeetsSlos_rps_100") to PASS/FAIL."""
    result = {}
    for path in glob.glob(os.path.join(run_dir, "*.xml")):
        if path.endswith(".slo.xml"):  # one case per objective, not per test
            continue
        for case in ElementTree.parse(path).iter("testcase"):
            stem = (case.get("classname", "") + "." + case.get("name", "")).replace("/", "_")
            if case.find("failure") is not None or case.find("error") is not None:
                result[stem] = "FAIL"
            elif case.get("result") == "skipped" or case.find("skipped") is not None:
                result[stem] = "SKIP"
            else:
                result[stem] = "PASS"
    return result


def main():
    run_dir = sys.argv[1] if len(sys.argv) > 1 else "results/latest"
    reports = []
    for path in sorted(glob.glob(os.path.join(run_dir, "*.json"))):
        try:
            with open(path) as report_file:
                document = json.load(report_file)
        except (OSError, ValueError) as error:
            print(f"{path}: not a readable JSON report ({error}); left out", file=sys.stderr)
            continue
        if "schema_version" in document:  # a run report, not a summary
            reports.append((path, document))
    if not reports:
        print(f"no JSON reports in {run_dir} (run a make load-test-* target first)", file=sys.stderr)
        return 1
    slo = verdicts(run_dir)
    header = ("test", "requests", "rps", "p50 ms", "p95 ms", "p99 ms", "errors", "SLOs")
    rows = []
    for path, document in reports:
        stem = os.path.splitext(os.path.basename(path))[0]
        summary = document["summary"]
        slos = document.get("slos", [])
        verdict = slo.get(stem, "?")
        if slos:
            passed = sum(1 for objective in slos if objective["passed"])
            verdict = f"{verdict} {passed}/{len(slos)}"
        latency = summary.get("latency_ms", {})
        rows.append((
            stem.replace("Presets_", "", 1),
            str(summary["requests"]),
            f"{summary['achieved_rps']:.1f}",
            f"{latency.get('p50', 0):.1f}",
            f"{latency.get('p95', 0):.1f}",
            f"{latency.get('p99', 0):.1f}",
            f"{summary['errors']} ({summary['error_rate'] * 100:.2f} %)",
            verdict,
        ))
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    print(f"results: {os.path.realpath(run_dir)}")
    for row in [header] + rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        print("  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
