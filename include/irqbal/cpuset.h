/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>

#include "irqbal/root.h"

/* CPU sets are hwloc bitmaps indexed by the kernel's CPU number (hwloc's os_index).
 * The kernel speaks two formats: cpulists ("0-3,8,10-11", as in smp_affinity_list,
 * online, isolated) and hex masks in 32-bit groups ("ff,0000000f", smp_affinity). */

/* Strict: trailing blanks/newline allowed, anything else malformed is -EINVAL. An
 * empty string is the empty set. Accepts the kernel's "A-B:U/G" stride form. */
int cpulist_parse(const char *s, hwloc_bitmap_t set);
int cpumask_parse(const char *s, hwloc_bitmap_t set);

/* The CPU of a one-CPU set, else -1 (empty, several CPUs, infinite). Cheaper than
 * hwloc_bitmap_weight(), which counts every word's bits. */
int cpuset_single_cpu(hwloc_const_bitmap_t set);

/* "0-3,8", or "" for the empty set; malloc'd, NULL on ENOMEM. */
char *cpulist_format(hwloc_const_bitmap_t set);

/* Reads a cpulist file under the root. -ENOENT is returned as is: callers decide
 * whether a missing file means "none" (isolated, nohz_full) or is an error. */
int root_read_cpulist(const struct irqbal_root *root, const char *abspath, hwloc_bitmap_t set);
