#!/usr/bin/env bash
# `make serve`: the production layout on one machine, in the foreground; Ctrl-C stops it all.
#   SERVE_PROCESSES gevent servers (python serve.py) on ports SERVE_PORT .. SERVE_PORT+N-1,
#   one job worker (PDF rendering, `flask worker run`) and one outbox sender (`flask outbox run`),
#   all sharing DATABASE_URL and the Redis queue SOCKETIO_MESSAGE_QUEUE.
# Put a sticky load balancer in front (deploy/nginx.conf). Never `gunicorn -w N` (README).
set -euo pipefail
cd "$(dirname "$0")/.."

N="${SERVE_PROCESSES:-2}"
BASE="${SERVE_PORT:-8001}"
export FLASK_APP=wsgi.py ROUNDTABLE_ENV="${ROUNDTABLE_ENV:-production}"
export EMBEDDED_WORKER=0 OUTBOX_DISPATCHER=0   # their own processes below, not threads of the servers
if [ "$N" -gt 1 ] && [ -z "${SOCKETIO_MESSAGE_QUEUE:-}" ]; then
  export SOCKETIO_MESSAGE_QUEUE="redis://127.0.0.1:6379/0"
  echo "SOCKETIO_MESSAGE_QUEUE not set: using $SOCKETIO_MESSAGE_QUEUE for $N processes"
fi
if [ "$N" -gt 1 ] && [[ "${DATABASE_URL:-sqlite}" != postgres* ]]; then
  echo "warning: $N processes on SQLite serialise every write; set DATABASE_URL=postgresql://... for production" >&2
fi
if [ "${RATELIMIT_STORAGE_URI:-memory://}" = "memory://" ] && [ -n "${SOCKETIO_MESSAGE_QUEUE:-}" ]; then
  export RATELIMIT_STORAGE_URI="$SOCKETIO_MESSAGE_QUEUE"   # login limits shared by every process
fi

pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap stop INT TERM EXIT

for i in $(seq 0 $((N - 1))); do
  .venv/bin/python serve.py --host "${HOST:-127.0.0.1}" --port $((BASE + i)) & pids+=($!)
done
.venv/bin/flask worker run & pids+=($!)
.venv/bin/flask outbox run & pids+=($!)
echo "serving on ports $BASE..$((BASE + N - 1)); health: curl http://127.0.0.1:$BASE/healthz"
wait -n
echo "a process exited; stopping the others" >&2
exit 1
