#!/usr/bin/env bash
# Coverage-guided fuzzing campaign (Jazzer, issue 7): runs each @FuzzTest target in fuzzing mode, one
# after the other, and prints a table row per target (executions, time, exec/s, coverage, findings).
#
#   fuzz/run.sh                      # every target
#   fuzz/run.sh HandshakeFuzzTest#handshake AssociationTableFuzzTest#table
#
# Settings (environment):
#   FUZZ_RUNS=1000000    executions per target (jazzer.max_executions, i.e. libFuzzer -runs)
#   FUZZ_TIME=10m        time limit per target (jazzer.max_duration); whichever comes first ends it
#   FUZZ_NICE=10         nice level (the machine is shared)
#   FUZZ_TOLERATE=...    '|'-separated texts of findings already reported and not fixed yet: such a
#                        finding is logged as KNOWN FINDING and the campaign goes on (see KnownFindings)
#   FUZZ_PROMOTE=0       1: copy up to FUZZ_PROMOTE_MAX (default 100) of the smallest new corpus entries
#                        into the committed regression corpus (src/test/resources/.../<Class>Inputs/<method>)
#   JAVA_HOME            the JDK to fuzz on (Maven uses it)
#
# Where things go: the generated corpus in .cifuzz-corpus/<package>.<Class>/<method>/ (not committed);
# a finding (crash, unexpected exception, failed oracle, timeout) stops that target and Jazzer writes its
# input as crash-<sha1> (or timeout-<sha1>) into src/test/resources/<package>/<Class>Inputs/<method>/,
# where `mvn test` replays it: fix the bug (the input is its regression test) or move it to
# fuzz/findings/ with a report. Logs: target/fuzz/<target>.log; summary: target/fuzz/summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS=(
  dev.saef.jsse.RecordLayerFuzzTest#engine
  dev.saef.jsse.RecordLayerFuzzTest#socket
  dev.saef.jsse.HandshakeFuzzTest#handshake
  dev.saef.protocol.ClientHelloInspectorFuzzTest#inspect
  dev.saef.protocol.DatagramQueueFuzzTest#renumber
  dev.saef.protocol.StatelessHelloCheckFuzzTest#check
  dev.saef.config.AssociationTableFuzzTest#table
  dev.saef.keys.KeyStoreFuzzTest#keyStore
)
# Findings reported but not fixed yet go here ('|'-separated message texts; see fuzz/findings/README.md).
# None open: the six from the first campaigns are fixed and their inputs replay in `mvn test`.
DEFAULT_TOLERATE=''

RUNS=${FUZZ_RUNS:-1000000}
TIME=${FUZZ_TIME:-10m}
NICE=${FUZZ_NICE:-10}
TOLERATE=${FUZZ_TOLERATE-$DEFAULT_TOLERATE}
PROMOTE=${FUZZ_PROMOTE:-0}
PROMOTE_MAX=${FUZZ_PROMOTE_MAX:-100}

targets=()
if [ $# -eq 0 ]; then
  targets=("${ALL_TARGETS[@]}")
else
  for a in "$@"; do
    found=
    for t in "${ALL_TARGETS[@]}"; do
      case "$t" in *".$a"|"$a") targets+=("$t"); found=1 ;; esac
    done
    [ -n "$found" ] || { echo "unknown target $a; known: ${ALL_TARGETS[*]}" >&2; exit 2; }
  done
fi

mkdir -p target/fuzz
summary=target/fuzz/summary.md
[ -f "$summary" ] || printf '| target | executions | time (s) | exec/s | cov | ft | corpus | findings |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n' > "$summary"

mvn -q -o -DskipTests test-compile 2>/dev/null || mvn -q -DskipTests test-compile

for t in "${targets[@]}"; do
  class=${t%#*}
  method=${t#*#}
  simple=${class##*.}
  pkgdir=$(dirname "${class//.//}")
  inputs="src/test/resources/$pkgdir/${simple}Inputs/$method"
  corpus=".cifuzz-corpus/$class/$method"
  mkdir -p "$inputs"
  before=$(ls "$inputs" | sort)
  instrument='dev.saef.**'
  excludes=''
  case "$class" in
    dev.saef.jsse.*|dev.saef.protocol.StatelessHelloCheckFuzzTest)
      # Bouncy Castle's DTLSVerifier parses the ClientHello: its coverage guides the fuzzer into valid shapes
      instrument='dev.saef.**,org.bouncycastle.tls.**'; excludes='org.bouncycastle.tls.crypto.impl.bc.**' ;;
  esac
  log="target/fuzz/$simple-$method.log"
  echo "== fuzzing $simple#$method: up to $RUNS executions or $TIME (log $log)"
  start=$(date +%s)
  set +e
  JAZZER_FUZZ=1 nice -n "$NICE" mvn -o surefire:test -Dtest="$simple#$method" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.hooks=true -Djazzer.max_executions="$RUNS" -Djazzer.max_duration="$TIME" -Djazzer.instrument="$instrument" \
    ${excludes:+-Djazzer.instrumentation_excludes="$excludes"} -Dsaef.fuzz.tolerate="$TOLERATE" > "$log" 2>&1
  rc=$?
  set -e
  end=$(date +%s)
  out="target/surefire-reports/$class-output.txt"
  [ -f "$out" ] && cat "$out" >> "$log"
  stats=$(grep -aE '^#[0-9]+' "$log" | tail -1)
  execs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(echo "$stats" | sed -n 's/^#\([0-9]*\).*/\1/p')
  cov=$(echo "$stats" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$stats" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$stats" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
  secs=$((end - start))
  rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
  known=$(grep -ac 'KNOWN FINDING' "$log" || true)
  new=$(comm -13 <(echo "$before") <(ls "$inputs" | sort) | tr '\n' ' ')
  findings="none"
  if [ -n "${new// /}" ]; then
    findings="NEW: $new(in $inputs)"
  elif [ "$rc" -ne 0 ]; then
    findings="run failed (rc $rc), see $log"
  fi
  [ "$known" -gt 0 ] && findings="$findings; $known known (tolerated)"
  row="| $simple#$method | ${execs:-?} | $secs | $rate | ${cov:-?} | ${ft:-?} | ${corp:-?} | $findings |"
  echo "$row" | tee -a "$summary"
  if [ "$PROMOTE" = 1 ] && [ -d "$corpus" ]; then
    # the smallest entries first; only those that pass strictly (a tolerated known finding would fail CI)
    cp_file=target/fuzz/test-classpath.txt
    [ -f "$cp_file" ] || mvn -q -o dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >/dev/null
    cp="target/test-classes:target/classes:$(cat "$cp_file")"
    candidates=$(ls -S -r "$corpus" | head -n "$((PROMOTE_MAX * 2))" | sed "s|^|$corpus/|")
    n=0
    if [ -n "$candidates" ]; then
      for f in $(java -cp "$cp" dev.saef.fuzz.Replay "$class" "$method" $candidates 2>/dev/null | sed -n 's/^PASS //p' | head -n "$PROMOTE_MAX"); do
        cp "$f" "$inputs/corpus-$(basename "$f")"
        n=$((n + 1))
      done
    fi
    echo "   promoted $n corpus entries (passing strictly) into $inputs"
  fi
done
