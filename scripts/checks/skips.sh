#!/usr/bin/env bash
# Counts and names the tests the last Maven run skipped, from every module's Surefire and Failsafe reports
# (target/surefire-reports, target/failsafe-reports, target/fuzz-reports), one line each with its reason.
# In CI (CI=true) a skip that names no missing tool already failed its test (org.odf2nna.testing.SkipPolicy); this
# prints what was skipped for a missing tool, so that a run that tested less says so at its end.
#
#     bash scripts/checks/skips.sh          (.ci/run runs it after ./mvnw -B verify)
set -uo pipefail
cd "$(dirname "$0")/../.."
shopt -s nullglob
reports=(*/target/surefire-reports/TEST-*.xml */target/failsafe-reports/TEST-*.xml */target/fuzz-reports/TEST-*.xml)
skipped=$(awk '
  /<testcase / {
    name = ""; cls = ""
    if (match($0, /name="[^"]*"/)) name = substr($0, RSTART + 6, RLENGTH - 7)
    if (match($0, /classname="[^"]*"/)) cls = substr($0, RSTART + 11, RLENGTH - 12)
  }
  /<skipped/ {
    reason = ""
    if (match($0, /message="[^"]*"/)) reason = substr($0, RSTART + 9, RLENGTH - 10)
    else if (match($0, /CDATA\[[^:]*: /)) reason = substr($0, RSTART + RLENGTH)
    print "  " cls " " name ": " (reason == "" ? "(no reason given)" : reason)
  }' "${reports[@]}" /dev/null | sort -u)
count=0
[ -n "$skipped" ] && count=$(printf '%s\n' "$skipped" | wc -l)
echo "Skipped tests: $count (in ${#reports[@]} test reports)"
[ -n "$skipped" ] && printf '%s\n' "$skipped"
exit 0
