#!/usr/bin/env bash
# hub.sh setup|cleanup -- the ctest fixture around the `jupyter` label's hub.
#
# setup: the two non-root OS test users (created when absent: useradd --system), the shared
# password, the server environment (this build tree and its hpcffi kernelspec), then
# scripts/jupyterhub-local.sh start on the label's cluster (SLURM_CONF, tests/slurm/cluster.sh).
# cleanup: jupyterhub-local.sh stop, then check that nothing of the hub is left (no hub, proxy,
# server or kernel process, no job in squeue). Skips (77) when the cluster fixture skipped or
# when not root (the servers run as other users).
set -euo pipefail
: "${HPCFFI_TEST_SOURCE_DIR:?} ${HPCFFI_TEST_BUILD_DIR:?} ${HPCFFI_HUB_DIR:?} ${HPCFFI_HUB_PORT:?}"
: "${HPCFFI_HUB_USERS:?} ${HPCFFI_HUB_PASSWORD_FILE:?} ${HPCFFI_TEST_SLURM_MODE_FILE:?}"
hub=$HPCFFI_TEST_SOURCE_DIR/scripts/jupyterhub-local.sh
server_env=$(dirname -- "$HPCFFI_HUB_DIR")/server-env.sh

case ${1:-} in
  setup)
    mode=$(cut -d' ' -f1 "$HPCFFI_TEST_SLURM_MODE_FILE" 2>/dev/null || echo none)
    [[ $mode == local ]] || { echo "SKIP: no local cluster (mode: $mode)"; exit 77; }
    [[ $(id -u) -eq 0 ]] || { echo "SKIP: not root: the test users' servers cannot be started"; exit 77; }
    for user in ${HPCFFI_HUB_USERS//,/ }; do
      if ! id -u "$user" >/dev/null 2>&1; then
        echo "creating OS user $user"
        useradd --system --create-home --shell /bin/bash "$user"
      fi
    done
    mkdir -p -- "$(dirname -- "$HPCFFI_HUB_PASSWORD_FILE")"
    (umask 077; echo "hpcffi-test-$RANDOM$RANDOM" >"$HPCFFI_HUB_PASSWORD_FILE")
    # The server's environment: this build tree (what `module load hpcffi` does for an
    # installation) and its kernelspec `hpcffi`.
    cat >"$server_env" <<ENV
source "$HPCFFI_TEST_SOURCE_DIR/scripts/hpcffi-env.sh" "$HPCFFI_TEST_BUILD_DIR"
export JUPYTER_PATH="$HPCFFI_TEST_BUILD_DIR/share/jupyter\${JUPYTER_PATH:+:\$JUPYTER_PATH}"
ENV
    # A run that was killed leaves its hub behind: stop that one first (by its pid file).
    [[ ! -d $HPCFFI_HUB_DIR ]] || bash "$hub" stop --dir "$HPCFFI_HUB_DIR" --port "$HPCFFI_HUB_PORT"
    exec bash "$hub" start --dir "$HPCFFI_HUB_DIR" --port "$HPCFFI_HUB_PORT" --users "$HPCFFI_HUB_USERS" \
      --password-file "$HPCFFI_HUB_PASSWORD_FILE" --server-env "$server_env" ${HPCFFI_HUB_EXECHOST:+--exechost "$HPCFFI_HUB_EXECHOST"}
    ;;
  cleanup)
    [[ -d $HPCFFI_HUB_DIR ]] || { echo "no hub was started"; exit 0; }
    bash "$hub" stop --dir "$HPCFFI_HUB_DIR" --port "$HPCFFI_HUB_PORT"
    rc=0
    bash "$hub" status --dir "$HPCFFI_HUB_DIR" --port "$HPCFFI_HUB_PORT" || rc=$?
    ((rc == 3)) || { echo "FAIL: something of the hub is left (status exit $rc)"; exit 1; }
    left=$(squeue -h -o '%i %u %j %T' 2>&1)
    [[ -z $left ]] || { echo "FAIL: jobs left in squeue: $left"; exit 1; }
    echo "nothing of the hub left"
    ;;
  *) echo "usage: hub.sh setup|cleanup" >&2; exit 2 ;;
esac
