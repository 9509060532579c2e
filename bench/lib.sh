# SPDX-License-Identifier: GPL-2.0-or-later
# What bench/run.sh and bench/quality.sh share: sourced by both, after they define
# log(). Running irqbalance beside the simulator, and only there.

# Waits up to 60 s for the file $1 (a simulator's root being laid out).
wait_file() {
        local _
        for _ in $(seq 600); do [ -e "$1" ] && return 0; sleep 0.1; done
        log "timed out waiting for $1"; return 1
}

# irqbalance must never balance this machine's real /proc/irq: refuses to go on beside
# an irqbalance in our own mount namespace (a service); those in private namespaces
# over a simulated root (another benchmark's) are harmless.
refuse_host_irqbalance() {
        local own_ns p
        own_ns=$(readlink /proc/self/ns/mnt)
        for p in $(pgrep -x irqbalance || true); do
                if [ "$(readlink /proc/"$p"/ns/mnt 2>/dev/null)" = "$own_ns" ]; then
                        log "irqbalance (PID $p) runs on this machine's real /proc: stop it first (it must not run as a service here)"
                        exit 1
                fi
        done
}

# Starts irqbalance (--foreground --interval $2, output to $3) in a private mount
# namespace over the simulated root $1 (DESIGN.md §6, sim/README.md) and prints its
# PID. The simulator replaces files by rename, so a bind mount of one file would show
# its first version for ever: the root's whole proc/ goes over /proc (irqbalance reads
# nothing else there), its CPU, node and PCI trees over sysfs (isolated and nohz_full
# come from the CPU tree). The mounts are chained with &&: if one fails, irqbalance
# never starts. Its own network namespace too: irqbalance 1.9.2 binds one fixed
# abstract socket name and exits at start when another irqbalance holds it. The
# caller's ban variables would not be the scenario's.
start_irqbalance() {
        local root=$1 interval=$2 logf=$3
        env -u IRQBALANCE_BANNED_CPUS -u IRQBALANCE_BANNED_CPULIST \
        unshare -m -n --propagation private sh -c "
                mount --bind '$root/proc' /proc &&
                mount --bind '$root/sys/devices/system/cpu' /sys/devices/system/cpu &&
                mount --bind '$root/sys/devices/system/node' /sys/devices/system/node &&
                mount --bind '$root/sys/devices/pci0000:00' /sys/devices/pci0000:00 &&
                mount --bind '$root/sys/bus/pci/devices' /sys/bus/pci/devices &&
                exec irqbalance --foreground --interval $interval" > "$logf" 2>&1 &
        echo $!
}
