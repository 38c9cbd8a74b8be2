#!/usr/bin/env bash
# Installs, as far as it can, the client libraries of the driver tests
# (test/drivers): Debian's packages of the Python ones, Node.js and npm if
# absent, and the Node ones from the npm registry (test/drivers/node's
# package-lock.json) into NODE_DIR, a copy of that directory with its own
# node_modules, so the tree stays clean. Best effort: what cannot be
# installed is named on stderr, and its tests skip with the reason.
#
#   scripts/install-driver-deps.sh NODE_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
node_dir=${1:?usage: $0 NODE_DIR}

packages=(python3-psycopg2 python3-psycopg python3-asyncpg python3-sqlalchemy python3-django python3-numpy)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-driver-deps: not root, cannot install ${missing[*]}" >&2
	else
		echo "install-driver-deps: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null 2>&1 || echo "install-driver-deps: apt-get update failed" >&2
		# One at a time, so that one that cannot be had leaves the others.
		for p in "${missing[@]}"; do
			apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
				echo "install-driver-deps: apt-get could not install $p" >&2
		done
	fi
fi

mkdir -p "$node_dir"
cp test/drivers/node/package.json test/drivers/node/package-lock.json test/drivers/node/*.test.js "$node_dir/"
if ! command -v npm >/dev/null; then
	echo "install-driver-deps: no npm, the Node libraries are not installed" >&2
elif ! (cd "$node_dir" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >npm.log 2>&1); then
	echo "install-driver-deps: npm ci failed:" >&2
	tail -5 "$node_dir/npm.log" >&2
fi
exit 0
