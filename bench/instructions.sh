#!/usr/bin/env bash
# bench/instructions.sh -- instructions per point update, counted by valgrind's
# callgrind: repeatable on a shared, noisy machine where timings are not, and
# readable where the cycle counter is not (this project's VMs).
#
#   bench/instructions.sh [BUILD_DIR] [N]     (defaults: build, 200)
#
# Runs BUILD_DIR/src/apps/hpcffi-heat on an N x N field on 1 thread, for 8 and
# for 72 steps, under callgrind, for each ISA variant valgrind can run
# (baseline, avx2: valgrind 3.19 has no AVX-512) and each multi-step path
# (plain, blocked); prints (instructions(72) - instructions(8)) / (64 steps x
# interior points), so start-up and the driver's own work cancel out. Not a
# test: it takes about a minute. Compare two commits by running it on two
# build directories.
set -euo pipefail

build="${1:-build}"
n="${2:-200}"
driver="$build/src/apps/hpcffi-heat"
if [[ ! -x "$driver" ]]; then
  echo "instructions.sh: $driver not found (build first: cmake --build $build)" >&2
  exit 2
fi
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind not found (apt-get install valgrind)" >&2; exit 2; }

count() {  # isa path steps -> instructions collected
  HPCFFI_ISA="$1" HPCFFI_HEAT_KERNEL="$2" OMP_NUM_THREADS=1 \
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$driver" --nx "$n" --ny "$n" --steps "$3" --threads 1 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

points=$(( (n - 2) * (n - 2) * 64 ))
printf '%-9s %-8s %s\n' variant path "instructions/point ($n x $n, 1 thread)"
for isa in baseline avx2; do
  for path in plain blocked; do
    short=$(count "$isa" "$path" 8)
    long=$(count "$isa" "$path" 72)
    if [[ -z "$short" || -z "$long" ]]; then
      printf '%-9s %-8s %s\n' "$isa" "$path" "not run (variant missing from this build?)"
      continue
    fi
    awk -v a="$short" -v b="$long" -v p="$points" -v isa="$isa" -v path="$path" \
      'BEGIN { printf "%-9s %-8s %.2f\n", isa, path, (b - a) / p }'
  done
done
