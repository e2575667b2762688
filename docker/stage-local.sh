#!/bin/sh
# Fills docker/artifacts/ for docker/Dockerfile.local: apposd built and pruned to its
# production dependencies, plus the PocketBase binary, the backend binary and the dashboard's
# build given here (one-line stand-ins for the backend and the dashboard when not given).
# Stage on the image's CPU: koffi's package carries its musl binary next to the glibc one,
# so a glibc host of the same CPU stages node_modules the Alpine image can load.
#
#   docker/stage-local.sh --pocketbase FILE [--backend FILE] [--dashboard DIR]
#   docker build -f docker/Dockerfile.local -t appos:local .
set -eu

usage() {
	echo "usage: docker/stage-local.sh --pocketbase FILE [--backend FILE] [--dashboard DIR]" >&2
	exit 2
}

pocketbase=
backend=
dashboard=
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--pocketbase) pocketbase=$2 ;;
	--backend) backend=$2 ;;
	--dashboard) dashboard=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ -n "$pocketbase" ] || usage

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/docker/artifacts"
cd "$root"

npm run build
rm -rf "$out/apposd" "$out/web" "$out/pocketbase" "$out/appos-backend"
mkdir -p "$out/apposd"
cp package.json package-lock.json "$out/apposd/"
cp -R dist "$out/apposd/dist"
(cd "$out/apposd" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm package-lock.json)
find "$out/apposd" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' \
	-o -name '*.d.cts' -o -name '*.md' \) -delete
rm -rf "$out/apposd/node_modules/koffi/vendor" "$out/apposd/node_modules/koffi/doc"
chmod 0755 "$out/apposd/dist/main.js" "$out/apposd/dist/ctl.js"

cp "$pocketbase" "$out/pocketbase"
chmod 0755 "$out/pocketbase"
if [ -n "$backend" ]; then
	cp "$backend" "$out/appos-backend"
else
	printf '%s\n' '#!/bin/sh' \
		'echo "appos-backend: this image was built without the backend (stage-local.sh --backend FILE)" >&2' \
		'exit 78' >"$out/appos-backend"
fi
chmod 0755 "$out/appos-backend"
if [ -n "$dashboard" ]; then
	cp -R "$dashboard" "$out/web"
else
	mkdir -p "$out/web"
	printf '%s\n' '<!doctype html>' '<title>AppOS</title>' \
		'<p>This image was built without the dashboard (stage-local.sh --dashboard DIR).</p>' \
		>"$out/web/index.html"
fi
echo "staged in docker/artifacts; now: docker build -f docker/Dockerfile.local -t appos:local ."
