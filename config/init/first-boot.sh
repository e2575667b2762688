#!/bin/sh
# First-boot duties that entrypoint.sh used to do, run by apposd (as root) as the oneshot
# `init` before any other program: the data directories with their owners, and the secret key,
# created once and then kept (owner APPOS_USER, mode 0600). Safe to run on every boot; the key
# itself is never printed.
set -eu

data=${APPOS_DATA_DIR:?APPOS_DATA_DIR is not set}
user=${APPOS_USER:?APPOS_USER is not set}
key=${APPOS_SECRET_KEY_FILE:?APPOS_SECRET_KEY_FILE is not set}

uid=$(id -u "$user")
gid=$(id -g "$user")

# own DIR: makes DIR the programs' user's. One that is not theirs yet (a volume written by the
# supervisord image, where everything ran as root) is handed over with all it holds.
own() {
	if [ ! -d "$1" ]; then
		mkdir -p "$1"
		chown "$uid:$gid" "$1"
		echo "init: created $1"
	elif [ "$(stat -c %u:%g "$1")" != "$uid:$gid" ]; then
		chown -R "$uid:$gid" "$1"
		echo "init: $1 handed over to $user"
	fi
	chmod 0750 "$1"
}

mkdir -p "$data"
# The programs' user must be able to reach its directories inside the volume.
chmod go+x "$data"
own "$data/redis"
own "$data/pocketbase"
own "$data/apps"
# Program logs are written by apposd itself, as root.
mkdir -p "$data/logs"
chmod 0750 "$data/logs"

# appos.db's schema (entrypoint.sh made it): created once, owned by the programs' user.
"${NODE_BIN:-node}" "$(dirname "$0")/appos-db.mjs" "$data/appos.db" "$uid" "$gid"

if [ -s "$key" ]; then
	chown "$uid:$gid" "$key"
	chmod 0600 "$key"
	echo "init: secret key kept ($key)"
else
	umask 077
	tmp="$key.new"
	head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$tmp"
	chown "$uid:$gid" "$tmp"
	chmod 0600 "$tmp"
	mv -f "$tmp" "$key"
	echo "init: secret key created ($key, mode 0600, owner $user)"
fi
