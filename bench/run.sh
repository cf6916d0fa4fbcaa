#!/usr/bin/env bash
# Runs the SAEF-vs-SunJSSE JMH benchmarks (src/test/java/dev/saef/bench).
#
#   bench/run.sh                                  # everything, defaults below
#   bench/run.sh EngineHandshake                  # one benchmark class (JMH regex)
#   bench/run.sh Bulk -p config=SAEF_PSK_GCM      # one configuration
#   bench/run.sh -l                               # list benchmarks
#   bench/run.sh -h                               # JMH help
#   bench/run.sh --compare                        # the SAEF-vs-SunJSSE ratio table (issue 10), < 10 min
#   bench/run.sh --compare --quick                # the same table from shorter runs, < 3 min
#   bench/run.sh --compare [--quick] --only heap   # only the rows whose label matches a regex
#
# --compare runs dev.saef.bench.CompareMain in one JVM (JMH forks 0): for every row the SAEF and the
# reference measurement alternate (round 1 SAEF first, round 2 the reference first, ...; full: 3 rounds
# of 2 s warm-up + 2 s measurement per side, median; --quick: 1 round of 1 s + 1 s). Rows: full and
# resumed handshakes/s on in-memory engines and on loopback sockets with TCP_NODELAY (SunJSSE TLS 1.2
# ECDHE-ECDSA P-256, jdk.tls.namedGroups=secp256r1), bulk MB/s per suite (GCM and CBC_SHA256 against
# SunJSSE's ECDHE-ECDSA suites, CCM_8 against OpenSSL's raw AES-128-CCM measured here with
# "openssl speed -evp aes-128-ccm" when openssl is on the PATH), two threads against one, 1 000
# concurrent loopback socket handshakes (p99 latency and handshakes/s; a warm-up round per side, then
# SAEF, SunJSSE, SAEF, SunJSSE, median; --quick one round each), heap per idle
# TLS engine pair (10 000 pairs; --quick 2 000), and DTLS PSK CCM_8 against Californium Scandium
# (handshakes/s and bulk over loopback UDP, heap and threads per idle server session at 10 000
# sessions; --quick 1 000). It prints a Markdown table with the machine (CPU, cores, JDK, load
# average) in its header, also saved as target/compare.md. "--only REGEX" (after --compare/--quick)
# measures only the rows whose label matches REGEX, case-insensitive (e.g. "heap", "bulk", "DTLS"). The
# heap rows: one 32-byte record each way after the handshake, and one 16 KiB record each way. Other
# arguments are ignored in this mode;
# BENCH_JAVA_OPTS applies (the whole comparison runs in that one JVM).
#
# Defaults, chosen for a small, shared (noisy) machine: -f 1 -wi 5 -w 3s -i 5 -r 2s (a long warm-up:
# on 2 busy cores the handshake paths are still being JIT-compiled after 6-8 s), JSON results in
# target/jmh-results.json; a full run (47 trials: every class, every @Param combination) takes about
# 21 minutes; --compare (above) is the short way to the ratios. Any of these options given
# on the command line (as its own word followed by the value, e.g. "-i 10") replaces the default; all
# other arguments go to JMH unchanged. The run uses a private copy of target/classes and
# target/test-classes, so rebuilding the project meanwhile is harmless.
# BENCH_JAVA_OPTS adds options for the JMH launcher JVM (forks get theirs from -jvmArgs...).
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf '[bench] %s\n' "$*" >&2; }

# mvn -q, minus the bare colour-reset codes this Maven prints even in batch mode.
mvn_quiet() {
    local out st=0
    out="$(mvn -B -q "$@" 2>&1)" || st=$?
    out="$(printf '%s' "$out" | sed 's/\x1b\[[0-9;]*m//g')"
    if [[ -n "${out//[[:space:]]/}" ]]; then
        printf '%s\n' "$out" >&2
    fi
    return "$st"
}

COMPARE=""
COMPARE_ONLY=""
if [[ "${1:-}" == "--compare" ]]; then
    COMPARE=full
    shift
    if [[ "${1:-}" == "--quick" ]]; then
        COMPARE=quick
        shift
    fi
    if [[ "${1:-}" == "--only" ]]; then
        COMPARE_ONLY="${2:?--only needs a regular expression}"
    fi
    set --
fi

log "building test classes"
if ! mvn_quiet -o test-compile; then
    log "offline build failed; retrying online"
    mvn_quiet test-compile
fi

CP_FILE=target/bench-classpath.txt
if ! mvn_quiet -o dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test; then
    log "offline classpath failed; retrying online"
    mvn_quiet dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
fi
CP="$(cat "$CP_FILE")"

has_opt() {
    local want="$1" a
    for a in "${ARGS[@]+"${ARGS[@]}"}"; do
        if [[ "$a" == "$want" || "$a" == "$want="* ]]; then
            return 0
        fi
    done
    return 1
}

ARGS=("$@")
DEFAULTS=()
add_default() { # option value
    if ! has_opt "$1"; then
        DEFAULTS+=("$1" "$2")
    fi
}
add_default -f 1
add_default -wi 5
add_default -w 3s
add_default -i 5
add_default -r 2s
add_default -rf json
RESULTS_DEFAULT=0
if ! has_opt -rff; then
    RESULTS_DEFAULT=1 # written inside the snapshot dir, copied to target/ at the end
fi

# Run from a private copy of the compiled classes: a rebuild or "mvn clean" in the working tree
# during a long run must not pull classes from under the JMH forks (each fork re-reads them).
SNAP="$(mktemp -d "${TMPDIR:-/tmp}/saef-bench.XXXXXX")"
trap 'rm -rf "$SNAP"' EXIT
cp -r target/classes "$SNAP/classes"
cp -r target/test-classes "$SNAP/test-classes"
if git rev-parse --git-dir >/dev/null 2>&1; then
    log "source: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src/main 2>/dev/null || echo ' + uncommitted changes in src/main')"
fi

if [[ -n "$COMPARE" ]]; then
    OPENSSL_CCM=""
    ccm_row="bulk MB/s, AES_128_CCM_8, 16 KiB records" # CompareMain's label of the one row that needs OpenSSL
    if [[ -n "$COMPARE_ONLY" ]] && ! grep -qiE -- "$COMPARE_ONLY" <<<"$ccm_row"; then
        log "--only $COMPARE_ONLY: no OpenSSL CCM reference needed"
    elif command -v openssl >/dev/null 2>&1; then
        secs=3
        [[ "$COMPARE" == quick ]] && secs=1
        log "openssl speed -evp aes-128-ccm -bytes 16384 -seconds $secs ($(openssl version))"
        # last line: "AES-128-CCM  1041444.14k" (1000s of bytes per second) -> MB/s
        OPENSSL_CCM="$(openssl speed -evp aes-128-ccm -bytes 16384 -seconds "$secs" 2>/dev/null \
            | awk 'tolower($1) == "aes-128-ccm" { v = $NF; sub(/k$/, "", v); printf "%.1f", v / 1000 }')"
        log "OpenSSL raw AES-128-CCM: ${OPENSSL_CCM:-?} MB/s"
    else
        log "openssl not found: the CCM_8 row gets no reference"
    fi
    SOURCE="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    git diff --quiet HEAD -- src 2>/dev/null || SOURCE="$SOURCE + uncommitted changes"
    mkdir -p target
    status=0
    # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of words on purpose
    java -Xms1g -Xmx4g -Djdk.tls.namedGroups=secp256r1 -Dslf4j.internal.verbosity=ERROR -Dsaef.compare.opensslCcm="$OPENSSL_CCM" \
        -Dsaef.compare.only="$COMPARE_ONLY" \
        -Dsaef.compare.source="$SOURCE" ${BENCH_JAVA_OPTS:-} \
        -cp "$SNAP/test-classes:$SNAP/classes:$CP" dev.saef.bench.CompareMain "$COMPARE" \
        | tee target/compare.md || status=$?
    exit "$status"
fi

if [[ $RESULTS_DEFAULT == 1 ]]; then
    DEFAULTS+=(-rff "$SNAP/jmh-results.json")
fi
log "java ${BENCH_JAVA_OPTS:-} org.openjdk.jmh.Main ${DEFAULTS[*]} ${ARGS[*]+"${ARGS[*]}"}"
status=0
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of words on purpose
java ${BENCH_JAVA_OPTS:-} -cp "$SNAP/test-classes:$SNAP/classes:$CP" org.openjdk.jmh.Main \
    "${DEFAULTS[@]}" "${ARGS[@]+"${ARGS[@]}"}" || status=$?
if [[ $RESULTS_DEFAULT == 1 && -f "$SNAP/jmh-results.json" ]]; then
    mkdir -p target
    cp "$SNAP/jmh-results.json" target/jmh-results.json
    log "results: target/jmh-results.json"
fi
exit "$status"
