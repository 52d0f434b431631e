#!/usr/bin/env bash
# `npm start`: install what is missing, make sure Redis and MariaDB run, build the seven
# services, then run the local stack (tools/local-stack/start.ts) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ ! -x node_modules/.bin/nx || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[local-stack] installing npm dependencies"
  npm install --no-audit --no-fund
fi
bash tools/local-stack/ensure-services.sh
echo "[local-stack] building the seven services"
NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t build --projects='tag:type:app' --outputStyle=static >/dev/null
exec node --import tsx tools/local-stack/start.ts "$@"
