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

rc=0
for c in $CLIENTS; do
  mod=$(module_of "$c") || exit 2
  start=$(date +%s)
  (cd "$mod" && LEADERFAULT_CLIENT=$c LEADERFAULT_CLIENTS_REPEAT=$REPEAT LEADERFAULT_JSON="$OUT/$c.json" \
    $GO test -count=1 -timeout 0 -run '^TestCatalog$' -v . >"$OUT/$c.log" 2>&1)
  test_rc=$?
  wall=$(( $(date +%s) - start ))
  echo "make clients: $c: ${wall}s wall, go test exit $test_rc (FAILs are expected; log $OUT/$c.log)"
  echo "| $c | ${wall} s | $REPEAT | $(date -u +%Y-%m-%d) |" >"$OUT/$c.wall"
  [ -s "$OUT/$c.json" ] || { echo "make clients: $c wrote no report" >&2; rc=1; }
done

# The table covers every client with a report in $OUT, so one client can be
# run again (CLIENTS=...) without losing the others.
header="$OUT/header.md"
reports=()
{
  echo "# Real etcd clients through the catalog"
  echo
  echo "Written by \`make clients\` ($(${GO} version | cut -d' ' -f3)); do not edit by hand: the mechanism, source and"
  echo "issue columns come from \`clients/mechanisms.yaml\`. Each cell: verdict (FAIL or pass runs out of the judged"
  echo "runs) and recovery p50 / p99. Clients, versions and how each is driven: \`clients/doc.go\`. Runs are at the"
  echo "profile each JSON report records (\`profile\`, \`election_ms\`)."
  echo "A FAIL row below with an empty mechanism is not explained yet: \`make clients\` exits 1 while one is."
  echo
  echo "| client | wall time of its catalog pass | repeat | date |"
  echo "|---|---|---|---|"
  for c in apiserver-storage apiserver-cacher vitess gozero; do
    [ -s "$OUT/$c.json" ] || continue
    reports+=("$OUT/$c.json")
    cat "$OUT/$c.wall" 2>/dev/null || echo "| $c | ? | ? | ? |"
  done
  echo
} >"$header"

[ ${#reports[@]} -gt 0 ] || exit 1
$GO run ./cmd/clients-table -mechanisms mechanisms.yaml -header "$header" -o ../docs/clients.md "${reports[@]}" || rc=1
exit $rc
