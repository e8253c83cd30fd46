#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2059,SC2317  # printf formats in variables; trap code
# bench/run.sh - throughput of our xenstored next to Debian's upstream C
# xenstored 4.17, measured in the same run on the same machine.
#
#   bench/run.sh                 (what `make bench` runs, from the repo root)
#   QUICK=1 bench/run.sh         smoke run: REPS=1 SECS=1 FILL=10000
#   REPS=3 SECS=2 FILL=20000 bench/run.sh
#
# Prints a machine line and one table: median of REPS runs of SECS seconds
# per figure, ours, upstream and ours/upstream.  Timing is never asserted:
# the exit status is 0 whatever the figures are, and non-zero only when
# something failed to run (a daemon did not start or died, a client failed).
# Progress goes to stderr, the report to stdout.  See bench/README.md.
#
# Knobs (environment):
#   REPS SECS FILL QUICK   repetitions, seconds per figure, children to fill
#   SCALE SCALE_REPS       idle simulated guests per scale row ("10 1000
#                          5000"), runs of each (REPS)
#   FILL_CHUNK             size of the first/last insert window (10000)
#   CLIENTS WINDOW PIN_CPU 8 clients, 64 in flight, CPU 0 for pinned rows
#   XSD_BINARY             our daemon (default <repo>/xenstored/xenstored)
#   OURS=upstream          self-test: run upstream in the "ours" role too
#   UPSTREAM=0             skip upstream, print our figures alone
#   XENSTORED              upstream binary (run-upstream.sh's own knob)
#   FILL_TIMEOUT           seconds before a fill counts as hung (1800)
set -u

BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
# ../shared beside the repo root, in every clone (never an absolute path)
ANCHORS=$BENCH/../../shared/anchors

if [ "${QUICK:-0}" = 1 ]; then
	REPS=${REPS:-1} SECS=${SECS:-1} FILL=${FILL:-10000}
	SCALE=${SCALE-10 1000}
fi
SCALE=${SCALE-10 1000 5000}
REPS=${REPS:-5}
SCALE_REPS=${SCALE_REPS:-$REPS}
SECS=${SECS:-3}
FILL=${FILL:-100000}
CLIENTS=${CLIENTS:-8}
WINDOW=${WINDOW:-64}
PIN_CPU=${PIN_CPU:-0}
FILL_TIMEOUT=${FILL_TIMEOUT:-1800}
XSD_BINARY=${XSD_BINARY:-$REPO/xenstored/xenstored}
XSD_GUEST=${XSD_GUEST:-$REPO/tests/xs-guest}
XSD_MANY=${XSD_MANY:-$REPO/tests/xs-many}
OURS=${OURS:-xsd}
UPSTREAM=${UPSTREAM:-1}
UPSTREAM_BIN=${XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
# the script runs from a temporary folder: make relative paths absolute
case $XSD_BINARY in /*) ;; */*) XSD_BINARY=$PWD/$XSD_BINARY ;; esac
case $UPSTREAM_BIN in /*) ;; */*) UPSTREAM_BIN=$PWD/$UPSTREAM_BIN ;; esac
[ -n "${XENSTORED:-}" ] && export XENSTORED=$UPSTREAM_BIN

die() {
	echo "bench: $*" >&2
	exit 2
}

is_uint() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
}

for v in REPS FILL CLIENTS WINDOW PIN_CPU FILL_TIMEOUT SCALE_REPS; do
	is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
for n in $SCALE; do
	is_uint "$n" && [ "$n" -ge 1 ] && [ "$n" -le 30000 ] ||
		die "SCALE must list guest counts from 1 to 30000 (got '$n')"
done
[ "$REPS" -ge 1 ] || die "REPS must be >= 1"
case $SECS in
'' | *[!0-9.]* | *.*.* | .) die "SECS must be a number of seconds" ;;
esac
FILL_CHUNK=${FILL_CHUNK:-$((FILL / 10 < 10000 ? FILL / 10 : 10000))}
is_uint "$FILL_CHUNK" || die "FILL_CHUNK must be a whole number"
[ "$FILL_CHUNK" -ge 1 ] || FILL_CHUNK=1

# --- scratch space, cleanup ------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xsbench.XXXXXX") || die "mktemp failed"
cd "$WORK" || die "cannot enter $WORK"
declare -A PID=() SOCK=() IMPL_OF=() PIN_OF=()
FAILS=()
NOTES=()

cleanup() {
	local n
	for n in "${!PID[@]}"; do
		stop_daemon "$n"
	done
	rm -rf "$WORK"
	if [ -n "${SCALE_DIR:-}" ] && [ "$SCALE_DIR" != "$WORK" ]; then
		rm -rf "$SCALE_DIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	FAILS+=("$*")
	echo "bench: FAILED: $*" >&2
}

progress() {
	echo "bench: $*" >&2
}

# --- tools -----------------------------------------------------------------

XSLOAD=$WORK/xsload
${CC:-cc} -O2 -Wall -o "$XSLOAD" "$BENCH/xsload.c" >&2 ||
	die "cannot build bench/xsload.c"

HAVE_ANCHORS=0
if [ -x "$ANCHORS/build.sh" ] && [ -x "$ANCHORS/run-upstream.sh" ]; then
	ANCHORS=$(cd "$ANCHORS" && pwd)
	# build.sh writes into the anchors folder when it looks writable,
	# which it does to root whatever its mode: keep its output ours.
	export XS_ANCHORS_BUILD=$WORK/anchors-build
	mkdir -p "$XS_ANCHORS_BUILD"
	if ABUILD=$("$ANCHORS/build.sh"); then
		HAVE_ANCHORS=1
	else
		fail "../shared/anchors/build.sh failed"
	fi
fi
if [ $HAVE_ANCHORS = 1 ]; then
	CLIENT=$ABUILD/xsbench
	ECHO=("$ABUILD/uds_pingpong")
	CLIENT_NAME="xsbench (../shared/anchors)"
else
	CLIENT=$XSLOAD
	ECHO=("$XSLOAD" echo)
	CLIENT_NAME="bench/xsload"
	NOTES+=("../shared/anchors not found: no upstream figures; client is bench/xsload, a port of anchors' xsbench")
	UPSTREAM=0
fi
if [ "$UPSTREAM" = 1 ] && ! [ -x "$UPSTREAM_BIN" ]; then
	NOTES+=("$UPSTREAM_BIN not found (apt-get install xen-utils-4.17): no upstream figures")
	UPSTREAM=0
fi
if [ "$OURS" = upstream ]; then
	if [ $HAVE_ANCHORS != 1 ] || ! [ -x "$UPSTREAM_BIN" ]; then
		die "OURS=upstream needs ../shared/anchors and $UPSTREAM_BIN"
	fi
	OURS_NAME="upstream (OURS=upstream self-test)"
else
	[ -x "$XSD_BINARY" ] ||
		die "$XSD_BINARY not found or not executable (run make first)"
	OURS_NAME=${XSD_BINARY#"$REPO"/}
fi
IMPLS=(ours)
[ "$UPSTREAM" = 1 ] && IMPLS+=(up)

# --- daemons ---------------------------------------------------------------

alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	case $st in Z* | X*) return 1 ;; esac
}

daemon_log() {
	local f
	for f in "$WORK/$1"/*.log; do
		[ -s "$f" ] || continue
		echo "--- $f (last 20 lines):" >&2
		tail -n 20 "$f" >&2
	done
}

# start_daemon NAME ours|up pin|free: fresh rundir $WORK/NAME, waits until
# the socket answers a pipelined write/read check.
start_daemon() {
	local name=$1 impl=$2 pin=$3 dir=$WORK/$1 pid="" i ts=()
	[ "$pin" = pin ] && ts=(taskset -c "$PIN_CPU")
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$impl" = up ] || [ "$OURS" = upstream ]; then
		pid=$("${ts[@]}" "$ANCHORS/run-upstream.sh" "$dir" 2>"$dir/start.log")
	else
		(cd "$dir" && exec "${ts[@]}" env -u XENSTORED_PATH \
			XENSTORED_RUNDIR="$dir" "$XSD_BINARY" -N \
			>"$dir/daemon.log" 2>&1 </dev/null) &
		pid=$!
		for ((i = 0; i < 200; i++)); do
			[ -S "$dir/socket" ] && break
			alive "$pid" || break
			sleep 0.05
		done
	fi
	if [ -z "$pid" ] || ! alive "$pid" || ! [ -S "$dir/socket" ]; then
		fail "$impl daemon ($name) did not start"
		daemon_log "$name"
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
		return 1
	fi
	PID[$name]=$pid SOCK[$name]=$dir/socket IMPL_OF[$name]=$impl
	PIN_OF[$name]=$pin
	# bind() comes before listen(): retry the first connection briefly
	for ((i = 0; i < 20; i++)); do
		"$XSLOAD" -s "$dir/socket" check 1 >/dev/null 2>&1 && break
		sleep 0.1
	done
	if ! "$XSLOAD" -s "$dir/socket" check "$WINDOW" >"$dir/check.out" 2>&1
	then
		fail "$impl daemon ($name) fails the pipelined check:" \
			"$(tail -n 2 "$dir/check.out")"
		stop_daemon "$name"
		return 1
	fi
}

stop_daemon() {
	local name=$1 pid=${PID[$1]:-} i
	[ -n "$pid" ] || return 0
	unset "PID[$name]"
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		alive "$pid" || break
		sleep 0.05
	done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# --- measuring -------------------------------------------------------------

SAMPLES=$WORK/samples
mkdir -p "$SAMPLES"
# a client stuck on a dead or hung daemon gives up after this
TMO=$(awk -v s="$SECS" 'BEGIN { printf "%d", 2 * s + 30 }')

# run_tool KEY LIMIT CMD...: runs CMD under a time limit, appends the figure
# it prints (rate=N, or "N round trips/s") to $SAMPLES/KEY.
run_tool() {
	local key=$1 limit=$2 out rc val
	shift 2
	# --foreground: ^C reaches the client at once
	out=$(timeout --foreground -k 5 "$limit" "$@" 2>"$WORK/stderr")
	rc=$?
	LAST_RC=$rc
	val=$(printf '%s\n' "$out" |
		sed -n 's/.*rate=\([0-9.]*\).*/\1/p; s/.*: \([0-9.]*\) round trips.*/\1/p' |
		head -n 1)
	if [ $rc != 0 ] || [ -z "$val" ]; then
		[ $rc = 124 ] && echo "(timed out after ${limit}s)" >>"$WORK/stderr"
		fail "$key: '$*' exit $rc: $(tail -n 3 "$WORK/stderr" | tr '\n' ' ')"
		return 1
	fi
	echo "$val" >>"$SAMPLES/$key"
	LAST_OUT=$out
	LAST_VAL=$val
}

# measure ROW NAME CMD...: one sample of ROW against daemon NAME; restarts
# the daemon (and records a failure) when it is gone afterwards.
measure() {
	local row=$1 name=$2 impl=${IMPL_OF[$2]:-}
	shift 2
	[ -n "${PID[$name]:-}" ] || return 1
	if ! alive "${PID[$name]}"; then
		fail "$impl daemon ($name) died before row $row"
		daemon_log "$name"
		unset "PID[$name]"
		start_daemon "$name" "$impl" "${PIN_OF[$name]}" || return 1
	fi
	if run_tool "$row.$impl" "$TMO" "$@"; then
		progress "  row $row $impl: $LAST_VAL/s"
	elif [ "$LAST_RC" = 124 ] && alive "${PID[$name]}"; then
		fail "$impl daemon ($name) hung in row $row: restarting it"
		stop_daemon "$name"
		start_daemon "$name" "$impl" "${PIN_OF[$name]}"
		return
	fi
	if ! alive "${PID[$name]}"; then
		fail "$impl daemon ($name) died during row $row"
		daemon_log "$name"
		unset "PID[$name]"
		start_daemon "$name" "$impl" "${PIN_OF[$name]}"
	fi
}

for impl in "${IMPLS[@]}"; do
	start_daemon "$impl-pin" "$impl" pin
	start_daemon "$impl-free" "$impl" free
done

PIN=(taskset -c "$PIN_CPU")
for ((r = 1; r <= REPS; r++)); do
	progress "rep $r/$REPS (${SECS}s per figure)"
	if run_tool 1.echo "$TMO" "${PIN[@]}" "${ECHO[@]}" "$SECS"; then
		progress "  row 1 echo: $LAST_VAL/s"
	fi
	# alternate which daemon goes first so drifting noise hits both
	order=("${IMPLS[@]}")
	if [ $((r % 2)) = 0 ] && [ ${#IMPLS[@]} = 2 ]; then
		order=(up ours)
	fi
	for row in 2 3 4 5 6 7; do
		for impl in "${order[@]}"; do
			case $row in
			2 | 3) name=$impl-pin ;;
			*) name=$impl-free ;;
			esac
			export XENSTORED_PATH=${SOCK[$name]:-/nonexistent}
			case $row in
			2) measure 2 "$name" "${PIN[@]}" "$CLIENT" rr read "$SECS" 1 ;;
			3) measure 3 "$name" "${PIN[@]}" "$CLIENT" rr write "$SECS" 1 ;;
			4) measure 4 "$name" "$CLIENT" rr read "$SECS" "$CLIENTS" ;;
			5) measure 5 "$name" "$CLIENT" rr write "$SECS" "$CLIENTS" ;;
			6) measure 6 "$name" "$CLIENT" pipe read "$SECS" "$WINDOW" ;;
			7) measure 7 "$name" "$CLIENT" pipe write "$SECS" "$WINDOW" ;;
			esac
		done
	done
	# Rows 9-10: a simulated guest over its shared ring (ours only:
	# upstream has no simulated backend).  Pinned like rows 2-3.
	if [ "$OURS" = xsd ] && [ -x "$XSD_GUEST" ] && [ -n "${SOCK[ours-pin]:-}" ]; then
		for row in 9 10; do
			op=read
			[ $row = 10 ] && op=write
			XENSTORED_RUNDIR=$(dirname "${SOCK[ours-pin]}") \
			XENSTORED_PATH=${SOCK[ours-pin]} \
				measure $row ours-pin "${PIN[@]}" "$XSD_GUEST" \
				--domid $((100 + row)) bench $op "$SECS"
		done
	fi
done
for impl in "${IMPLS[@]}"; do
	stop_daemon "$impl-pin"
	stop_daemon "$impl-free"
done

# Row 8: one fill of FILL children of one node on a fresh, empty daemon.
if [ "$FILL" -gt 0 ]; then
	for impl in "${IMPLS[@]}"; do
		name=$impl-fill
		start_daemon "$name" "$impl" free || continue
		progress "row 8 $impl: filling $FILL children of one node" \
			"$([ "$impl" = up ] && [ "$FILL" -ge 50000 ] &&
				echo "(upstream: ~2 min for 100000)")"
		export XENSTORED_PATH=${SOCK[$name]}
		if run_tool "8.$impl" "$FILL_TIMEOUT" \
			"$XSLOAD" fill "$FILL" "$FILL_CHUNK" 256; then
			line=$(printf '%s\n' "$LAST_OUT" | head -n 1)
			for f in time first last; do
				printf '%s\n' "$line" |
					sed -n "s/.* $f=\([0-9.]*\).*/\1/p" \
					>>"$SAMPLES/8$f.$impl"
			done
			progress "  $line"
		fi
		alive "${PID[$name]}" || fail "$impl daemon died during the fill"
		stop_daemon "$name"
	done
fi

# Scale rows: N idle simulated guests (tests/xs-many, one process), each
# watching its home and one node all watch, on a fresh daemon pinned like
# rows 2-3; xs-many pins itself to the same CPU for the dom0 round trips
# only.  The run directory goes to tmpfs when there is one (/dev/shm), as
# /run is on a real host: guest set-up creates a ring page file each.
SCALE_DIR=$WORK
if [ -n "$SCALE" ] && [ "$OURS" = xsd ]; then
	if ! [ -x "$XSD_MANY" ]; then
		NOTES+=("$XSD_MANY not found (make tests/xs-many): no scale rows")
		SCALE=
	elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
		SCALE_DIR=$(mktemp -d /dev/shm/xsbench.XXXXXX) || SCALE_DIR=$WORK
	fi
fi
[ "$OURS" = xsd ] || SCALE=
for ((r = 1; r <= SCALE_REPS; r++)); do
	for n in $SCALE; do
		name=scale-$n
		WORK_SAVED=$WORK WORK=$SCALE_DIR
		start_daemon "$name" ours pin
		WORK=$WORK_SAVED
		[ -n "${PID[$name]:-}" ] || continue
		progress "scale $n guests (rep $r/$SCALE_REPS)"
		out=$(timeout --foreground -k 5 $((TMO + n / 20 + 60)) \
			"$XSD_MANY" --rundir "$SCALE_DIR/$name" \
			--pid "${PID[$name]}" --pin "$PIN_CPU" --secs "$SECS" \
			--reps 5 "$n" 2>"$WORK/stderr")
		rc=$?
		if [ $rc != 0 ]; then
			fail "scale $n: xs-many exit $rc: $(tail -n 3 "$WORK/stderr" | tr '\n' ' ')"
		else
			progress "  $out"
			for f in rr_med_us rr_p99_us setup_us setup_first_us \
				setup_last_us rss_kib anon_kib fanout_ms \
				fanout_cpu_ms; do
				printf '%s\n' "$out" | tr ' ' '\n' |
					sed -n "s/^$f=//p" >>"$SAMPLES/s$n.$f"
			done
		fi
		alive "${PID[$name]}" || fail "daemon died with $n guests"
		stop_daemon "$name"
	done
done
[ "$SCALE_DIR" != "$WORK" ] && rm -rf "$SCALE_DIR"

# --- report ----------------------------------------------------------------

# stats KEY: prints "median min max n" of the samples, or nothing
stats() {
	[ -s "$SAMPLES/$1" ] || return 0
	sort -g "$SAMPLES/$1" | awk '{ a[NR] = $1 }
		END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      print m, a[1], a[NR], NR }'
}

# cell KEY FMT: the median formatted, or n/a / FAIL
cell() {
	local s
	s=$(stats "$1")
	if [ -n "$s" ]; then
		printf "$2" "${s%% *}"
	elif [ "${1##*.}" = up ] && { [ "$UPSTREAM" != 1 ] ||
		[ "${1%%.*}" = 9 ] || [ "${1%%.*}" = 10 ]; }; then
		printf 'n/a'	# not run, or no such thing upstream
	else
		printf 'FAIL'
	fi
}

median() {
	local s
	s=$(stats "$1")
	printf '%s' "${s%% *}"
}

# spread KEY: half the min..max range as % of the median (REPS > 1)
spread() {
	local s
	s=$(stats "$1")
	[ -n "$s" ] || { printf -- '-'; return; }
	# shellcheck disable=SC2086  # split "median min max n"
	set -- $s
	[ "$4" -gt 1 ] || { printf -- '-'; return; }
	awk -v m="$1" -v lo="$2" -v hi="$3" \
		'BEGIN { printf "%.0f%%", (m > 0 ? (hi - lo) / 2 / m * 100 : 0) }'
}

ratio() {
	local a b
	a=$(median "$1") b=$(median "$2")
	if [ -z "$a" ] || [ -z "$b" ]; then
		printf -- '-'
		return
	fi
	awk -v a="$a" -v b="$b" 'BEGIN {
		if (b <= 0) { printf "-"; exit }
		r = a / b
		f = (r >= 100 ? "%.0f" : (r < 0.095 ? "%.3f" : "%.2f"))
		printf f, r }'
}

W='%-3s %-44s %11s %11s %8s  %s\n'
row() {	# row NUM LABEL KEY FMT
	printf "$W" "$1" "$2" "$(cell "$3.ours" "$4")" "$(cell "$3.up" "$4")" \
		"$(ratio "$3.ours" "$3.up")" "$(spread "$3.ours")/$(spread "$3.up")"
}

cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no commit")
[ -n "$(git -C "$REPO" status --porcelain 2>/dev/null)" ] && rev="$rev+dirty"
upver=$(dpkg-query -W -f='${Version}' xen-utils-4.17 2>/dev/null || echo "?")

echo
echo "== xenstored throughput: ours vs upstream C xenstored 4.17"
echo "machine: $cpu | nproc $(nproc) | kernel $(uname -r) $(uname -m) | $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "ours:     $OURS_NAME (repo $rev)"
if [ "$UPSTREAM" = 1 ]; then
	echo "upstream: $UPSTREAM_BIN (xen-utils-4.17 $upver) under ../shared/anchors/xenshim.so"
fi
echo "method:   median of $REPS run(s) x ${SECS}s per figure; fill: 1 run; client $CLIENT_NAME;"
echo "          pinned = daemon and client on CPU $PIN_CPU (taskset); unpinned rows use fresh daemons"
echo
printf "$W" "#" "figure (ops/s unless noted; higher is better)" "ours" "upstream" "ours/up" "spread o/u"
printf "$W" "1" "socket echo, 1 client, pinned (the ceiling)" \
	"$(cell 1.echo %.0f)" "(no daemon)" "-" "$(spread 1.echo)"
row 2 "READ rr, 1 client, pinned" 2 %.0f
row 3 "WRITE rr, 1 client, pinned" 3 %.0f
row 4 "READ rr, $CLIENTS clients" 4 %.0f
row 5 "WRITE rr, $CLIENTS clients" 5 %.0f
row 6 "READ pipelined, 1 client, $WINDOW in flight" 6 %.0f
row 7 "WRITE pipelined, 1 client, $WINDOW in flight" 7 %.0f
if [ -s "$SAMPLES/9.ours" ]; then
	row 9 "guest READ rr over the sim ring, pinned" 9 %.0f
	row 10 "guest WRITE rr over the sim ring, pinned" 10 %.0f
fi
if [ "$FILL" -gt 0 ]; then
	row 8 "fill $FILL children of one node, writes/s" 8 %.0f
	printf "$W" "8t" "  fill time, s (lower is better)" \
		"$(cell 8time.ours %.2f)" "$(cell 8time.up %.2f)" \
		"$(ratio 8time.ours 8time.up)" ""
	row 8a "  first $FILL_CHUNK inserts, writes/s" 8first %.0f
	row 8b "  last $FILL_CHUNK inserts, writes/s" 8last %.0f
	declare -A flat=()
	for impl in ours up; do
		flat[$impl]=$(ratio "8last.$impl" "8first.$impl")
	done
	printf "$W" "8c" "  last/first (1.00 = no slowdown with siblings)" \
		"${flat[ours]}" "$([ "$UPSTREAM" = 1 ] && echo "${flat[up]}" || echo n/a)" "-" ""
fi
if [ -n "$SCALE" ]; then
	S='%-3s %7s %11s %11s %22s %15s %17s\n'
	echo
	echo "== many idle simulated guests (ours; tests/xs-many; daemon pinned to CPU $PIN_CPU, rundir on ${SCALE_DIR%/*})"
	printf "$S" "#" "guests" "READ rr us" "READ p99 us" "set-up us/guest (1st/last 10%)" "RSS KiB/guest" "fan-out ms (cpu)"
	for n in $SCALE; do
		printf "$S" "s" "$n" "$(cell "s$n.rr_med_us" %.1f)" \
			"$(cell "s$n.rr_p99_us" %.1f)" \
			"$(cell "s$n.setup_us" %.0f) ($(cell "s$n.setup_first_us" %.0f)/$(cell "s$n.setup_last_us" %.0f))" \
			"$(cell "s$n.rss_kib" %.2f) ($(cell "s$n.anon_kib" %.2f))" \
			"$(cell "s$n.fanout_ms" %.2f) ($(cell "s$n.fanout_cpu_ms" %.1f))"
	done
	set -- $SCALE
	lo=$1
	shift $(($# - 1))
	hi=$1
	if [ "$lo" != "$hi" ]; then
		echo "READ round trip with $hi guests / with $lo: $(ratio "s$hi.rr_med_us" "s$lo.rr_med_us") (median), $(ratio "s$hi.rr_p99_us" "s$lo.rr_p99_us") (p99)"
	fi
	echo "RSS KiB/guest: daemon VmRSS growth per guest, the guest's 4 KiB ring page included (RssAnon growth in brackets)."
	echo "fan-out: one dom0 WRITE of a node every guest watches until every guest has taken its event off its ring (median of 5 per run); cpu: the daemon's CPU time per fan-out."
	echo "scale figures: median of $SCALE_REPS run(s), a fresh daemon per run; READ rr from xs-many pinned with the daemon."
fi
echo
echo "ours/up > 1: ours is faster (row 8t: < 1 is faster). spread: half the min-max range of the runs, % of the median."
for n in "${NOTES[@]}"; do
	echo "note: $n"
done
if [ ${#FAILS[@]} -gt 0 ]; then
	echo
	echo "FAILED (${#FAILS[@]}):"
	for f in "${FAILS[@]}"; do
		echo "  $f"
	done
	exit 1
fi
exit 0
