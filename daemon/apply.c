/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/apply.h"
#include "irqbal/cpuset.h"
#include "irqbal/log.h"
#include "irqbal/macro.h"
#include "irqbal/maskpool.h"

/* A transient refusal (EBUSY, EAGAIN) is retried the next cycle, then after 2, 4, …
 * cycles: a vector move in progress usually completes within a cycle, and an IRQ that
 * stays busy must not cost a write every cycle. */
#define BACKOFF_MAX_CYCLES 32u
/* How long CPUs whose vectors were full stay avoided: 10 minutes at the default
 * interval, long enough not to hammer them, short enough to use them again once
 * IRQs have left. */
#define FULL_CPUS_RETRY_CYCLES 60u

/* What apply remembers about one IRQ it wrote or tried to write. */
struct irq_state {
        unsigned irq;
        /* Masks from apply_state.masks (shared: never written through): */
        hwloc_const_bitmap_t original;  /* before irqbald first moved it; NULL until then */
        hwloc_const_bitmap_t written;   /* what the kernel took from our last write; NULL if none */
        hwloc_const_bitmap_t before;    /* the kernel's mask just before that write */
        uint64_t count_at_write;   /* its interrupt count when we wrote, then at the first
                                    * sample after the write (counted_after_write) */
        bool counted_after_write;  /* count_at_write is from a sample after the write */
        bool verify_pending;       /* written, not yet seen to take effect */
        bool in_readback;          /* listed in apply_state.readback */
        bool force_write;          /* the kernel undid a move with the mask left as ours */
        bool refused;              /* EPERM/EIO: never moves */
        bool pinned;               /* someone else set its mask after us */
        unsigned busy_streak;      /* consecutive EBUSY/EAGAIN */
        uint64_t retry_at;         /* first cycle that may write it again */
        char *reason;              /* why it may not be balanced, when it may not */
        struct apply_counters counters;
};

struct apply_state {
        const struct irqbal_root *root;
        struct apply_config config;
        GHashTable *irqs;          /* IRQ number → struct irq_state */
        struct mask_pool *masks;   /* the states' masks: few distinct ones, many IRQs */
        uint64_t cycle;
        char *default_original;    /* default_smp_affinity before our first write, as read */
        hwloc_bitmap_t default_written;  /* what we last wrote there */
        struct apply_counters totals;
        /* CPUs whose interrupt vectors were full (ENOSPC): vectors are per CPU, so no
         * IRQ fits there, not just the one refused. Until full_until, when IRQs may
         * have left them and they are tried again. */
        hwloc_bitmap_t full_cpus;
        uint64_t full_until;
        /* The IRQs whose mask the next apply_verify() must see fresh, without
         * duplicates: written and not seen to take effect yet, or found changed just
         * before a write. Kept across cycles, so that listing them does not allocate. */
        unsigned *readback;
        size_t n_readback, readback_cap;
        hwloc_bitmap_t scratch;    /* a mask read back from the kernel */
        /* The last apply_verify() changed what apply_may_balance() or apply_full_cpus()
         * say, or saw a move the kernel made, undid or refused: see apply_settled(). */
        bool verify_changed;
        /* The last cycle of any back-off running: until then, each cycle looks at
         * every IRQ (apply_verify_readback()). */
        uint64_t retry_until;
};

void apply_config_default(struct apply_config *c)
{
        *c = (struct apply_config) {
                .dry_run = false,
                .respect_external_pins = true,
        };
}

/* Points one of an IRQ's masks at SET (NULL: none); false on ENOMEM. */
static bool mask_set(struct apply_state *a, hwloc_const_bitmap_t *slot, hwloc_const_bitmap_t set)
{
        return mask_pool_set(a->masks, slot, set) == 0;
}

/* Drops S's masks from the pool, before S goes. */
static void state_forget(struct apply_state *a, struct irq_state *s)
{
        (void) mask_set(a, &s->original, NULL);
        (void) mask_set(a, &s->written, NULL);
        (void) mask_set(a, &s->before, NULL);
}

/* The table's own free: its masks go before, with state_forget(), or with apply's own
 * pool (see apply_state_free()). */
static void irq_state_free(void *p)
{
        struct irq_state *s = p;

        free(s->reason);
        free(s);
}

int apply_state_new(const struct irqbal_root *root, const struct apply_config *config,
                    struct apply_state **ret)
{
        struct apply_state *a = calloc(1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        a->root = root;
        a->config = *config;
        a->irqs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, irq_state_free);
        a->scratch = hwloc_bitmap_alloc();
        a->full_cpus = hwloc_bitmap_alloc();
        a->masks = config->masks;
        if (!a->scratch || !a->full_cpus || (!a->masks && mask_pool_new(&a->masks) < 0)) {
                apply_state_free(a);
                return -ENOMEM;
        }
        *ret = a;
        return 0;
}

void apply_set_respect_external_pins(struct apply_state *a, bool respect)
{
        a->config.respect_external_pins = respect;
}

void apply_state_free(struct apply_state *a)
{
        if (!a)
                return;
        if (a->config.masks) {
                /* The pool is the caller's and stays: the states' references go. */
                GHashTableIter it;
                gpointer s;

                g_hash_table_iter_init(&it, a->irqs);
                while (g_hash_table_iter_next(&it, NULL, &s))
                        state_forget(a, s);
        } else
                mask_pool_free(a->masks);
        g_hash_table_destroy(a->irqs);
        free(a->default_original);
        hwloc_bitmap_free(a->default_written);
        free(a->readback);
        hwloc_bitmap_free(a->scratch);
        hwloc_bitmap_free(a->full_cpus);
        free(a);
}

static struct irq_state *state_find(const struct apply_state *a, unsigned irq)
{
        return g_hash_table_lookup(a->irqs, GUINT_TO_POINTER(irq));
}

static struct irq_state *state_get(struct apply_state *a, unsigned irq)
{
        struct irq_state *s = state_find(a, irq);

        if (s)
                return s;
        s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->irq = irq;
        g_hash_table_insert(a->irqs, GUINT_TO_POINTER(irq), s);
        return s;
}

/* Lists S's IRQ for the next apply_verify() to see fresh; false on ENOMEM. */
static bool readback_add(struct apply_state *a, struct irq_state *s)
{
        if (s->in_readback)
                return true;
        if (a->n_readback == a->readback_cap) {
                size_t cap = a->readback_cap ? 2 * a->readback_cap : 64;
                unsigned *list = reallocarray(a->readback, cap, sizeof(*list));

                if (!list)
                        return false;
                a->readback = list;
                a->readback_cap = cap;
        }
        a->readback[a->n_readback++] = s->irq;
        s->in_readback = true;
        return true;
}

size_t apply_readback_irqs(struct apply_state *a, struct irq_inventory *inv,
                           const unsigned **ret)
{
        size_t n = 0;

        /* Those that need it first, in place: the list is kept as a whole for
         * apply_verify(). */
        for (size_t i = 0; i < a->n_readback; i++) {
                const struct irq_state *s = state_find(a, a->readback[i]);
                const struct irq *found = inventory_find(inv, a->readback[i]);
                unsigned swap;

                /* Until its next interrupt a written IRQ stays where the write left it
                 * (DESIGN §4.4: the move happens then, or fails then): its mask is the
                 * one the kernel reported after the write, and an idle IRQ is not read
                 * again every cycle. Someone else's change since shows before irqbald
                 * writes it again (write_one()), or at the next full read. */
                if (s && found && s->verify_pending && found->count == s->count_at_write) {
                        /* Out of memory, the old mask stays: it is read again next time. */
                        (void) inventory_set_affinity(inv, &inv->irqs[found - inv->irqs], s->written);
                        continue;
                }
                swap = a->readback[n];
                a->readback[n++] = a->readback[i];
                a->readback[i] = swap;
        }
        *ret = a->readback;
        return n;
}

/* Replaces *DST with a copy of SRC; false on ENOMEM. */
static bool set_copy(hwloc_bitmap_t *dst, hwloc_const_bitmap_t src)
{
        if (!*dst)
                *dst = hwloc_bitmap_alloc();
        return *dst && hwloc_bitmap_copy(*dst, src) == 0;
}

/* Says why S may not be balanced. Out of memory, the reason is lost, not the hold:
 * apply_may_balance() callers have a generic text for NULL. */
static _printf_(2, 3) void set_reason(struct irq_state *s, const char *fmt, ...)
{
        va_list ap;

        free(s->reason);
        va_start(ap, fmt);
        if (vasprintf(&s->reason, fmt, ap) < 0)
                s->reason = NULL;
        va_end(ap);
}

/* The errno names the kernel's affinity writes produce, for messages and the JSON. */
static const char *errno_name(int e)
{
        switch (e) {
        case EPERM:     return "EPERM";
        case EIO:       return "EIO";
        case EBUSY:     return "EBUSY";
        case EAGAIN:    return "EAGAIN";
        case ENOSPC:    return "ENOSPC";
        case EINVAL:    return "EINVAL";
        case ERANGE:    return "ERANGE";
        case EOVERFLOW: return "EOVERFLOW";
        default:        return "error";
        }
}

/* The kernel's hex mask: 32-bit groups, most significant first, comma-separated;
 * default_smp_affinity takes no other format. malloc'd, NULL on ENOMEM. */
static char *cpumask_format(hwloc_const_bitmap_t set)
{
        const unsigned groups_per_ulong = sizeof(unsigned long) * 8 / 32;
        int last = hwloc_bitmap_last(set);
        unsigned groups = last < 0 ? 1 : (unsigned) last / 32 + 1;
        char *s = malloc((size_t) groups * 9 + 1), *p = s;

        if (!s)
                return NULL;
        for (unsigned g = groups; g-- > 0;) {
                unsigned long word = hwloc_bitmap_to_ith_ulong(set, g / groups_per_ulong);
                unsigned group = (unsigned) (word >> (g % groups_per_ulong * 32)) & 0xffffffffu;

                p += sprintf(p, g == groups - 1 ? "%x" : ",%08x", group);
        }
        return s;
}

#define DEFAULT_AFFINITY PROC_IRQ "/default_smp_affinity"

static const char *affinity_path(char *buf, size_t size, unsigned irq)
{
        snprintf(buf, size, PROC_IRQ "/%u/smp_affinity_list", irq);
        return buf;
}

static void count_failed(struct apply_state *a, struct irq_state *s)
{
        s->counters.failed_moves++;
        a->totals.failed_moves++;
}

enum apply_hold apply_irq_hold(const struct apply_state *a, unsigned irq)
{
        const struct irq_state *s = state_find(a, irq);

        if (!s)
                return APPLY_HOLD_NONE;
        if (s->refused)
                return APPLY_HOLD_REFUSED;
        if (s->pinned)
                return APPLY_HOLD_PINNED;
        return a->cycle < s->retry_at ? APPLY_HOLD_BACKING_OFF : APPLY_HOLD_NONE;
}

bool apply_settled(const struct apply_state *a)
{
        return !a->verify_changed && a->n_readback == 0;
}

bool apply_may_balance(const struct apply_state *a, unsigned irq, const char **ret_reason)
{
        const struct irq_state *s = state_find(a, irq);

        if (!s || (!s->refused && !s->pinned && a->cycle >= s->retry_at))
                return true;
        if (ret_reason)
                *ret_reason = s->reason;
        return false;
}

hwloc_const_bitmap_t apply_full_cpus(const struct apply_state *a)
{
        return hwloc_bitmap_iszero(a->full_cpus) ? NULL : a->full_cpus;
}

void apply_irq_counters(const struct apply_state *a, unsigned irq, struct apply_counters *ret)
{
        const struct irq_state *s = state_find(a, irq);

        *ret = s ? s->counters : (struct apply_counters) {};
}

void apply_total_counters(const struct apply_state *a, struct apply_counters *ret)
{
        *ret = a->totals;
}

/* A move the kernel did not carry out: count it and try again. */
static void deferred_move_failed(struct apply_state *a, struct irq_state *s, const struct irq *irq)
{
        hwloc_const_bitmap_t runs_on = irq->has_effective ? irq->effective : irq->affinity;
        _cleanup_free_ char *want = cpulist_format(s->written), *got = cpulist_format(runs_on);

        count_failed(a, s);
        log_info("IRQ %u: the kernel did not complete its move to %s (it runs on %s); "
                 "trying again", s->irq, want ? want : "?", got ? got : "?");
}

static int verify_one(struct apply_state *a, struct irq_state *s, const struct irq *irq,
                      hwloc_const_bitmap_t online)
{
        _cleanup_free_ char *now = NULL, *ours = NULL;

        /* An unreadable mask proves nothing either way. */
        if (!s->written || s->refused || s->pinned || hwloc_bitmap_iszero(irq->affinity))
                return 0;

        if (hwloc_bitmap_isequal(irq->affinity, s->written)) {
                if (!s->verify_pending)
                        return 0;
                /* Deferred moves (DESIGN §4.4) happen at the next interrupt: without one,
                 * an old effective CPU only means "not yet". The count known at the
                 * write was sampled before it: interrupts between that sample and the
                 * write went to the old CPU as they should, so only interrupts after
                 * the first sample taken after the write prove the move failed. */
                if (irq->has_effective && !hwloc_bitmap_iszero(irq->effective) &&
                    !hwloc_bitmap_isincluded(irq->effective, s->written)) {
                        if (!s->counted_after_write) {
                                s->count_at_write = irq->count;
                                s->counted_after_write = true;
                                return 0;
                        }
                        if (irq->count == s->count_at_write)
                                return 0;
                        deferred_move_failed(a, s, irq);
                        s->force_write = true;
                }
                s->verify_pending = false;
                a->verify_changed = true;
                return 0;
        }

        s->verify_pending = false;
        a->verify_changed = true;
        now = cpulist_format(irq->affinity);
        ours = cpulist_format(s->written);
        if (!now || !ours)
                return -ENOMEM;

        /* DESIGN §4.7: a CPU going offline resets the mask to all online CPUs. That is
         * the kernel undoing our placement, not someone else's pin: place it again. */
        if (!hwloc_bitmap_isincluded(s->written, online) ||
            hwloc_bitmap_isequal(irq->affinity, online)) {
                log_info("IRQ %u: the kernel reset its mask from %s to %s as a CPU went "
                         "offline; placing it again", s->irq, ours, now);
                return mask_set(a, &s->written, NULL) ? 0 : -ENOMEM;
        }

        /* A failed deferred move puts the previous mask back. */
        if (s->before && hwloc_bitmap_isequal(irq->affinity, s->before) &&
            irq->count != s->count_at_write) {
                deferred_move_failed(a, s, irq);
                return mask_set(a, &s->written, irq->affinity) ? 0 : -ENOMEM;
        }

        if (a->config.respect_external_pins) {
                s->pinned = true;
                set_reason(s, "pinned to %s by someone else", now);
                log_notice("IRQ %u was pinned to %s by someone else; leaving it alone",
                           s->irq, now);
                return 0;
        }
        log_info("IRQ %u was set to %s by someone else; overwriting it "
                 "(respect_external_pins is off)", s->irq, now);
        /* Taken as the new baseline, so that the message comes once per change. */
        return mask_set(a, &s->written, irq->affinity) ? 0 : -ENOMEM;
}

static void verify_begin(struct apply_state *a)
{
        a->cycle++;
        a->verify_changed = false;
        if (a->cycle >= a->full_until && !hwloc_bitmap_iszero(a->full_cpus)) {
                log_info("Trying again CPUs whose interrupt vectors were full.");
                hwloc_bitmap_zero(a->full_cpus);
                a->verify_changed = true;
        }
}

/* What stays listed: moves still not seen to happen (no interrupt since). A refused or
 * pinned IRQ is not verified any more, nor read for it. */
static void verify_end(struct apply_state *a)
{
        size_t k = 0;

        for (size_t i = 0; i < a->n_readback; i++) {
                struct irq_state *s = state_find(a, a->readback[i]);

                if (!s)
                        continue;
                s->in_readback = s->verify_pending && s->written && !s->refused && !s->pinned;
                if (s->in_readback)
                        a->readback[k++] = s->irq;
        }
        a->n_readback = k;
}

int apply_verify(struct apply_state *a, const struct irq_inventory *inv,
                 hwloc_const_bitmap_t online)
{
        GHashTableIter iter;
        void *value;

        verify_begin(a);
        g_hash_table_iter_init(&iter, a->irqs);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
                struct irq_state *s = value;
                const struct irq *irq = inventory_find(inv, s->irq);
                int r;

                if (!irq) {
                        /* Its number may come back for another device: start afresh. */
                        log_debug("IRQ %u is gone; forgetting it", s->irq);
                        state_forget(a, s);
                        g_hash_table_iter_remove(&iter);
                        a->verify_changed = true;
                        continue;
                }
                /* A back-off running or ending this cycle: apply_may_balance() may
                 * say otherwise any cycle now. */
                if (s->retry_at > 0 && a->cycle <= s->retry_at)
                        a->verify_changed = true;
                r = verify_one(a, s, irq, online);
                if (r < 0)
                        return r;
        }
        verify_end(a);
        return 0;
}

int apply_verify_readback(struct apply_state *a, const struct irq_inventory *inv,
                          hwloc_const_bitmap_t online)
{
        /* A back-off running or ending this cycle is the whole pass's to see. */
        if (a->cycle + 1 <= a->retry_until)
                return apply_verify(a, inv, online);
        verify_begin(a);
        for (size_t i = 0; i < a->n_readback; i++) {
                struct irq_state *s = state_find(a, a->readback[i]);
                const struct irq *irq = inventory_find(inv, a->readback[i]);
                int r;

                /* Gone with an unchanged inventory cannot be; the next full pass says. */
                if (!s || !irq)
                        continue;
                r = verify_one(a, s, irq, online);
                if (r < 0)
                        return r;
        }
        verify_end(a);
        return 0;
}

/* Classifies a refused write (DESIGN §4.3); false on ENOMEM. */
static bool write_failed(struct apply_state *a, struct irq_state *s, hwloc_const_bitmap_t target,
                         const char *mask, int r)
{
        int e = -r;

        count_failed(a, s);
        switch (e) {
        case EPERM:
        case EIO:
                /* DESIGN §4.3: managed, per-CPU or no-balancing; it will never move. */
                s->refused = true;
                set_reason(s, "kernel refused affinity change (%s)", errno_name(e));
                log_notice("IRQ %u: the kernel refused to move it to %s (%s); "
                           "leaving it where it is", s->irq, mask, errno_name(e));
                break;
        case ENOSPC:
                hwloc_bitmap_or(a->full_cpus, a->full_cpus, target);
                a->full_until = a->cycle + FULL_CPUS_RETRY_CYCLES;
                log_info("IRQ %u: no free interrupt vectors on CPU(s) %s (ENOSPC); "
                         "no IRQ goes there for the next %u cycles", s->irq, mask,
                         FULL_CPUS_RETRY_CYCLES);
                break;
        case EINVAL:
        case ERANGE:
        case EOVERFLOW:
                log_error_errno(r, "IRQ %u: the kernel rejected mask %s (%s: %m); a CPU "
                                "went offline meanwhile, or this is a bug in irqbald",
                                s->irq, mask, errno_name(e));
                break;
        case EBUSY:
        case EAGAIN: {
                unsigned delay = s->busy_streak >= 5 ? BACKOFF_MAX_CYCLES : 1u << s->busy_streak;

                s->busy_streak++;
                s->retry_at = a->cycle + delay;
                if (s->retry_at > a->retry_until)
                        a->retry_until = s->retry_at;
                set_reason(s, "kernel busy (%s), retrying later", errno_name(e));
                log_info("IRQ %u: the kernel was busy moving it to %s (%s); retrying in "
                         "%u cycle(s)", s->irq, mask, errno_name(e), delay);
                break;
        }
        default:
                log_warning_errno(r, "IRQ %u: cannot write %s to its smp_affinity_list: %m",
                                  s->irq, mask);
        }
        return true;
}

/* Writes TARGET for IRQ; 0 when written, 1 when the kernel said no, 2 when not written
 * because the mask changed since it was read, -ENOMEM. */
static int write_one(struct apply_state *a, const struct irq *irq, hwloc_const_bitmap_t target)
{
        _cleanup_free_ char *mask = cpulist_format(target);
        struct irq_state *s = state_get(a, irq->number);
        char path[64];
        int r;

        if (!mask || !s)
                return -ENOMEM;
        affinity_path(path, sizeof(path), irq->number);
        /* Steady cycles do not read every IRQ's mask (observer_refresh_placement): one
         * not read lately may have been pinned by someone else since. Look before
         * writing, and when it changed, leave it to the next apply_verify() to say
         * whose change it was, rather than overwrite a pin not seen yet. */
        r = root_read_cpulist(a->root, path, a->scratch);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && !hwloc_bitmap_isequal(a->scratch, irq->affinity)) {
                log_debug("IRQ %u: its mask changed since it was last read; not moving it "
                          "before it is verified", irq->number);
                return readback_add(a, s) ? 2 : -ENOMEM;
        }
        r = root_write_file(a->root, path, mask);
        if (r == -ENOENT) {
                /* Gone since the scan; apply_verify() forgets it next cycle. */
                log_debug("IRQ %u vanished before it could be moved to %s", irq->number, mask);
                return 1;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return write_failed(a, s, target, mask, r) ? 1 : -ENOMEM;

        s->counters.moves++;
        a->totals.moves++;
        s->busy_streak = 0;
        s->force_write = false;
        s->verify_pending = true;
        s->count_at_write = irq->count;
        s->counted_after_write = false;
        if ((!s->original && !mask_set(a, &s->original, irq->affinity)) ||
            !mask_set(a, &s->before, irq->affinity) || !mask_set(a, &s->written, target) ||
            !readback_add(a, s))
                return -ENOMEM;

        /* The kernel may keep less than we asked (CPUs it cannot use); remember what it
         * kept, or our own write would look like someone else's pin next cycle. */
        r = root_read_cpulist(a->root, path, a->scratch);
        if (r < 0)
                log_debug_errno(r, "IRQ %u: cannot read back its mask: %m", irq->number);
        else if (!hwloc_bitmap_isequal(a->scratch, target)) {
                _cleanup_free_ char *got = cpulist_format(a->scratch);

                log_warning("IRQ %u: wrote %s to its smp_affinity_list, but the kernel "
                            "reports %s", irq->number, mask, got ? got : "?");
                if (!mask_set(a, &s->written, a->scratch))
                        return -ENOMEM;
        }
        return 0;
}

static int apply_default(struct apply_state *a, hwloc_const_bitmap_t set)
{
        _cleanup_free_ char *current = NULL, *hex = NULL;
        hwloc_bitmap_t now = hwloc_bitmap_alloc();
        bool same;
        int r;

        if (!now)
                return -ENOMEM;
        r = root_read_line(a->root, DEFAULT_AFFINITY, &current);
        if (r == -ENOMEM) {
                hwloc_bitmap_free(now);
                return r;
        }
        if (r < 0) {
                log_debug_errno(r, "Cannot read %s, leaving it alone: %m", DEFAULT_AFFINITY);
                hwloc_bitmap_free(now);
                return 0;
        }
        same = cpumask_parse(current, now) == 0 && hwloc_bitmap_isequal(now, set);
        hwloc_bitmap_free(now);
        if (same || a->config.dry_run)
                return 0;

        hex = cpumask_format(set);
        if (!hex)
                return -ENOMEM;
        r = root_write_file(a->root, DEFAULT_AFFINITY, hex);
        if (r < 0) {
                log_warning_errno(r, "Cannot write %s to %s: %m", hex, DEFAULT_AFFINITY);
                return r == -ENOMEM ? r : 0;
        }
        log_debug("Wrote %s to %s", hex, DEFAULT_AFFINITY);
        if (!a->default_original && !(a->default_original = strdup(current)))
                return -ENOMEM;
        return set_copy(&a->default_written, set) ? 0 : -ENOMEM;
}

int apply_plan(struct apply_state *a, const struct irq_inventory *inv, const struct plan *plan,
               struct apply_stats *ret_stats)
{
        struct apply_stats stats = {};
        size_t cursor = 0;
        int r;

        for (size_t i = 0; i < plan->n; i++) {
                const struct placement *p = &plan->items[i];
                const struct irq *irq = inventory_find_next(inv, p->irq, &cursor);
                const struct irq_state *s = state_find(a, p->irq);

                if (!irq || !apply_may_balance(a, p->irq, NULL))
                        continue;
                if (hwloc_bitmap_iszero(p->cpus)) {
                        log_error("IRQ %u: the plan gives it no CPU (%s); not writing it",
                                  p->irq, p->reason);
                        continue;
                }
                if (hwloc_bitmap_isequal(p->cpus, irq->affinity) && !(s && s->force_write)) {
                        /* Already where the plan wants it: irqbald owns that placement as
                         * much as one it wrote, so a later change by someone else is a pin
                         * (DESIGN §4.8) even though we never had to write it. */
                        if (!a->config.dry_run && !(s && s->written)) {
                                struct irq_state *owned = state_get(a, p->irq);

                                if (!owned || !mask_set(a, &owned->written, irq->affinity))
                                        return -ENOMEM;
                        }
                        continue;
                }
                stats.changed++;
                if (a->config.dry_run)
                        continue;
                r = write_one(a, irq, p->cpus);
                if (r < 0)
                        return r;
                if (r == 2)
                        stats.changed--;  /* not known to differ: verified next cycle */
                else if (r == 0)
                        stats.written++;
                else
                        stats.failed++;
        }
        if (plan->default_affinity && !hwloc_bitmap_iszero(plan->default_affinity)) {
                r = apply_default(a, plan->default_affinity);
                if (r < 0)
                        return r;
        }
        if (ret_stats)
                *ret_stats = stats;
        return 0;
}

/* 0 when restored or nothing to do, 1 when written back, -ENOMEM. */
static int restore_one(struct apply_state *a, struct irq_state *s, hwloc_bitmap_t now)
{
        _cleanup_free_ char *mask = NULL;
        char path[64];
        int r;

        if (!s->original || s->refused || s->pinned)
                return 0;
        affinity_path(path, sizeof(path), s->irq);
        r = root_read_cpulist(a->root, path, now);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                log_warning_errno(r, "IRQ %u: cannot read its mask, not restoring it: %m", s->irq);
                return r == -ENOMEM ? r : 0;
        }
        if (s->written && !hwloc_bitmap_isequal(now, s->written)) {
                log_info("IRQ %u was changed by someone else since our last write; "
                         "not restoring it", s->irq);
                return 0;
        }
        if (hwloc_bitmap_isequal(now, s->original))
                return 0;
        mask = cpulist_format(s->original);
        if (!mask)
                return -ENOMEM;
        r = root_write_file(a->root, path, mask);
        if (r < 0) {
                log_warning_errno(r, "IRQ %u: cannot restore its original mask %s: %m",
                                  s->irq, mask);
                return r == -ENOMEM ? r : 0;
        }
        return 1;
}

static int restore_default(struct apply_state *a)
{
        _cleanup_free_ char *current = NULL;
        hwloc_bitmap_t now;
        bool ours;
        int r;

        r = root_read_line(a->root, DEFAULT_AFFINITY, &current);
        if (r < 0) {
                log_warning_errno(r, "Cannot read %s, not restoring it: %m", DEFAULT_AFFINITY);
                return r == -ENOMEM ? r : 0;
        }
        now = hwloc_bitmap_alloc();
        if (!now)
                return -ENOMEM;
        ours = cpumask_parse(current, now) == 0 && hwloc_bitmap_isequal(now, a->default_written);
        hwloc_bitmap_free(now);
        if (!ours) {
                log_info("%s was changed by someone else since our last write; not restoring it",
                         DEFAULT_AFFINITY);
                return 0;
        }
        r = root_write_file(a->root, DEFAULT_AFFINITY, a->default_original);
        if (r < 0)
                log_warning_errno(r, "Cannot restore %s to %s: %m", DEFAULT_AFFINITY, a->default_original);
        return r == -ENOMEM ? r : 0;
}

static int cmp_state(const void *x, const void *y)
{
        const struct irq_state *sx = *(struct irq_state *const *) x;
        const struct irq_state *sy = *(struct irq_state *const *) y;
        unsigned a = sx->irq, b = sy->irq;

        return a < b ? -1 : a > b;
}

int apply_restore(struct apply_state *a)
{
        _cleanup_free_ struct irq_state **states = NULL;
        GHashTableIter iter;
        hwloc_bitmap_t now;
        unsigned restored = 0;
        size_t n = 0;
        void *value;
        int r = 0;

        /* In IRQ order, so that runs on the simulator are reproducible. */
        states = calloc(g_hash_table_size(a->irqs) + 1, sizeof(*states));
        now = hwloc_bitmap_alloc();
        if (!states || !now) {
                hwloc_bitmap_free(now);
                return -ENOMEM;
        }
        g_hash_table_iter_init(&iter, a->irqs);
        while (g_hash_table_iter_next(&iter, NULL, &value))
                states[n++] = value;
        qsort(states, n, sizeof(*states), cmp_state);
        for (size_t i = 0; i < n; i++) {
                r = restore_one(a, states[i], now);
                if (r < 0)
                        break;
                restored += (unsigned) r;
                r = 0;
        }
        hwloc_bitmap_free(now);
        if (r < 0)
                return r;

        if (a->default_original) {
                r = restore_default(a);
                if (r < 0)
                        return r;
        }
        if (restored > 0)
                log_info("Restored the original affinity of %u IRQ(s)", restored);
        return 0;
}
