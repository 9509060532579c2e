/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "irqbal/maskpool.h"

/* Each distinct set once, with its reference count; the table's key is the entry's
 * own set. */
struct mask_pool {
        GHashTable *entries;
        hwloc_bitmap_t empty;   /* never in the table */
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
        g_hash_table_destroy(pool->entries);
        hwloc_bitmap_free(pool->empty);
        free(pool);
}

static void unref(struct mask_pool *pool, hwloc_const_bitmap_t set)
{
        struct entry *e = set && set != pool->empty ? g_hash_table_lookup(pool->entries, set) : NULL;

        if (e && --e->refs == 0)
                g_hash_table_remove(pool->entries, e->set);
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
                e = g_hash_table_lookup(pool->entries, set);
                if (!e) {
                        e = calloc(1, sizeof(*e));
                        if (!e || !(e->set = hwloc_bitmap_dup(set))) {
                                free(e);
                                return -ENOMEM;
                        }
                        g_hash_table_insert(pool->entries, e->set, e);
                }
                e->refs++;
        }
        unref(pool, *slot);
        *slot = e ? e->set : NULL;
        return 0;
}

size_t mask_pool_size(const struct mask_pool *pool)
{
        return g_hash_table_size(pool->entries);
}

hwloc_const_bitmap_t mask_pool_empty(const struct mask_pool *pool)
{
        return pool->empty;
}
