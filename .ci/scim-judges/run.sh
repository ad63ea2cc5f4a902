#!/usr/bin/env bash
# Runs the identity providers' own SCIM test suites (../shared/judges/scim, read its
# README) against a running SCIM bridge, and fails when an assertion fails that is not
# on the list of known failures beside this script.
#
#   .ci/scim-judges/run.sh LABEL BASE_URL TOKEN
#
# LABEL names the bridge's configuration in the results and in known-failures.txt
# (`emulators`, `scim-app`). BASE_URL is the bridge's SCIM base (http://127.0.0.1:PORT/scim/v2).
#
# - Microsoft's SCIM reference collection, with newman (npm, pinned, installed into
#   $USER_PROVISIONER_CI_JUDGES_STATE, default /tmp/user-provisioner-ci-judges), every
#   folder but "Get Token" (it asks Microsoft's reference server for a token);
# - Okta's SCIM 2.0 spec test, with the project's own runner (okta_spec_runner.py: no
#   registry has a Runscope runner).
#
# Results go to $STATE/results/LABEL-*.{json,txt}; the summary lines say "A of B
# assertions pass", so the run's closing line stays the test runner's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LABEL="$1"
BASE_URL="$2"
TOKEN="$3"
JUDGES="${USER_PROVISIONER_SCIM_JUDGES:-$HERE/../../../shared/judges/scim}"
STATE="${USER_PROVISIONER_CI_JUDGES_STATE:-/tmp/user-provisioner-ci-judges}"
NEWMAN_VERSION=6.2.1
RESULTS="$STATE/results"
mkdir -p "$RESULTS"

[ -f "$JUDGES/microsoft-scim-reference-tests.postman.json" ] || {
  echo "no SCIM judges at $JUDGES (set USER_PROVISIONER_SCIM_JUDGES)" >&2; exit 1; }

if [ ! -x "$STATE/newman/node_modules/.bin/newman" ]; then
  command -v npm >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
  npm install --no-audit --no-fund --prefix "$STATE/newman" "newman@$NEWMAN_VERSION" \
    >"$STATE/npm.log" 2>&1 || { tail -20 "$STATE/npm.log" >&2; exit 1; }
fi

# The base URL in the collection's variables: {{Protocol}}://{{Server}}{{Port}}/{{Api}}.
if [[ ! "$BASE_URL" =~ ^(https?)://([^:/]+)(:[0-9]+)?/(.*)$ ]]; then
  echo "cannot read $BASE_URL as PROTOCOL://HOST[:PORT]/PATH" >&2; exit 1
fi
protocol="${BASH_REMATCH[1]}" server="${BASH_REMATCH[2]}" port="${BASH_REMATCH[3]}" api="${BASH_REMATCH[4]}"

"$STATE/newman/node_modules/.bin/newman" run "$JUDGES/microsoft-scim-reference-tests.postman.json" \
  --env-var "Protocol=$protocol" --env-var "Server=$server" --env-var "Port=$port" \
  --env-var "Api=$api" --env-var "token=$TOKEN" \
  --folder "Endpoint tests" --folder "User tests" --folder "Group tests" \
  --folder "ComplexAttribute tests" --folder "User tests with garbage" \
  --folder "Group tests with garbage" --folder "Teardown garbage" \
  --reporters json --reporter-json-export "$RESULTS/$LABEL-microsoft.json" \
  >"$RESULTS/$LABEL-microsoft.log" 2>&1 || true # failures are judged below, not by newman's exit
python3 "$HERE/okta_spec_runner.py" "$JUDGES/okta-scim-2.0-spec-test.json" "$BASE_URL" "$TOKEN" \
  "$RESULTS/$LABEL-okta.json" >"$RESULTS/$LABEL-okta.log"

python3 - "$LABEL" "$RESULTS" "$HERE/known-failures.txt" <<'EOF'
import json, sys
label, results, known_path = sys.argv[1:4]

with open(f"{results}/{label}-microsoft.json", encoding="utf-8") as file:
    run = json.load(file)["run"]
failed = []
total = 0
for execution in run["executions"]:
    request = execution["item"]["name"]
    for assertion in execution.get("assertions") or []:
        total += 1
        if assertion.get("error"):
            failed.append(f"microsoft: {request}: {assertion['assertion']}")
with open(f"{results}/{label}-okta.json", encoding="utf-8") as file:
    okta = json.load(file)
okta_failed = [f"okta: {r['id']}" for r in okta if not r["passed"]]
steps = {r["id"].split(":")[0] for r in okta}
steps_failed = {r["id"].split(":")[0] for r in okta if not r["passed"]}

known = set()
with open(known_path, encoding="utf-8") as file:
    for line in file:
        line = line.rstrip("\n")
        if line and not line.startswith("#"):
            known_label, _, name = line.partition("\t")
            if known_label == label:
                known.add(name)

failures = failed + okta_failed
with open(f"{results}/{label}-failures.txt", "w", encoding="utf-8") as file:
    file.writelines(f"{label}\t{name}\n" for name in failures)
print(f"SCIM judges over {label}: Microsoft's collection {total - len(failed)} of {total} assertions pass; "
      f"Okta's spec test {len(steps) - len(steps_failed)} of {len(steps)} checks pass "
      f"({len(okta) - len(okta_failed)} of {len(okta)} assertions)")
new = [name for name in failures if name not in known]
mended = sorted(known - set(failures))
for name in mended:
    print(f"  passes now (take it off known-failures.txt): {name}")
for name in new:
    print(f"  FAILS and is not a known failure: {name}")
sys.exit(1 if new else 0)
EOF
