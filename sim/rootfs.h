/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "machine.h"

/* The machine shown as the files irqbald reads under --root DIR (see sim/README.md),
 * and the daemon's writes read back. Every file is replaced atomically (written to
 * DIR/.sim/tmp, then renamed), and proc/uptime last in each step: a reader that sees
 * the new uptime sees the whole step. */

struct rootfs_irq;

struct rootfs {
        char *dir;                      /* absolute */
        char *tmp;
        struct rootfs_irq *irqs;        /* parallel to machine.irqs */
        size_t n_irqs;
        off_t log_offset;               /* how much of .sim/writes.log was read */
        off_t refused_offset;           /* … and of .sim/refused.log */
        bool log_seen;                  /* the shim has logged at least once */
        hwloc_bitmap_t online_shown;    /* online CPUs as cpuN/online shows them */
};

/* Writes done by the daemon, from .sim/writes.log (the shim's) or, without it, from
 * the mask files that changed. */
struct rootfs_writes {
        unsigned total;
        unsigned managed;               /* to IRQs the kernel owns, refused ones included */
        unsigned pinned;                /* to IRQs an admin pinned */
};

/* DIR must be missing, empty or a previous simulator root (which is cleared, the
 * daemon's configuration trees included). */
int rootfs_create(const char *dir, const struct machine *m, struct rootfs **ret);
void rootfs_free(struct rootfs *rf);

/* Shows the machine's current state; proc/uptime goes last. */
int rootfs_write_state(struct rootfs *rf, const struct machine *m);

/* Takes the daemon's writes since the last call into the machine, as the kernel would
 * (a refused mask is put back). */
int rootfs_read_writes(struct rootfs *rf, struct machine *m, struct rootfs_writes *ret);

/* Lays out the scenario's [File] groups of PHASE (-1: those written before the daemon
 * starts) in file order: each file replaced atomically with its mode, whatever the
 * umask, in directories created 0755; Remove=yes ones unlinked. */
int rootfs_write_files(struct rootfs *rf, const struct scenario *sc, int phase);

/* "ff,ffffffff": the kernel's hex mask of NBITS bits in 32-bit groups; malloc'd. */
char *cpumask_format_hex(hwloc_const_bitmap_t set, unsigned nbits);
