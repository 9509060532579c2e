/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/maskpool.h"

/* Each distinct set once, with its reference count; the table's key is the entry's
 * own set. */
struct mask_pool {
        GHashTable *entries;
        hwloc_bitmap_t empty;   /* never in the table */
        /* The entries of one-CPU sets, by CPU number (NULL: none held). Most sets are
         * one CPU (a placement, an effective affinity): found by number, they cost no
         * hash of a set of up to 16 words, nor a comparison of two. */
        struct entry **single;
        size_t n_single;
};

struct entry {
        hwloc_bitmap_t set;
        unsigned refs;
};

/* Over the set's words, which depend on its content only, not on how much hwloc
 * allocated. An infinite set (never a kernel mask) hashes by its first words. */
static guint set_hash(gconstpointer key)
{
        hwloc_const_bitmap_t set = key;
        int n = hwloc_bitmap_nr_ulongs(set);
        guint64 h = n < 0 ? 0x9e3779b97f4a7c15ull : 1469598103934665603ull;

        if (n < 0)
                n = 16;
        for (int i = 0; i < n; i++) {
                h ^= hwloc_bitmap_to_ith_ulong(set, (unsigned) i);
                h *= 1099511628211ull;
        }
        return (guint) (h ^ (h >> 32));
}

static gboolean set_equal(gconstpointer a, gconstpointer b)
{
        return hwloc_bitmap_isequal(a, b);
}

static void entry_free(gpointer p)
{
        struct entry *e = p;

        hwloc_bitmap_free(e->set);
        free(e);
}

int mask_pool_new(struct mask_pool **ret)
{
        struct mask_pool *pool = calloc(1, sizeof(*pool));

        if (!pool)
                return -ENOMEM;
        pool->empty = hwloc_bitmap_alloc();
        if (!pool->empty) {
                free(pool);
                return -ENOMEM;
        }
        pool->entries = g_hash_table_new_full(set_hash, set_equal, NULL, entry_free);
        *ret = pool;
        return 0;
}

void mask_pool_free(struct mask_pool *pool)
{
        if (!pool)
                return;
        free(pool->single);
        g_hash_table_destroy(pool->entries);
        hwloc_bitmap_free(pool->empty);
        free(pool);
}

/* The entry of the set of CPU alone, or NULL. */
static struct entry *single_at(const struct mask_pool *pool, int cpu)
{
        return cpu >= 0 && (size_t) cpu < pool->n_single ? pool->single[cpu] : NULL;
}

/* The entry holding SET's CPUs, or NULL. One-CPU sets are all listed by CPU, so only
 * the others are looked up by content. */
static struct entry *entry_of(const struct mask_pool *pool, hwloc_const_bitmap_t set)
{
        int cpu = cpuset_single_cpu(set);

        return cpu >= 0 ? single_at(pool, cpu) : g_hash_table_lookup(pool->entries, set);
}

/* The entry of SET, one of the pool's own sets: by pointer when it is one CPU's. */
static struct entry *entry_of_member(const struct mask_pool *pool, hwloc_const_bitmap_t set)
{
        struct entry *e = single_at(pool, hwloc_bitmap_first(set));

        return e && e->set == set ? e : g_hash_table_lookup(pool->entries, set);
}

static void unref(struct mask_pool *pool, hwloc_const_bitmap_t set)
{
        struct entry *e = set && set != pool->empty ? entry_of_member(pool, set) : NULL;
        int cpu;

        if (!e || --e->refs > 0)
                return;
        cpu = hwloc_bitmap_first(e->set);
        if (single_at(pool, cpu) == e)
                pool->single[cpu] = NULL;
        g_hash_table_remove(pool->entries, e->set);
}

/* A new entry for SET, listed by CPU too when SET is one CPU; NULL on ENOMEM. */
static struct entry *add(struct mask_pool *pool, hwloc_const_bitmap_t set)
{
        int cpu = cpuset_single_cpu(set);
        struct entry *e;

        if (cpu >= 0 && (size_t) cpu >= pool->n_single) {
                size_t n = pool->n_single ? pool->n_single : 64;
                struct entry **single;

                while (n <= (size_t) cpu)
                        n *= 2;
                single = realloc(pool->single, n * sizeof(*single));
                if (!single)
                        return NULL;
                memset(single + pool->n_single, 0, (n - pool->n_single) * sizeof(*single));
                pool->single = single;
                pool->n_single = n;
        }
        e = calloc(1, sizeof(*e));
        if (!e || !(e->set = hwloc_bitmap_dup(set))) {
                free(e);
                return NULL;
        }
        g_hash_table_insert(pool->entries, e->set, e);
        if (cpu >= 0)
                pool->single[cpu] = e;
        return e;
}

/* Points *SLOT at E's set (NULL: nothing), with a reference, and drops *SLOT's. */
static void point(struct mask_pool *pool, hwloc_const_bitmap_t *slot, struct entry *e)
{
        if (e)
                e->refs++;
        unref(pool, *slot);
        *slot = e ? e->set : NULL;
}

int mask_pool_set(struct mask_pool *pool, hwloc_const_bitmap_t *slot, hwloc_const_bitmap_t set)
{
        struct entry *e = NULL;

        if (set && *slot && hwloc_bitmap_isequal(*slot, set))
                return 0;
        if (set && hwloc_bitmap_iszero(set)) {
                unref(pool, *slot);
                *slot = pool->empty;
                return 0;
        }
        if (set) {
                e = entry_of(pool, set);
                if (!e && !(e = add(pool, set)))
                        return -ENOMEM;
        }
        point(pool, slot, e);
        return 0;
}

int mask_pool_set_cpu(struct mask_pool *pool, hwloc_const_bitmap_t *slot, unsigned cpu)
{
        struct entry *e = cpu <= INT_MAX ? single_at(pool, (int) cpu) : NULL;
        hwloc_bitmap_t set;
        int r;

        if (e) {
                if (*slot != e->set)
                        point(pool, slot, e);
                return 0;
        }
        /* Not held yet: mask_pool_set() makes its entry, listed by CPU from then on. */
        set = hwloc_bitmap_alloc();
        r = set && hwloc_bitmap_only(set, cpu) == 0 ? mask_pool_set(pool, slot, set) : -ENOMEM;
        hwloc_bitmap_free(set);
        return r;
}

size_t mask_pool_size(const struct mask_pool *pool)
{
        return g_hash_table_size(pool->entries);
}

hwloc_const_bitmap_t mask_pool_empty(const struct mask_pool *pool)
{
        return pool->empty;
}
