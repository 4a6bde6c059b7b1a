#!/usr/bin/env bash
# The seed's start.sh policy, written by us for the benchmark comparison (it is not the seed's
# file): start the backend, wait for its health check, start the frontend, then poll every 5 s and
# restart whichever process died, without backoff and without ever giving up. On SIGTERM: a plain
# `kill` to both children at once and exit 0 immediately (no drain, no SIGKILL escalation).
# Bash runs the trap only after the foreground `sleep` returns, as in the seed.
#
# usage: seed-start.sh BACKEND_MAIN FRONTEND_MAIN   (environment as for the service)
set -u
backend_main=$1
frontend_main=$2

start_backend() {
  node "$backend_main" &
  backend_pid=$!
}
start_frontend() {
  node "$frontend_main" &
  frontend_pid=$!
}
shutdown() {
  kill "$backend_pid" "$frontend_pid" 2>/dev/null
  exit 0
}
trap shutdown TERM INT

start_backend
until curl -sf "http://127.0.0.1:${BACKEND_PORT}/api/health" >/dev/null; do
  sleep 1
done
start_frontend

while true; do
  sleep 5
  kill -0 "$backend_pid" 2>/dev/null || start_backend
  kill -0 "$frontend_pid" 2>/dev/null || start_frontend
done
