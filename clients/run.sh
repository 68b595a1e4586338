#!/usr/bin/env bash
# make clients: every client adapter through the whole catalog,
# CLIENTS_REPEAT times each, one JSON report per client in CLIENTS_OUT, then
# docs/clients.md (cmd/clients-table; it fails when a FAIL has no entry in
# clients/mechanisms.yaml). CLIENTS names the adapters to run.
set -uo pipefail
cd "$(dirname "$0")"
GO=${GO:-go}
CLIENTS=${CLIENTS:-apiserver-storage apiserver-cacher vitess gozero}
REPEAT=${CLIENTS_REPEAT:-3}
OUT=${CLIENTS_OUT:-out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

module_of() {
  case "$1" in
    apiserver-*) echo apiserver ;;
    vitess|gozero) echo . ;;
    *) echo "make clients: unknown client $1 (known: apiserver-storage apiserver-cacher vitess gozero)" >&2; return 1 ;;
  esac
}

header="$OUT/header.md"
{
  echo "# Real etcd clients through the catalog"
  echo
  echo "Written by \`make clients\` ($(date -u +%Y-%m-%d), CLIENTS_REPEAT=$REPEAT, $(${GO} version | cut -d' ' -f3)); do not edit by hand:"
  echo "the mechanism and issue columns come from \`clients/mechanisms.yaml\`. Each cell: verdict (FAIL or pass runs"
  echo "out of the judged runs) and recovery p50 / p99. Clients and versions: \`clients/doc.go\`."
  echo
  echo "| client | wall time of its catalog pass |"
  echo "|---|---|"
} >"$header"

reports=()
rc=0
for c in $CLIENTS; do
  mod=$(module_of "$c") || exit 2
  start=$(date +%s)
  (cd "$mod" && LEADERFAULT_CLIENT=$c LEADERFAULT_CLIENTS_REPEAT=$REPEAT LEADERFAULT_JSON="$OUT/$c.json" \
    $GO test -count=1 -timeout 0 -run '^TestCatalog$' -v . >"$OUT/$c.log" 2>&1)
  test_rc=$?
  wall=$(( $(date +%s) - start ))
  echo "make clients: $c: ${wall}s wall, go test exit $test_rc (FAILs are expected; log $OUT/$c.log)"
  echo "| $c | ${wall} s |" >>"$header"
  if [ -s "$OUT/$c.json" ]; then reports+=("$OUT/$c.json"); else echo "make clients: $c wrote no report" >&2; rc=1; fi
done
echo >>"$header"
echo "Runs at the profile each report records (profile, election_ms in the JSON)." >>"$header"
echo >>"$header"

[ ${#reports[@]} -gt 0 ] || exit 1
$GO run ./cmd/clients-table -mechanisms mechanisms.yaml -header "$header" -o ../docs/clients.md "${reports[@]}" || rc=1
exit $rc
