/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>
#include <stddef.h>

/* Shared, read-only CPU sets. A hwloc bitmap costs 112 to 176 bytes (hwloc allocates
 * at least 512 bits, and 1024 CPUs need 1024), and per-IRQ state keeps several, while
 * a machine's IRQs share few distinct masks: one CPU each, a node, all CPUs. A pool
 * keeps one copy of each distinct set, counted: at 4096 IRQs on 1024 CPUs, at most a
 * thousand-odd copies instead of three per IRQ.
 *
 * A set taken from the pool must never be written through a cast: it is shared. */
struct mask_pool;

int mask_pool_new(struct mask_pool **ret);
void mask_pool_free(struct mask_pool *pool);

/* Points *SLOT at the pool's copy of SET (NULL: at nothing), taking a reference, and
 * drops the reference *SLOT held before. An empty SET is the pool's empty set, which
 * is not counted. 0 or -ENOMEM; on failure *SLOT is as before. */
int mask_pool_set(struct mask_pool *pool, hwloc_const_bitmap_t *slot, hwloc_const_bitmap_t set);

/* The same for the set of CPU alone, found by number: what most slots hold. */
int mask_pool_set_cpu(struct mask_pool *pool, hwloc_const_bitmap_t *slot, unsigned cpu);

/* The pool's empty set: for a slot that must point at a set (a placement not made, an
 * effective affinity not known) and holds no reference. */
hwloc_const_bitmap_t mask_pool_empty(const struct mask_pool *pool);

/* Distinct sets the pool holds. */
size_t mask_pool_size(const struct mask_pool *pool);
