#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cost benchmark in one command (bench/README.md):
#
#   bench/run.sh [--quick] [--build DIR] [--out DIR] [--sizes "64x300 256x1000 1024x4096"]
#                [--reps N] [--duration S] [--interval S] [--warmup S] [--no-irqbalance] [--no-callgrind]
#                [--callgrind-sizes "SIZES"]   (default: every size) [--no-host]
#
# Builds irqbald, irqbal-sim, the shim and bench/floor in DIR (default /tmp/build-bench),
# generates the machines (bench/gen-scenario.sh) and, per size:
#   1. real time, side by side, same interval: irqbald on one simulated machine and
#      Debian's irqbalance (--foreground, private mount namespace over a second copy of
#      the same machine); CPU ns per cycle from /proc/PID/task/*/schedstat over DURATION
#      seconds after a warm-up (cycles = DURATION / INTERVAL), peak RSS (VmHWM) at the end,
#      and where the resident pages are then (RssAnon: its own; RssFile: files' pages);
#   2. callgrind (lockstep): irqbald's instructions per steady cycle = (Ir(2N) − Ir(N)) / N,
#      and dhat's allocations per cycle the same way;
#   3. the floor (bench/floor) on the same files: instructions (callgrind, same
#      difference) and CPU ns per read.
# Finally, what one read of this VM's real /proc/stat, /proc/interrupts and one
# /proc/irq/N/smp_affinity_list costs against
# plain copies of the same size on tmpfs, and /proc/stat kept open and read again (as
# irqbald reads it on a host) against opened each time; and irqbald's cycle on this VM's
# own /proc (--dry-run: it writes no affinity, and every mask is compared before and
# after) against the floor as a daemon there (unless --no-host). Must run as root
# (namespaces, bind mounts).
# Results: OUT/results.tsv (one line per measurement), OUT/summary.md, logs and profiles.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=/tmp/build-bench
OUT=
SIZES="64x300 256x1000 1024x4096"
REPS=3
DURATION=120
INTERVAL=5
WARMUP=
IRQBALANCE=1
CALLGRIND=1
CALLGRIND_SIZES=
HOST=1
N=10

while [ $# -gt 0 ]; do
        case $1 in
        --quick) REPS=1; DURATION=40 ;;
        --build) BUILD=$2; shift ;;
        --out) OUT=$2; shift ;;
        --sizes) SIZES=$2; shift ;;
        --reps) REPS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --interval) INTERVAL=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --no-irqbalance) IRQBALANCE=0 ;;
        --no-callgrind) CALLGRIND=0 ;;
        --no-host) HOST=0 ;;
        --callgrind-sizes) CALLGRIND_SIZES=$2; shift ;;
        -h|--help) sed -n '3,27p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        esac
        shift
done
OUT=${OUT:-/tmp/irqbal-bench-results/$(date +%Y-%m-%d)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/irqbal-bench.XXXXXX)
# Seconds before the measurement starts: both daemons' start-up (irqbald's blind first
# placement, its three settling windows, the moves they verify) stays out of it.
WARMUP=${WARMUP:-$((3 * INTERVAL + 5))}
PIDS=()

cleanup() {
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "run.sh: $*" >&2; }
# shellcheck source=bench/lib.sh
. "$SRC/bench/lib.sh"

# --- build -----------------------------------------------------------------------------
if [ ! -f "$BUILD/Makefile" ]; then
        mkdir -p "$BUILD"
        (cd "$BUILD" && "$SRC/configure" -q)
fi
make -C "$BUILD" -s -j2 irqbald irqbal-sim sim/libirqbal-kshim.so bench/floor >&2
SIM=$BUILD/irqbal-sim
IRQBALD=$BUILD/irqbald
FLOOR=$BUILD/bench/floor

if [ "$IRQBALANCE" = 1 ]; then
        command -v irqbalance >/dev/null || { log "irqbalance is not installed (apt-get install irqbalance), or give --no-irqbalance"; exit 1; }
        refuse_host_irqbalance
fi

# --- the machine -----------------------------------------------------------------------
{
        echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
        echo "nproc: $(nproc)"
        echo "kernel: $(uname -r)"
        echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
        echo "irqbald: $(git -C "$SRC" describe --always --dirty 2>/dev/null || echo unknown)"
        echo "irqbalance: $(dpkg-query -W -f '${Version}' irqbalance 2>/dev/null || echo none)"
        echo "command: bench/run.sh --reps $REPS --duration $DURATION --interval $INTERVAL --warmup $WARMUP --sizes '$SIZES'"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2
printf 'size\trep\twhat\tvalue\n' > "$OUT/results.tsv"
result() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$OUT/results.tsv"; }

# Runtime in ns of every thread of PID (schedstat's first field).
cpu_ns() {
        local sum=0 t v
        for t in /proc/"$1"/task/*/schedstat; do
                [ -e "$t" ] || continue
                read -r v _ < "$t" || continue
                sum=$((sum + v))
        done
        echo "$sum"
}
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$1"/status; }
# Where a daemon's resident pages are at the end: RssAnon (heap, stacks, and the pages of
# its binary and libraries it wrote, relocations: memory only it holds) and RssFile (the
# binary's and libraries' pages as cached, shared with every process mapping the same
# files; the kernel can drop them and read them back). VmHWM counts both.
rss_kib() { sed -n "s/^Rss$2:[[:space:]]*\([0-9]*\) kB/\1/p" /proc/"$1"/status; }

callgrind_ir() { sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$1" | head -1; }

# --- per size --------------------------------------------------------------------------
for size in $SIZES; do
        scen=$WORK/$size.ini
        "$SRC/bench/gen-scenario.sh" "$size" "$INTERVAL" > "$scen"
        cp "$scen" "$OUT/$size.ini"
        # Margin: the second machine's files are laid out (seconds at 1024 × 4096) while
        # the first already runs.
        total=$((WARMUP + DURATION + 2 * INTERVAL + 60))

        for rep in $(seq "$REPS"); do
                log "$size rep $rep: real time, $DURATION s after $WARMUP s of warm-up, interval $INTERVAL s"
                ra=$WORK/$size-a && rb=$WORK/$size-b
                # A fresh root each time: irqbalance's bind mounts must not catch the last
                # run's proc/ before the simulator replaces it.
                rm -rf "$ra" "$rb"
                "$SIM" --scenario "$scen" --root "$ra" --realtime --duration "$total" --timeout 600 \
                        -- "$IRQBALD" --interval "$INTERVAL" > "$OUT/$size-$rep-sim-irqbald.log" 2>&1 &
                sim_a=$!; PIDS+=("$sim_a")
                bal_pid=
                if [ "$IRQBALANCE" = 1 ]; then
                        "$SIM" --scenario "$scen" --root "$rb" --no-daemon --duration "$total" \
                                > "$OUT/$size-$rep-sim-irqbalance.log" 2>&1 &
                        sim_b=$!; PIDS+=("$sim_b")
                        wait_file "$rb/proc/uptime"
                        bal_pid=$(start_irqbalance "$rb" "$INTERVAL" "$OUT/$size-$rep-irqbalance.log"); PIDS+=("$bal_pid")
                fi
                ald_pid=
                for i in $(seq 600); do
                        ald_pid=$(pgrep -P "$sim_a" -x irqbald || true)
                        [ -n "$ald_pid" ] && break
                        sleep 0.1
                done
                [ -n "$ald_pid" ] || { log "irqbald did not start"; cat "$OUT/$size-$rep-sim-irqbald.log" >&2; exit 1; }
                # The floor as a daemon would pay it: one cold read per interval, on
                # the same files, measured the same way as the two daemons.
                "$FLOOR" --root "$ra" --every "$INTERVAL" 1000000 > /dev/null &
                floor_pid=$!; PIDS+=("$floor_pid")
                sleep "$WARMUP"
                f0=$(cpu_ns "$floor_pid")
                a0=$(cpu_ns "$ald_pid"); b0=0
                [ -n "$bal_pid" ] && b0=$(cpu_ns "$bal_pid")
                sleep "$DURATION"
                a1=$(cpu_ns "$ald_pid"); ahwm=$(hwm_kib "$ald_pid" || true)
                f1=$(cpu_ns "$floor_pid"); kill "$floor_pid" 2>/dev/null || true
                if [ -z "$ahwm" ]; then
                        log "$size rep $rep: irqbald ended before the measurement did; run skipped"
                        kill "$bal_pid" 2>/dev/null || true
                        wait "$sim_a" || true; [ -n "$bal_pid" ] && { wait "$sim_b" || true; }
                        continue
                fi
                cycles=$((DURATION / INTERVAL))
                result "$size" "$rep" irqbald_cpu_ns_per_cycle $(((a1 - a0) / cycles))
                result "$size" "$rep" floor_periodic_cpu_ns_per_cycle $(((f1 - f0) / cycles))
                result "$size" "$rep" ratio_cpu_irqbald_over_periodic_floor \
                        "$(awk -v a=$((a1 - a0)) -v f=$((f1 - f0)) 'BEGIN { printf "%.2f", f ? a / f : 0 }')"
                result "$size" "$rep" irqbald_vmhwm_kib "$ahwm"
                aanon=$(rss_kib "$ald_pid" Anon)
                result "$size" "$rep" irqbald_rss_anon_kib "$aanon"
                result "$size" "$rep" irqbald_rss_file_kib "$(rss_kib "$ald_pid" File)"
                if [ -n "$bal_pid" ] && ! kill -0 "$bal_pid" 2>/dev/null; then
                        log "$size rep $rep: irqbalance ended before the measurement did (see $size-$rep-irqbalance.log); no irqbalance figures for this run"
                        bal_pid=
                fi
                if [ -n "$bal_pid" ]; then
                        b1=$(cpu_ns "$bal_pid"); bhwm=$(hwm_kib "$bal_pid")
                        result "$size" "$rep" irqbalance_cpu_ns_per_cycle $(((b1 - b0) / cycles))
                        result "$size" "$rep" irqbalance_vmhwm_kib "$bhwm"
                        result "$size" "$rep" ratio_vmhwm_irqbald_over_irqbalance \
                                "$(awk -v a="$ahwm" -v b="$bhwm" 'BEGIN { printf "%.3f", b ? a / b : 0 }')"
                        banon=$(rss_kib "$bal_pid" Anon)
                        result "$size" "$rep" irqbalance_rss_anon_kib "$banon"
                        result "$size" "$rep" irqbalance_rss_file_kib "$(rss_kib "$bal_pid" File)"
                        result "$size" "$rep" ratio_rss_anon_irqbald_over_irqbalance \
                                "$(awk -v a="$aanon" -v b="$banon" 'BEGIN { printf "%.3f", b ? a / b : 0 }')"
                        result "$size" "$rep" ratio_cpu_irqbalance_over_irqbald \
                                "$(awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) 'BEGIN { printf "%.3g", a ? b / a : 0 }')"
                        kill "$bal_pid" 2>/dev/null || true
                fi
                # The floor on the same files, in the same run.
                fl=$("$FLOOR" --root "$ra" 2000)
                echo "$fl" > "$OUT/$size-$rep-floor.txt"
                fns=$(echo "$fl" | sed -n 's/.*cpu_ns_per_read=\([0-9]*\).*/\1/p')
                result "$size" "$rep" floor_cpu_ns_per_read "$fns"
                result "$size" "$rep" ratio_cpu_irqbald_over_floor \
                        "$(awk -v a=$(((a1 - a0) / cycles)) -v f="$fns" 'BEGIN { printf "%.0f", a / f }')"
                kill "$ald_pid" 2>/dev/null || true   # irqbald restores its masks; the simulator then ends
                wait "$sim_a" || true
                [ -n "$bal_pid" ] && { wait "$bal_pid" 2>/dev/null || true; kill "$sim_b" 2>/dev/null || true; wait "$sim_b" || true; }
                cp "$ra/.sim/daemon.log" "$OUT/$size-$rep-irqbald.log" 2>/dev/null || true
        done

        if [ "$CALLGRIND" = 1 ] && { [ -z "$CALLGRIND_SIZES" ] || [[ " $CALLGRIND_SIZES " == *" $size "* ]]; }; then
                # Lockstep: one cycle per step; N and 2N steps, the difference is N steady cycles.
                for steps in $N $((2 * N)); do
                        log "$size: callgrind and dhat, $steps lockstep cycles"
                        rc=$WORK/$size-cg
                        "$SIM" --scenario "$scen" --root "$rc" --steps "$steps" --timeout 1200 \
                                -- valgrind --tool=callgrind --callgrind-out-file="$OUT/$size-callgrind-$steps.out" \
                                "$IRQBALD" > "$OUT/$size-callgrind-$steps-sim.log" 2>&1 || log "$size: callgrind run failed"
                        "$SIM" --scenario "$scen" --root "$rc" --steps "$steps" --timeout 1200 \
                                -- valgrind --tool=dhat --dhat-out-file="$OUT/$size-dhat-$steps.json" \
                                "$IRQBALD" > "$OUT/$size-dhat-$steps-sim.log" 2>&1 || log "$size: dhat run failed"
                        cp "$rc/.sim/daemon.log" "$OUT/$size-dhat-$steps-daemon.log" 2>/dev/null || true
                        valgrind --tool=callgrind --callgrind-out-file="$OUT/$size-floor-$steps.out" \
                                "$FLOOR" --root "$rc" "$steps" > /dev/null 2>&1
                done
                ir1=$(callgrind_ir "$OUT/$size-callgrind-$N.out"); ir2=$(callgrind_ir "$OUT/$size-callgrind-$((2 * N)).out")
                fl1=$(callgrind_ir "$OUT/$size-floor-$N.out"); fl2=$(callgrind_ir "$OUT/$size-floor-$((2 * N)).out")
                result "$size" cg irqbald_ir_per_cycle $(((ir2 - ir1) / N))
                result "$size" cg floor_ir_per_read $(((fl2 - fl1) / N))
                result "$size" cg ratio_ir_irqbald_over_floor \
                        "$(awk -v a=$(((ir2 - ir1) / N)) -v f=$(((fl2 - fl1) / N)) 'BEGIN { printf "%.2f", a / f }')"
                # dhat: "Total: B bytes in K blocks" in the daemon's output.
                blk() { sed -n 's/.*Total:[[:space:]]*[0-9,]* bytes in \([0-9,]*\) blocks.*/\1/p' "$1" | tr -d , | head -1; }
                k1=$(blk "$OUT/$size-dhat-$N-daemon.log"); k2=$(blk "$OUT/$size-dhat-$((2 * N))-daemon.log")
                [ -n "$k1" ] && [ -n "$k2" ] && result "$size" dhat irqbald_allocs_per_cycle \
                        "$(awk -v a="$k1" -v b="$k2" -v n=$N 'BEGIN { printf "%.1f", (b - a) / n }')"
                # Hot spots of the steady cycles only: collect inside the SIGUSR1 handler
                # (lockstep cycles), not start-up.
                log "$size: callgrind of the steady cycles only (hot spots)"
                "$SIM" --scenario "$scen" --root "$rc" --steps "$N" --timeout 1200 \
                        -- valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*on_rebalance_signal*' \
                        --callgrind-out-file="$OUT/$size-callgrind-steady.out" \
                        "$IRQBALD" > "$OUT/$size-callgrind-steady-sim.log" 2>&1 || log "$size: callgrind run failed"
                result "$size" cg irqbald_ir_per_signalled_cycle $(($(callgrind_ir "$OUT/$size-callgrind-steady.out") / N))
                for incl in no yes; do
                        callgrind_annotate --inclusive=$incl "$OUT/$size-callgrind-steady.out" 2>/dev/null | \
                                sed -n '/file:function/,$p' | grep -v '^$' | head -40 | cut -c1-160
                done > "$OUT/$size-hotspots.txt" || true
        fi
        rm -rf "$WORK/$size-a" "$WORK/$size-b" "$WORK/$size-cg"
done

# --- what the kernel's files cost against plain files ----------------------------------
log "real /proc against tmpfs copies"
shm=$(mktemp -d /dev/shm/irqbal-bench.XXXXXX)
mkdir -p "$shm/proc"
cat /proc/stat > "$shm/proc/stat"
cat /proc/interrupts > "$shm/proc/interrupts"
for f in /proc/stat /proc/interrupts; do
        for rep in $(seq 5); do
                k=$("$FLOOR" --file "$f" --raw 2000 | sed -n 's/.*cpu_ns_per_read=\([0-9]*\).*/\1/p')
                t=$("$FLOOR" --root "$shm" --file "$f" --raw 2000 | sed -n 's/.*cpu_ns_per_read=\([0-9]*\).*/\1/p')
                result "vm" "$rep" "read_ns_kernel_${f##*/}" "$k"
                result "vm" "$rep" "read_ns_tmpfs_${f##*/}" "$t"
                result "vm" "$rep" "ratio_kernel_over_tmpfs_${f##*/}" "$(awk -v k="$k" -v t="$t" 'BEGIN { printf "%.1f", k / t }')"
        done
        result vm - "bytes_${f##*/}" "$(wc -c < "$shm$f")"
done
# irqbald keeps the host's /proc/stat open and reads it again from offset 0 (no path
# walk, no seq_file buffer set up per read): that read against an open + read + close.
for rep in $(seq 5); do
        k=$("$FLOOR" --file /proc/stat --raw 2000 | sed -n 's/.*cpu_ns_per_read=\([0-9]*\).*/\1/p')
        o=$("$FLOOR" --file /proc/stat --raw --keep-open 2000 | sed -n 's/.*cpu_ns_per_read=\([0-9]*\).*/\1/p')
        result vm "$rep" read_ns_kernel_kept_stat "$o"
        result vm "$rep" ratio_kept_over_opened_stat "$(awk -v k="$k" -v o="$o" 'BEGIN { printf "%.2f", o / k }')"
done
# One IRQ's placement file (/proc/irq/N/smp_affinity_list), as irqbald reads per IRQ.
irq=$(ls /proc/irq | grep -E '^[0-9]+$' | head -1)
mkdir -p "$shm/proc/irq/$irq"
cp /proc/irq/"$irq"/smp_affinity_list "$shm/proc/irq/$irq/"
for rep in $(seq 5); do
        k=$("$FLOOR" --file /proc/irq/"$irq"/smp_affinity_list 20000 | sed -n 's/.*cpu_ns_per_read=\([0-9]*\).*/\1/p')
        t=$("$FLOOR" --root "$shm" --file /proc/irq/"$irq"/smp_affinity_list 20000 | sed -n 's/.*cpu_ns_per_read=\([0-9]*\).*/\1/p')
        result vm "$rep" read_ns_kernel_irq_smp_affinity_list "$k"
        result vm "$rep" read_ns_tmpfs_irq_smp_affinity_list "$t"
        result vm "$rep" ratio_kernel_over_tmpfs_irq_smp_affinity_list "$(awk -v k="$k" -v t="$t" 'BEGIN { printf "%.1f", k / t }')"
done
rm -rf "$shm"

# --- irqbald on this VM's own /proc ------------------------------------------------------
# The one cycle measured on a real kernel rather than the simulator: irqbald --dry-run
# (it reads what a balancing daemon reads and never writes an affinity), interval 1 s,
# beside the floor as a daemon on the real /proc/stat, opened each time and kept open
# (as irqbald keeps the host's). Skipped when an irqbald already runs here.
if [ "$HOST" = 1 ] && pgrep -x irqbald > /dev/null; then
        log "an irqbald runs on this machine: no measurement on its own /proc"
elif [ "$HOST" = 1 ]; then
        log "irqbald --dry-run on this VM's /proc against the floor"
        masks_before=$(grep -H . /proc/irq/*/smp_affinity_list 2>/dev/null || true)
        for rep in 1 2 3; do
                "$IRQBALD" --dry-run --no-bus --interval 1 --log-level warning \
                        > "$OUT/host-$rep-irqbald.log" 2>&1 &
                hp=$!; PIDS+=("$hp")
                "$FLOOR" --every 1 1000000 > /dev/null &
                fo=$!; PIDS+=("$fo")
                "$FLOOR" --every 1 --keep-open 1000000 > /dev/null &
                fk=$!; PIDS+=("$fk")
                sleep 10
                h0=$(cpu_ns "$hp"); o0=$(cpu_ns "$fo"); k0=$(cpu_ns "$fk")
                sleep 40
                if ! kill -0 "$hp" 2>/dev/null; then
                        log "host rep $rep: irqbald ended before the measurement did (see host-$rep-irqbald.log); run skipped"
                        kill "$fo" "$fk" 2>/dev/null || true
                        wait "$hp" "$fo" "$fk" 2>/dev/null || true
                        continue
                fi
                h1=$(cpu_ns "$hp"); o1=$(cpu_ns "$fo"); k1=$(cpu_ns "$fk")
                kill "$hp" "$fo" "$fk" 2>/dev/null || true
                wait "$hp" "$fo" "$fk" 2>/dev/null || true
                result host "$rep" irqbald_cpu_ns_per_cycle $(((h1 - h0) / 40))
                result host "$rep" floor_periodic_cpu_ns_per_cycle $(((o1 - o0) / 40))
                result host "$rep" floor_kept_periodic_cpu_ns_per_cycle $(((k1 - k0) / 40))
                result host "$rep" ratio_cpu_irqbald_over_periodic_floor \
                        "$(awk -v a=$((h1 - h0)) -v f=$((o1 - o0)) 'BEGIN { printf "%.2f", f ? a / f : 0 }')"
        done
        result host - irqs "$(ls /proc/irq | grep -cE '^[0-9]+$')"
        # --dry-run writes nothing: say so from the kernel's side, not from irqbald's.
        if [ "$masks_before" != "$(grep -H . /proc/irq/*/smp_affinity_list 2>/dev/null || true)" ]; then
                log "an IRQ's mask changed during the host measurement (irqbald --dry-run must not write)"
                exit 1
        fi
fi

# --- medians ---------------------------------------------------------------------------
awk -F'\t' 'NR > 1 { k = $1 "\t" $3; v[k] = v[k] " " $4; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
END {
        print "| size | measurement | median | runs |"
        print "|---|---|---:|---|"
        for (i = 1; i <= n; i++) {
                k = order[i]; m = split(substr(v[k], 2), a, " ")
                for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] + 0 < a[x] + 0) { t = a[x]; a[x] = a[y]; a[y] = t }
                med = m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
                split(k, kk, "\t")
                printf "| %s | %s | %s | %s |\n", kk[1], kk[2], med, substr(v[k], 2)
        }
}' "$OUT/results.tsv" > "$OUT/summary.md"
cat "$OUT/summary.md"
log "results in $OUT"
