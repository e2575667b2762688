#!/bin/sh
# Upserts the PocketBase superuser from PB_SUPERUSER_EMAIL and PB_SUPERUSER_PASSWORD, run by
# apposd as the oneshot `pocketbase-superuser` once PocketBase is ready. PocketBase >= 0.23 has
# `superuser upsert`; 0.22 has `admin update` / `admin create` (and exits 0 even on errors, so
# success is read from its output). The password is never printed: it is masked in
# PocketBase's messages before they are shown.
set -u

email=${PB_SUPERUSER_EMAIL:-}
if [ -z "$email" ] || [ -z "${PB_SUPERUSER_PASSWORD:-}" ]; then
	echo "pocketbase-superuser: PB_SUPERUSER_EMAIL or PB_SUPERUSER_PASSWORD not set; nothing to do"
	exit 0
fi
pb=${POCKETBASE_BIN:-pocketbase}
dir=${POCKETBASE_DIR:?POCKETBASE_DIR is not set}

# mask: copies stdin to stdout with every occurrence of the password replaced by ***.
mask() {
	awk 'BEGIN { p = ENVIRON["PB_SUPERUSER_PASSWORD"] }
	{ while (p != "" && (i = index($0, p)) > 0) $0 = substr($0, 1, i - 1) "***" substr($0, i + length(p)); print }'
}

# attempt WORDS...: runs `pocketbase WORDS... EMAIL PASSWORD --dir DIR ...` and keeps its masked
# output in $out. Success: PocketBase says so, or it exits 0 without an error message.
attempt() {
	raw=$("$pb" "$@" "$email" "$PB_SUPERUSER_PASSWORD" --dir "$dir" \
		--migrationsDir "$dir/pb_migrations" --hooksDir "$dir/pb_hooks" 2>&1)
	status=$?
	out=$(printf '%s\n' "$raw" | mask)
	raw=
	case $out in
	*Successfully*) return 0 ;;
	*'unknown command'* | *Error* | *error*) return 1 ;;
	*) return "$status" ;;
	esac
}

if attempt superuser upsert; then
	echo "pocketbase-superuser: superuser $email saved"
	exit 0
fi
case $out in
*'unknown command'*)
	if attempt admin update || attempt admin create; then
		echo "pocketbase-superuser: admin $email saved (PocketBase < 0.23)"
		exit 0
	fi
	;;
esac
echo "pocketbase-superuser: could not save $email: $out" >&2
exit 1
