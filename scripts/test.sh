#!/usr/bin/env bash
# The project's one test command: go vet and the whole test suite, every store test
# on SQLite and on PostgreSQL. Run from anywhere; CI runs it through .ci/run.
#
#   scripts/test.sh                          # everything
#   scripts/test.sh -run Contract -v ./internal/store/...
#
# Arguments go to go test; those that are package patterns (./..., renraku/...)
# replace the default ./... for vet and test. Give flag values with "=" when they
# look like paths (-coverprofile=./c.out).
#
# As root on Debian it installs what the tests need when it is missing: the
# PostgreSQL server (the tests start a throwaway cluster of their own), a C
# compiler for -race, and Chromium with Japanese fonts for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

have_pg_server() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			return 0
		fi
	done
	command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

apt_updated=
apt_install() {
	echo "test.sh: installing $*" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$apt_updated" ]; then
		apt-get update -qq >/dev/null
		apt_updated=1
	fi
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	need=()
	have_pg_server || need+=(postgresql)
	command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
	if [ ${#need[@]} -gt 0 ]; then
		apt_install "${need[@]}"
	fi
	# The browser tests need these; RENRAKU_TEST_REQUIRE_BROWSER below makes
	# them fail (not skip) if the install did not work.
	browser=()
	command -v chromium >/dev/null 2>&1 || browser+=(chromium)
	installed fonts-ipafont-gothic || installed fonts-noto-cjk || browser+=(fonts-ipafont-gothic)
	if [ ${#browser[@]} -gt 0 ]; then
		apt_install "${browser[@]}" || echo "test.sh: warning: could not install ${browser[*]}" >&2
	fi
fi

# The PostgreSQL half and the browser tests must never skip silently.
export RENRAKU_TEST_REQUIRE_POSTGRES=1
export RENRAKU_TEST_REQUIRE_BROWSER=1

flags=()
pkgs=()
for a in "$@"; do
	case "$a" in
	./* | ../* | . | renraku | renraku/*) pkgs+=("$a") ;;
	*) flags+=("$a") ;;
	esac
done
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(./...)
fi

if ! go vet "${pkgs[@]}"; then
	echo "test.sh: FAIL: go vet reported problems (tests not run) in $((SECONDS - start))s"
	exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
go test -race -count=1 -timeout 25m "${flags[@]}" "${pkgs[@]}" 2>&1 | tee "$log" || status=$?
# The 100k-person scale test and the route matrix run smaller under -race (the
# pure-Go SQLite is many times slower there); run them at full size without -race.
if [ "$status" -eq 0 ] && [ -z "${flags[*]}" ] && [ "${pkgs[*]}" = "./..." ]; then
	go test -count=1 -timeout 10m -run 'TestScale|TestRouteMatrix' ./internal/people/ ./internal/server/ 2>&1 | tee -a "$log" || status=$?
fi

ok=$(grep -c '^ok ' "$log" || true)
failed=$(grep -cE '^FAIL[[:space:]]+[^[:space:]]' "$log" || true)
none=$(grep -c 'no test files' "$log" || true)
verdict=PASS
if [ "$status" -ne 0 ]; then
	verdict=FAIL
fi
echo "test.sh: $verdict: packages: $ok ok, $failed failed, $none without tests; PostgreSQL and browser tests required; $((SECONDS - start))s"
exit "$status"
