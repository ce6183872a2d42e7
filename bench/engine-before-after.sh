#!/usr/bin/env bash
# Time the engine users run, before and after a change, side by side on this machine:
# the bundled default scenario (run, and stress with 40 paths on one thread) and a
# 100,000-account cascade, each with the binary built at BASE (default: the given git
# ref) and at the working tree. Usage: bench/engine-before-after.sh BASE_REF [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
base_ref=${1:?usage: bench/engine-before-after.sh BASE_REF [REPEATS]}
repeats=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The base checkout and its build are kept between runs (a second run rebuilds nothing).
cache=${FAULTLINE_BENCH_CACHE:-${HOME:-/tmp}/.cache/faultline-bench}/$(git rev-parse --short "$base_ref")
if [ ! -d "$cache/src" ]; then
  mkdir -p "$cache"
  git worktree add --detach "$cache/src" "$base_ref" >/dev/null
fi
(cd "$cache/src" && cargo build --release -q -p faultline-cli --target-dir "$cache/target")
cargo build --release -q -p faultline-cli
# Each binary reads the default scenario as its own commit bundled it (the file format
# moved to schema 2 at e77d80b; the venue it describes did not change), and a 100,000-
# account, 5-block cascade made from it.
big() {
  sed -e 's/count = 4000/count = 100000/' -e 's/^blocks = 900 .*/blocks = 5/' \
      -e 's/^duration_s = 1800 .*/duration_s = 10/' \
      -e 's/block = 300, fraction/block = 3, fraction/' "$1" > "$2"
}
big "$cache/src/scenarios/default.toml" "$work/big-base.toml"
big scenarios/default.toml "$work/big-new.toml"

# Wall time of one run of a command writing to OUT (removed first, so no run resumes or
# refuses another's directory), in seconds. A failing run stops the script.
once() {
  local out=$1; shift
  rm -rf "$out"
  local t0 t1
  t0=$(date +%s.%N); "$@" --out "$out" >/dev/null; t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }

# Base and working tree alternate, run by run, so drift in the machine's state (caches,
# frequency, other load) falls on both alike; the median of REPEATS runs is reported.
base_bin="$cache/target/release/faultline"
new_bin=target/release/faultline
declare -A times
for _ in $(seq "$repeats"); do
  for label in base new; do
    if [ $label = base ]; then bin=$base_bin; default=$cache/src/scenarios/default.toml
    else bin=$new_bin; default=scenarios/default.toml; fi
    times[run_$label]+="$(once "$work/run-$label" "$bin" run) "
    times[stress_$label]+="$(once "$work/stress-$label" "$bin" stress "$default" --paths 40 --threads 1) "
    times[big_$label]+="$(once "$work/big-$label" "$bin" run "$work/big-$label.toml") "
  done
done
for k in "${!times[@]}"; do
  declare "$k=$(tr ' ' '\n' <<<"${times[$k]}" | grep . | median)"
done

printf '| workload | %s | working tree |\n|---|---:|---:|\n' "$base_ref"
printf '| `faultline run` (default, with report) | %s s | %s s |\n' "$run_base" "$run_new"
printf '| `faultline stress scenarios/default.toml --paths 40 --threads 1` | %s s | %s s |\n' "$stress_base" "$stress_new"
printf '| 100,000-account cascade (`faultline run`, 5 blocks) | %s s | %s s |\n' "$big_base" "$big_new"
# Instructions (callgrind counts them exactly, whatever else the machine does).
if command -v valgrind >/dev/null; then
  for label in base new; do
    if [ $label = base ]; then bin=$base_bin; default=$cache/src/scenarios/default.toml
    else bin=$new_bin; default=scenarios/default.toml; fi
    rm -rf "$work/cg-$label"
    n=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" stress "$default" \
        --paths 4 --threads 1 --out "$work/cg-$label" 2>&1 | sed -n 's/.*Collected : //p')
    declare "ins_$label=$n"
  done
  printf '| instructions, `stress scenarios/default.toml --paths 4 --threads 1` (callgrind) | %s | %s |\n' "$ins_base" "$ins_new"
fi
# The same bytes: the engine's outputs must not change (a file only one side writes is
# a change of output format, named as such).
for f in summary.json timeline.csv markets.csv events.jsonl; do
  if [ -e "$work/run-base/$f" ] && [ -e "$work/run-new/$f" ]; then
    cmp -s "$work/run-base/$f" "$work/run-new/$f" && echo "default run: $f identical" || echo "default run: $f DIFFERS"
  elif [ -e "$work/run-base/$f" ] || [ -e "$work/run-new/$f" ]; then
    echo "default run: $f written by one side only (output format changed)"
  fi
done
for f in paths.csv distribution.json; do
  cmp -s "$work/stress-base/$f" "$work/stress-new/$f" && echo "stress: $f identical" || echo "stress: $f DIFFERS"
done
