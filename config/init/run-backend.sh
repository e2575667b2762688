#!/bin/sh
# The backend's command: reads the secret key that `init` created into APPOS_SECRET_KEY and
# execs the backend binary, so the key reaches the backend without being in a config file, a
# log or apposd's own environment. (An env_file cannot do this: apposd reads env files when
# it loads its config, before `init` has created the key on the first boot.)
set -eu

key=${APPOS_SECRET_KEY_FILE:?APPOS_SECRET_KEY_FILE is not set}
bin=${APPOS_BACKEND_BIN:?APPOS_BACKEND_BIN is not set}
if [ ! -r "$key" ]; then
	echo "run-backend: cannot read the secret key file $key" >&2
	exit 1
fi
APPOS_SECRET_KEY=$(cat "$key")
export APPOS_SECRET_KEY
exec "$bin" "$@"
