#!/usr/bin/env bash
# cluster.sh setup|cleanup -- the ctest fixture around the `slurm` label.
#
# setup decides where the job tests submit and records it in $HPCFFI_TEST_SLURM_MODE_FILE:
#   remote  sbatch reaches a real cluster and HPCFFI_SLURM_PARTITION is set:
#           jobs go there (never any daemon started)
#   local   no cluster, and root: scripts/slurm-local.sh starts a throw-away one
#           in $HPCFFI_TEST_SLURM_DIR (SLURM_CONF points there)
#   skip    otherwise (a real cluster but no partition given, or not root): the
#           job tests exit 77, which ctest reports as skipped
# cleanup stops the local cluster (only the one in $HPCFFI_TEST_SLURM_DIR).
# The `multinode` label uses it too: HPCFFI_TEST_SLURM_NODES hosts and
# HPCFFI_TEST_SLURM_REQUEUE_HOLD (slurm-local.sh --nodes, --requeue-hold).
set -euo pipefail
: "${HPCFFI_TEST_SOURCE_DIR:?} ${HPCFFI_TEST_SLURM_DIR:?} ${HPCFFI_TEST_SLURM_MODE_FILE:?}"
local_cluster=$HPCFFI_TEST_SOURCE_DIR/scripts/slurm-local.sh

case ${1:-} in
  setup)
    rm -f -- "$HPCFFI_TEST_SLURM_MODE_FILE"
    mkdir -p -- "$(dirname -- "$HPCFFI_TEST_SLURM_MODE_FILE")"
    if ! command -v sbatch >/dev/null; then
      echo "skip no sbatch on this machine" >"$HPCFFI_TEST_SLURM_MODE_FILE"
      echo "SKIP: sbatch not installed"; exit 77
    fi
    if out=$(env -u SLURM_CONF timeout 20 scontrol ping 2>/dev/null) && [[ $out == *"is UP"* ]]; then
      if [[ -n ${HPCFFI_SLURM_PARTITION:-} ]]; then
        echo "remote" >"$HPCFFI_TEST_SLURM_MODE_FILE"
        echo "real cluster reachable ($out): job tests submit to partition $HPCFFI_SLURM_PARTITION${HPCFFI_SLURM_ACCOUNT:+, account $HPCFFI_SLURM_ACCOUNT}"
        exit 0
      fi
      echo "skip a real cluster is reachable; configure with -DHPCFFI_SLURM_PARTITION=<partition> [-DHPCFFI_SLURM_ACCOUNT=<account>] to submit the job tests there" >"$HPCFFI_TEST_SLURM_MODE_FILE"
      echo "SKIP: $(cut -d' ' -f2- "$HPCFFI_TEST_SLURM_MODE_FILE")"; exit 77
    fi
    if [[ $(id -u) -ne 0 ]]; then
      echo "skip no Slurm cluster reachable and not root: cannot start a local one" >"$HPCFFI_TEST_SLURM_MODE_FILE"
      echo "SKIP: $(cut -d' ' -f2- "$HPCFFI_TEST_SLURM_MODE_FILE")"; exit 77
    fi
    # --interactive-step: salloc shells on the compute node, as at the centres
    # the docs describe (the multinode label's salloc tests need it); it is the
    # default, given here so that HPCFFI_SLURM_INTERACTIVE_STEP=0 cannot leak in.
    bash "$local_cluster" start --dir "$HPCFFI_TEST_SLURM_DIR" --interactive-step \
      --cpus "${HPCFFI_TEST_SLURM_CPUS:-4}" \
      --ctld-port "${HPCFFI_TEST_SLURMCTLD_PORT:-16817}" --slurmd-port "${HPCFFI_TEST_SLURMD_PORT:-16818}" \
      ${HPCFFI_TEST_SLURM_NODES:+--nodes "$HPCFFI_TEST_SLURM_NODES"} \
      ${HPCFFI_TEST_SLURM_REQUEUE_HOLD:+--requeue-hold "$HPCFFI_TEST_SLURM_REQUEUE_HOLD"}
    echo "local" >"$HPCFFI_TEST_SLURM_MODE_FILE"
    ;;
  cleanup)
    mode=$(cut -d' ' -f1 "$HPCFFI_TEST_SLURM_MODE_FILE" 2>/dev/null || echo none)
    if [[ $mode == local || -d $HPCFFI_TEST_SLURM_DIR ]] && [[ $(id -u) -eq 0 ]]; then
      bash "$local_cluster" stop --dir "$HPCFFI_TEST_SLURM_DIR"
    else
      echo "nothing to stop (mode: $mode)"
    fi
    ;;
  *) echo "usage: cluster.sh setup|cleanup" >&2; exit 2 ;;
esac
