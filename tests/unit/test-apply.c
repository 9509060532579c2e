/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply.c against a fake root whose IRQ files answer like the kernel's: the test
 * runs with sim/libirqbal-kshim.so preloaded, so each errno class comes from the same
 * openat()+write() the daemon does, and .sim/writes.log counts the writes.
 *
 * LD_PRELOAD only takes effect at exec, so the program re-executes itself once with
 * it set (see preload_shim below); each test points IRQBAL_SIM_ROOT at its own root,
 * and the shim follows the variable. */
#include <dlfcn.h>
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irqbal/apply.h"
#include "irqbal/cpuset.h"
#include "testlib.h"

static const char *builddir(void)
{
        const char *s = getenv("TOP_BUILDDIR");
        return s ? s : TOP_BUILDDIR;
}

/* Runs before Check: re-executes this program with the shim preloaded. Built with
 * AddressSanitizer, the ASan runtime must come first in LD_PRELOAD; it is loaded
 * already, so dladdr() names it. */
__attribute__((constructor)) static void preload_shim(int argc, char **argv)
{
        char *shim, *preload;
        const char *asan = NULL, *old = getenv("LD_PRELOAD");

        if (getenv("IRQBAL_TEST_PRELOADED"))
                return;
        if (asprintf(&shim, "%s/sim/libirqbal-kshim.so", builddir()) < 0 ||
            access(shim, R_OK) < 0) {
                fprintf(stderr, "test-apply: %s missing; the errno tests will fail\n",
                        builddir());
                return;
        }
#ifdef __SANITIZE_ADDRESS__
        {
                Dl_info info;
                void *sym = dlsym(RTLD_DEFAULT, "__asan_init");

                if (sym && dladdr(sym, &info) && info.dli_fname)
                        asan = info.dli_fname;
        }
#endif
        if (asprintf(&preload, "%s%s%s%s%s", asan ? asan : "", asan ? ":" : "", shim,
                     old ? ":" : "", old ? old : "") < 0)
                return;
        setenv("LD_PRELOAD", preload, 1);
        setenv("IRQBAL_TEST_PRELOADED", "1", 1);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "test-apply: cannot re-execute itself: %m\n");
}

/* A machine with CPUs 0-7 and IRQs 10-15 whose masks the tests set. */
struct fixture {
        char *dir;
        struct irqbal_root root;
        struct irq_inventory inv;
        hwloc_bitmap_t online;
        struct apply_state *apply;
        uint64_t count[16];     /* interrupt counts the next scan reports */
};

static void fx_init(struct fixture *fx, bool respect_pins, bool dry_run)
{
        struct apply_config config;

        *fx = (struct fixture) {};
        fx->dir = tl_mkdtemp();
        ck_assert_int_eq(setenv("IRQBAL_SIM_ROOT", fx->dir, 1), 0);
        tl_write(fx->dir, "sys/devices/system/cpu/online", "0-7\n");
        tl_write_proc_irq(fx->dir, "default_smp_affinity", "ff\n");
        for (unsigned irq = 10; irq <= 15; irq++)
                tl_write_irq_masks(fx->dir, irq, "0-7", "ff");
        ck_assert_int_eq(root_open(&fx->root, fx->dir), 0);
        fx->online = hwloc_bitmap_alloc();
        apply_config_default(&config);
        config.respect_external_pins = respect_pins;
        config.dry_run = dry_run;
        ck_assert_int_eq(apply_state_new(&fx->root, &config, &fx->apply), 0);
}

static void fx_done(struct fixture *fx)
{
        apply_state_free(fx->apply);
        inventory_done(&fx->inv);
        hwloc_bitmap_free(fx->online);
        root_close(&fx->root);
        tl_rmtree(fx->dir);
        free(fx->dir);
}

static void fx_set(struct fixture *fx, const char *rel, const char *content)
{
        tl_write(fx->dir, rel, "%s\n", content);
}

static void fx_set_mask(struct fixture *fx, unsigned irq, const char *list)
{
        tl_write_irq_file(fx->dir, irq, "smp_affinity_list", "%s\n", list);
}

static void fx_set_effective(struct fixture *fx, unsigned irq, const char *list)
{
        tl_write_irq_file(fx->dir, irq, "effective_affinity_list", "%s\n", list);
}

static void fx_refuse(struct fixture *fx, unsigned irq, const char *what)
{
        char rel[64];

        snprintf(rel, sizeof(rel), ".sim/irq/%u/refuse", irq);
        fx_set(fx, rel, what);
}

/* The text of PATH (freed here), "" if there is no such file. */
static char *read_or_empty(char *path)
{
        char *s = access(path, F_OK) == 0 ? tl_read(path) : strdup("");

        free(path);
        return s;
}

/* IRQ's FILE (a CPU list) into SET; false if there is no such file. */
static bool fx_read_list(struct fixture *fx, unsigned irq, const char *file, hwloc_bitmap_t set)
{
        char *path = tl_irq_file(fx->dir, irq, file), *s;
        bool found = access(path, F_OK) == 0;

        if (found) {
                s = tl_read(path);
                ck_assert_int_eq(cpulist_parse(s, set), 0);
                free(s);
        }
        free(path);
        return found;
}

/* What the inventory scan would report now: masks and effective CPUs from the files. */
static void fx_scan(struct fixture *fx)
{
        size_t n = 0;

        inventory_done(&fx->inv);
        ck_assert_int_eq(root_read_cpulist(&fx->root, "/sys/devices/system/cpu/online",
                                           fx->online), 0);
        fx->inv.irqs = calloc(6, sizeof(struct irq));
        fx->inv.scratch = hwloc_bitmap_alloc();
        ck_assert_int_eq(mask_pool_new(&fx->inv.masks), 0);
        for (unsigned number = 10; number <= 15; number++) {
                struct irq *irq = &fx->inv.irqs[n];
                hwloc_bitmap_t set = fx->inv.scratch;

                if (!fx_read_list(fx, number, "smp_affinity_list", set))
                        continue;
                irq->number = number;
                ck_assert_int_eq(mask_pool_set(fx->inv.masks, &irq->affinity, set), 0);
                irq->hint = hwloc_bitmap_alloc();
                irq->movable = true;
                irq->node = -1;
                irq->count = fx->count[number];
                irq->has_effective = fx_read_list(fx, number, "effective_affinity_list", set);
                ck_assert_int_eq(mask_pool_set(fx->inv.masks, &irq->effective,
                                               irq->has_effective ? set : mask_pool_empty(fx->inv.masks)), 0);
                n++;
        }
        fx->inv.n = n;
}

/* Places PL on the CPUs of LIST ("2-3"). */
static void set_placement(struct plan *plan, struct placement *pl, const char *list)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        ck_assert_int_eq(cpulist_parse(list, set), 0);
        ck_assert_int_eq(plan_set_cpus(plan, pl, set), 0);
        hwloc_bitmap_free(set);
}

/* One cycle: scan, verify, then apply a plan of "IRQ:cpulist" items (NULL-terminated),
 * with DEFAULT_AFFINITY (or NULL) for default_smp_affinity. */
static struct apply_stats fx_cycle_default(struct fixture *fx, const char *default_affinity, ...)
{
        struct apply_stats stats = {};
        struct plan plan = {};
        const char *item;
        size_t n = 0;
        va_list ap;

        fx_scan(fx);
        ck_assert_int_eq(apply_verify(fx->apply, &fx->inv, fx->online), 0);

        va_start(ap, default_affinity);
        while (va_arg(ap, const char *))
                n++;
        va_end(ap);
        ck_assert_int_eq(plan_init(&plan, n), 0);
        va_start(ap, default_affinity);
        for (size_t i = 0; (item = va_arg(ap, const char *)); i++) {
                const char *colon = strchr(item, ':');

                plan.items[i].irq = (unsigned) atoi(item);
                set_placement(&plan, &plan.items[i], colon + 1);
                plan_set_reason_text(&plan, &plan.items[i], "test");
        }
        va_end(ap);
        if (default_affinity) {
                plan.default_affinity = hwloc_bitmap_alloc();
                ck_assert_int_eq(cpulist_parse(default_affinity, plan.default_affinity), 0);
        }
        ck_assert_int_eq(apply_plan(fx->apply, &fx->inv, &plan, &stats), 0);
        plan_done(&plan);
        return stats;
}

#define fx_cycle(fx, ...) fx_cycle_default((fx), NULL, __VA_ARGS__, (const char *) NULL)

static char *fx_read(struct fixture *fx, const char *rel)
{
        char *path;

        ck_assert_int_ge(asprintf(&path, "%s/%s", fx->dir, rel), 0);
        return read_or_empty(path);
}

static void check_writes(struct fixture *fx, const char *expected)
{
        char *s = fx_read(fx, ".sim/writes.log");

        ck_assert_str_eq(s, expected);
        free(s);
}

static void check_mask(struct fixture *fx, unsigned irq, const char *expected)
{
        char *s = read_or_empty(tl_irq_file(fx->dir, irq, "smp_affinity_list"));

        s[strcspn(s, "\n")] = 0;
        ck_assert_str_eq(s, expected);
        free(s);
}

static uint64_t failed_moves(struct fixture *fx, unsigned irq)
{
        struct apply_counters c;

        apply_irq_counters(fx->apply, irq, &c);
        return c.failed_moves;
}

static void check_balanceable(struct fixture *fx, unsigned irq, const char *reason)
{
        const char *why = NULL;
        bool ok = apply_may_balance(fx->apply, irq, &why);

        if (!reason) {
                ck_assert_msg(ok, "IRQ %u should be balanced (%s)", irq, why ? why : "");
                return;
        }
        ck_assert_msg(!ok, "IRQ %u should not be balanced", irq);
        ck_assert_str_eq(why, reason);
}

START_TEST(only_changed_irqs_are_written)
{
        struct fixture fx;
        struct apply_stats stats;
        struct apply_counters c;

        fx_init(&fx, true, false);
        fx_set_mask(&fx, 11, "3");
        stats = fx_cycle(&fx, "10:2", "11:3", "12:4-5");
        ck_assert_uint_eq(stats.changed, 2);
        ck_assert_uint_eq(stats.written, 2);
        ck_assert_uint_eq(stats.failed, 0);
        check_writes(&fx, "10 2\n12 4-5\n");
        check_mask(&fx, 10, "2");
        check_mask(&fx, 12, "4-5");

        /* The same plan next cycle writes nothing: the kernel already has it. */
        stats = fx_cycle(&fx, "10:2", "11:3", "12:4-5");
        ck_assert_uint_eq(stats.changed, 0);
        check_writes(&fx, "10 2\n12 4-5\n");
        apply_irq_counters(fx.apply, 10, &c);
        ck_assert_uint_eq(c.moves, 1);
        apply_total_counters(fx.apply, &c);
        ck_assert_uint_eq(c.moves, 2);
        ck_assert_uint_eq(c.failed_moves, 0);
        fx_done(&fx);
}
END_TEST

START_TEST(dry_run_writes_nothing)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, true);
        stats = fx_cycle_default(&fx, "0-3", "10:2", "12:4-5", (const char *) NULL);
        ck_assert_uint_eq(stats.changed, 2);
        ck_assert_uint_eq(stats.written, 0);
        check_writes(&fx, "");
        check_mask(&fx, 10, "0-7");
        ck_assert_int_eq(apply_restore(fx.apply), 0);
        check_writes(&fx, "");
        fx_done(&fx);
}
END_TEST

START_TEST(refused_irq_is_never_retried)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, false);
        fx_refuse(&fx, 10, "EIO");
        fx_refuse(&fx, 11, "EPERM");
        stats = fx_cycle(&fx, "10:2", "11:3");
        ck_assert_uint_eq(stats.changed, 2);
        ck_assert_uint_eq(stats.failed, 2);
        check_balanceable(&fx, 10, "kernel refused affinity change (EIO)");
        check_balanceable(&fx, 11, "kernel refused affinity change (EPERM)");
        ck_assert_int_eq(apply_irq_hold(fx.apply, 11), APPLY_HOLD_REFUSED);
        ck_assert_uint_eq(failed_moves(&fx, 10), 1);

        /* Even when the kernel would now take it, it is not asked again. */
        fx_set(&fx, ".sim/irq/10/refuse", "EINVAL");
        for (int i = 0; i < 5; i++) {
                stats = fx_cycle(&fx, "10:2", "11:3");
                ck_assert_uint_eq(stats.changed, 0);
        }
        ck_assert_uint_eq(failed_moves(&fx, 10), 1);
        check_mask(&fx, 10, "0-7");
        check_writes(&fx, "");
        fx_done(&fx);
}
END_TEST

START_TEST(full_vectors_are_exposed_as_cpus_to_avoid)
{
        struct fixture fx;
        struct apply_stats stats;
        hwloc_const_bitmap_t full;
        char *s;

        fx_init(&fx, true, false);
        fx_set(&fx, ".sim/vectors_full", "2-3");
        ck_assert_ptr_null(apply_full_cpus(fx.apply));
        stats = fx_cycle(&fx, "10:2-3", "11:3-4");
        ck_assert_uint_eq(stats.failed, 1);
        ck_assert_uint_eq(stats.written, 1);
        /* Vectors are per CPU: the full CPUs are full for every IRQ. */
        full = apply_full_cpus(fx.apply);
        ck_assert_ptr_nonnull(full);
        s = cpulist_format(full);
        ck_assert_str_eq(s, "2-3");
        free(s);
        /* A full CPU is a constraint, not a reason to stop balancing the IRQ. */
        check_balanceable(&fx, 10, NULL);
        ck_assert_uint_eq(failed_moves(&fx, 10), 1);
        check_writes(&fx, "11 3-4\n");

        /* Some cycles later they are tried again: IRQs may have left them. */
        for (unsigned cycle = 0; cycle < 59; cycle++)
                fx_cycle(&fx, "11:3-4");
        ck_assert_ptr_nonnull(apply_full_cpus(fx.apply));
        fx_cycle(&fx, "11:3-4");
        ck_assert_ptr_null(apply_full_cpus(fx.apply));
        fx_done(&fx);
}
END_TEST

START_TEST(busy_kernel_is_retried_with_backoff)
{
        static const unsigned expected[] = { 1, 2, 4, 8, 16, 32, 64, 96 };
        struct fixture fx;
        unsigned tries[16], n = 0;
        uint64_t before = 0;

        fx_init(&fx, true, false);
        fx_refuse(&fx, 10, "EBUSY");
        for (unsigned cycle = 1; cycle <= 100; cycle++) {
                fx_cycle(&fx, "10:2");
                if (failed_moves(&fx, 10) != before) {
                        ck_assert_uint_lt(n, ELEMENTSOF(tries));
                        tries[n++] = cycle;
                        before = failed_moves(&fx, 10);
                }
        }
        ck_assert_uint_eq(n, ELEMENTSOF(expected));
        for (unsigned i = 0; i < n; i++)
                ck_assert_uint_eq(tries[i], expected[i]);
        check_balanceable(&fx, 10, "kernel busy (EBUSY), retrying later");
        ck_assert_int_eq(apply_irq_hold(fx.apply, 10), APPLY_HOLD_BACKING_OFF);

        /* Once the kernel takes it, the next failure starts over at one cycle. */
        fx_refuse(&fx, 10, "EAGAIN 0");
        for (unsigned cycle = 101; cycle <= 128; cycle++)
                fx_cycle(&fx, "10:2");
        check_mask(&fx, 10, "2");
        check_balanceable(&fx, 10, NULL);
        fx_refuse(&fx, 10, "EAGAIN 1");
        fx_cycle(&fx, "10:3");
        check_balanceable(&fx, 10, "kernel busy (EAGAIN), retrying later");
        fx_cycle(&fx, "10:3");
        check_mask(&fx, 10, "3");
        check_writes(&fx, "10 2\n10 3\n");
        fx_done(&fx);
}
END_TEST

START_TEST(rejected_mask_is_a_failed_move_not_a_refusal)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, false);
        stats = fx_cycle(&fx, "10:9");   /* CPU 9 does not exist: EINVAL */
        ck_assert_uint_eq(stats.failed, 1);
        ck_assert_uint_eq(failed_moves(&fx, 10), 1);
        check_balanceable(&fx, 10, NULL);
        ck_assert_ptr_null(apply_full_cpus(fx.apply));
        stats = fx_cycle(&fx, "10:1");
        ck_assert_uint_eq(stats.written, 1);
        check_writes(&fx, "10 1\n");
        fx_done(&fx);
}
END_TEST

START_TEST(external_pin_is_left_alone)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, false);
        fx_cycle(&fx, "10:2", "12:3");
        fx_set_mask(&fx, 10, "4-7");    /* a tuning script */
        stats = fx_cycle(&fx, "10:2", "12:3");
        ck_assert_uint_eq(stats.changed, 0);
        ck_assert_int_eq(apply_irq_hold(fx.apply, 10), APPLY_HOLD_PINNED);
        ck_assert_int_eq(apply_irq_hold(fx.apply, 999), APPLY_HOLD_NONE);
        check_balanceable(&fx, 10, "pinned to 4-7 by someone else");
        check_balanceable(&fx, 12, NULL);
        stats = fx_cycle(&fx, "10:1", "12:3");
        ck_assert_uint_eq(stats.changed, 0);
        check_mask(&fx, 10, "4-7");
        ck_assert_uint_eq(failed_moves(&fx, 10), 0);

        /* On stop, a pinned IRQ keeps its pin; the others get their masks back. */
        ck_assert_int_eq(apply_restore(fx.apply), 0);
        check_mask(&fx, 10, "4-7");
        check_mask(&fx, 12, "0-7");
        check_writes(&fx, "10 2\n12 3\n12 0-7\n");
        fx_done(&fx);
}
END_TEST

START_TEST(pin_of_an_irq_already_where_the_plan_wants_it_is_left_alone)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, false);
        /* The plan agrees with the kernel's mask: nothing to write … */
        stats = fx_cycle(&fx, "12:0-7");
        ck_assert_uint_eq(stats.changed, 0);
        /* … but the placement is ours all the same: an admin's change is a pin. */
        fx_set_mask(&fx, 12, "5");
        stats = fx_cycle(&fx, "12:0-7");
        ck_assert_uint_eq(stats.changed, 0);
        check_balanceable(&fx, 12, "pinned to 5 by someone else");
        check_mask(&fx, 12, "5");
        /* Never written by irqbald: nothing to restore either. */
        ck_assert_int_eq(apply_restore(fx.apply), 0);
        check_mask(&fx, 12, "5");
        check_writes(&fx, "");
        fx_done(&fx);
}
END_TEST

START_TEST(external_pin_is_overwritten_when_not_respected)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, false, false);
        fx_cycle(&fx, "10:2");
        fx_set_mask(&fx, 10, "4-7");
        stats = fx_cycle(&fx, "10:2");
        ck_assert_uint_eq(stats.written, 1);
        check_balanceable(&fx, 10, NULL);
        check_mask(&fx, 10, "2");
        check_writes(&fx, "10 2\n10 2\n");
        fx_done(&fx);
}
END_TEST

START_TEST(mask_broken_by_offline_cpu_is_placed_again)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, false);
        fx_cycle(&fx, "10:2", "11:3");
        /* CPU 2 goes offline: the kernel breaks IRQ 10's mask to all online CPUs. */
        fx_set(&fx, "sys/devices/system/cpu/online", "0-1,3-7");
        fx_set_mask(&fx, 10, "0-1,3-7");
        stats = fx_cycle(&fx, "10:4", "11:3");
        check_balanceable(&fx, 10, NULL);
        ck_assert_uint_eq(stats.written, 1);
        check_mask(&fx, 10, "4");
        ck_assert_uint_eq(failed_moves(&fx, 10), 0);

        /* The same when it comes back online before we look: the mask is not ours and
         * our CPU is online, but the mask is all online CPUs. */
        fx_set(&fx, "sys/devices/system/cpu/online", "0-7");
        fx_cycle(&fx, "10:4", "11:3");
        fx_set_mask(&fx, 11, "0-7");
        stats = fx_cycle(&fx, "10:4", "11:5");
        check_balanceable(&fx, 11, NULL);
        check_mask(&fx, 11, "5");
        check_writes(&fx, "10 2\n11 3\n10 4\n11 5\n");
        fx_done(&fx);
}
END_TEST

/* One cycle with ITEM ("IRQ:cpulist") as the plan: the IRQ's failed moves so far and
 * the masks the cycle wrote. */
static void check_cycle(struct fixture *fx, const char *item, unsigned failed, unsigned written)
{
        struct apply_stats stats = fx_cycle(fx, item);

        ck_assert_uint_eq(failed_moves(fx, (unsigned) atoi(item)), failed);
        ck_assert_uint_eq(stats.written, written);
}

START_TEST(failed_deferred_move_is_counted_and_retried)
{
        struct fixture fx;
        struct apply_stats stats;
        struct apply_counters c;

        fx_init(&fx, true, false);
        fx_set_effective(&fx, 10, "0");
        fx.count[10] = 100;
        fx_cycle(&fx, "10:2");
        /* No interrupt since: the move cannot have happened yet, nor failed. */
        stats = fx_cycle(&fx, "10:2");
        ck_assert_uint_eq(stats.changed, 0);
        ck_assert_uint_eq(failed_moves(&fx, 10), 0);
        /* Interrupts came and still on CPU 0: the kernel dropped the move. */
        fx.count[10] = 150;
        check_cycle(&fx, "10:2", 1, 1);
        /* This time it lands. */
        fx_set_effective(&fx, 10, "2");
        fx.count[10] = 200;
        stats = fx_cycle(&fx, "10:2");
        ck_assert_uint_eq(stats.changed, 0);
        stats = fx_cycle(&fx, "10:2");
        ck_assert_uint_eq(stats.changed, 0);
        ck_assert_uint_eq(failed_moves(&fx, 10), 1);

        /* A failed deferred move that also put the old mask back is not a pin. */
        fx_cycle(&fx, "10:5");
        fx_set_mask(&fx, 10, "2");
        fx.count[10] = 300;
        stats = fx_cycle(&fx, "10:5");
        check_balanceable(&fx, 10, NULL);
        ck_assert_uint_eq(failed_moves(&fx, 10), 2);
        ck_assert_uint_eq(stats.written, 1);
        check_mask(&fx, 10, "5");
        apply_total_counters(fx.apply, &c);
        ck_assert_uint_eq(c.moves, 4);
        ck_assert_uint_eq(c.failed_moves, 2);
        check_writes(&fx, "10 2\n10 2\n10 5\n10 5\n");
        fx_done(&fx);
}
END_TEST

/* The count a write is made with was sampled before it: interrupts between that
 * sample and the write land on the old CPU, and so does a deferred move's IRQ until its
 * next interrupt. The first sample after the write shows them; only interrupts after
 * it, with the IRQ still on the old CPU, are a failed move. */
START_TEST(interrupts_before_the_write_are_no_failed_move)
{
        struct fixture fx;

        fx_init(&fx, true, false);
        fx_set_effective(&fx, 10, "0");
        fx.count[10] = 100;
        fx_cycle(&fx, "10:2");
        fx.count[10] = 150;
        check_cycle(&fx, "10:2", 0, 0);
        /* No interrupt since that sample: still "not yet". */
        check_cycle(&fx, "10:2", 0, 0);
        /* Interrupts since, still on CPU 0: the kernel dropped the move. */
        fx.count[10] = 160;
        check_cycle(&fx, "10:2", 1, 1);
        /* Written again at 160; the next sample shows interrupts from before that write
         * and the move done: no failure, nothing written. */
        fx_set_effective(&fx, 10, "2");
        fx.count[10] = 170;
        check_cycle(&fx, "10:2", 1, 0);
        check_writes(&fx, "10 2\n10 2\n");
        fx_done(&fx);
}
END_TEST

/* Half a cycle: apply a plan of one "IRQ:cpulist" item, with no scan before. */
static struct apply_stats fx_apply_one(struct fixture *fx, const char *item)
{
        struct apply_stats stats = {};
        struct plan plan = {};

        ck_assert_int_eq(plan_init(&plan, 1), 0);
        plan.items[0].irq = (unsigned) atoi(item);
        set_placement(&plan, &plan.items[0], strchr(item, ':') + 1);
        ck_assert_int_eq(apply_plan(fx->apply, &fx->inv, &plan, &stats), 0);
        plan_done(&plan);
        return stats;
}

/* The IRQs apply_verify() must see fresh, given the last scan's counts. */
static void check_readback(struct fixture *fx, const char *expected)
{
        const unsigned *irqs;
        size_t n = apply_readback_irqs(fx->apply, &fx->inv, &irqs);
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%s%u", i ? " " : "", irqs[i]);
        ck_assert_str_eq(s->str, expected);
        g_string_free(s, TRUE);
}

/* Cycles read back what irqbald wrote once it was interrupted (its move happened or
 * failed then), until the move is seen; an idle IRQ's mask is the one the kernel
 * reported after the write, and the other IRQs are not read every cycle. */
START_TEST(written_irqs_are_read_back_once_interrupted)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, false);
        fx_set_effective(&fx, 10, "0");
        fx_set_effective(&fx, 11, "0");
        fx.count[10] = 100;
        fx_cycle(&fx, "10:2", "11:0-7", "12:3");
        /* IRQ 11 is where the plan wants it: owned, not written, never listed. IRQs 10
         * and 12 had no interrupt since their writes. */
        check_readback(&fx, "");
        fx_scan(&fx);
        check_readback(&fx, "");
        fx.count[10] = 150;
        fx.count[12] = 1;
        fx_scan(&fx);
        check_readback(&fx, "10 12");
        /* The move of IRQ 10 happened; IRQ 12 has no effective_affinity_list (older
         * kernels): its mask says it all. */
        fx_set_effective(&fx, 10, "2");
        stats = fx_cycle(&fx, "10:2", "11:0-7", "12:3");
        ck_assert_uint_eq(stats.changed, 0);
        check_readback(&fx, "");
        ck_assert_uint_eq(failed_moves(&fx, 10), 0);

        /* Idle since its last write: not read, the mask the kernel took goes into the
         * inventory (read before the write), and apply_verify() waits. */
        fx_cycle(&fx, "10:5", "11:0-7", "12:3");
        check_readback(&fx, "");
        ck_assert_int_eq(apply_verify(fx.apply, &fx.inv, fx.online), 0);
        check_balanceable(&fx, 10, NULL);
        stats = fx_apply_one(&fx, "10:5");
        ck_assert_uint_eq(stats.changed, 0);
        ck_assert_uint_eq(failed_moves(&fx, 10), 0);
        fx.count[10] = 160;
        fx_scan(&fx);
        check_readback(&fx, "10");
        check_writes(&fx, "10 2\n12 3\n10 5\n");
        fx_done(&fx);
}
END_TEST

/* A cycle that read no placement but the read-back ones verifies only those: what it
 * did not read cannot have changed for it. The whole pass sees everything. */
START_TEST(verify_readback_looks_only_at_what_was_read_back)
{
        struct fixture fx;

        fx_init(&fx, true, false);
        fx_cycle(&fx, "10:2", "12:3");
        fx.count[10] = fx.count[12] = 5;
        fx_set_effective(&fx, 10, "2");
        fx_set_effective(&fx, 12, "3");
        fx_cycle(&fx, "10:2", "12:3");
        check_readback(&fx, "");

        fx_set_mask(&fx, 10, "4-7");    /* a tuning script */
        fx_scan(&fx);
        ck_assert_int_eq(apply_verify_readback(fx.apply, &fx.inv, fx.online), 0);
        ck_assert(apply_settled(fx.apply));
        ck_assert_int_eq(apply_irq_hold(fx.apply, 10), APPLY_HOLD_NONE);
        ck_assert_int_eq(apply_verify(fx.apply, &fx.inv, fx.online), 0);
        ck_assert(!apply_settled(fx.apply));
        ck_assert_int_eq(apply_irq_hold(fx.apply, 10), APPLY_HOLD_PINNED);
        fx_done(&fx);
}
END_TEST

/* Between two reads of an IRQ's mask (steady cycles read none) someone pinned it:
 * the write that the plan asks for looks first and leaves it to the next verify. */
START_TEST(a_pin_not_seen_yet_is_not_overwritten)
{
        struct fixture fx;
        struct apply_stats stats;

        fx_init(&fx, true, false);
        fx_cycle(&fx, "10:2");
        fx_scan(&fx);
        ck_assert_int_eq(apply_verify(fx.apply, &fx.inv, fx.online), 0);
        fx_set_mask(&fx, 10, "4-7");   /* after the read, before the write */
        stats = fx_apply_one(&fx, "10:3");
        ck_assert_uint_eq(stats.changed, 0);
        ck_assert_uint_eq(stats.written, 0);
        ck_assert_uint_eq(stats.failed, 0);
        check_readback(&fx, "10");
        check_mask(&fx, 10, "4-7");
        /* The next cycle reads it again: a pin, left alone from then on. */
        stats = fx_cycle(&fx, "10:3");
        ck_assert_uint_eq(stats.changed, 0);
        check_balanceable(&fx, 10, "pinned to 4-7 by someone else");
        check_readback(&fx, "");
        ck_assert_uint_eq(failed_moves(&fx, 10), 0);
        check_writes(&fx, "10 2\n");
        fx_done(&fx);
}
END_TEST

/* A cycle's start: scan, verify, and whether apply found nothing new. */
static bool fx_verify_settled(struct fixture *fx)
{
        fx_scan(fx);
        ck_assert_int_eq(apply_verify(fx->apply, &fx->inv, fx->online), 0);
        return apply_settled(fx->apply);
}

/* apply_settled() tells the manager when its last plan still holds: only after a
 * verify that saw no move happen, fail or be undone, no pin and no back-off. */
START_TEST(verify_reports_whether_anything_changed)
{
        struct fixture fx;

        fx_init(&fx, true, false);
        ck_assert(fx_verify_settled(&fx));
        fx_apply_one(&fx, "10:2");
        /* The write is seen to take effect once, then there is nothing new. */
        ck_assert(!fx_verify_settled(&fx));
        ck_assert(fx_verify_settled(&fx));
        ck_assert(fx_verify_settled(&fx));

        /* Someone else's pin changes what may be balanced, once. */
        fx_set_mask(&fx, 10, "4-7");
        ck_assert(!fx_verify_settled(&fx));
        ck_assert_int_eq(apply_irq_hold(fx.apply, 10), APPLY_HOLD_PINNED);
        ck_assert(fx_verify_settled(&fx));

        /* A busy kernel: settled neither while it backs off nor as the back-off ends. */
        fx_refuse(&fx, 11, "EBUSY");
        ck_assert_uint_eq(fx_apply_one(&fx, "11:3").failed, 1);
        ck_assert(!fx_verify_settled(&fx));
        fx_refuse(&fx, 11, "EBUSY 0");
        ck_assert_uint_eq(fx_apply_one(&fx, "11:3").written, 1);
        ck_assert(!fx_verify_settled(&fx));
        ck_assert(fx_verify_settled(&fx));
        check_mask(&fx, 11, "3");

        /* An IRQ written and not interrupted since still has a move to verify. */
        fx_set_effective(&fx, 12, "0");
        fx_apply_one(&fx, "12:5");
        ck_assert(!fx_verify_settled(&fx));
        ck_assert(!fx_verify_settled(&fx));
        fx.count[12] = 1;
        fx_set_effective(&fx, 12, "5");
        ck_assert(!fx_verify_settled(&fx));
        ck_assert(fx_verify_settled(&fx));
        fx_done(&fx);
}
END_TEST

START_TEST(restore_puts_original_masks_back)
{
        struct fixture fx;
        char *s, *path;

        fx_init(&fx, true, false);
        fx_set_mask(&fx, 12, "1");
        fx_refuse(&fx, 13, "EIO");
        fx_cycle_default(&fx, "0,35", "10:2", "11:6", "12:4", "13:5", "14:3", (const char *) NULL);
        s = read_or_empty(tl_proc_irq_file(fx.dir, "default_smp_affinity"));
        ck_assert_str_eq(s, "8,00000001");   /* the kernel's hex mask: 32-bit groups */
        free(s);
        fx_cycle_default(&fx, "0-3", "10:2", "11:7", "12:4", "13:5", "14:3", (const char *) NULL);
        /* IRQ 14 disappears (device removed) after the last scan. */
        path = tl_irq_file(fx.dir, 14, "smp_affinity_list");
        ck_assert_int_eq(unlink(path), 0);
        free(path);
        ck_assert_int_eq(apply_restore(fx.apply), 0);
        check_mask(&fx, 10, "0-7");
        check_mask(&fx, 11, "0-7");
        check_mask(&fx, 12, "1");
        check_mask(&fx, 13, "0-7");
        s = read_or_empty(tl_proc_irq_file(fx.dir, "default_smp_affinity"));
        ck_assert_str_eq(s, "ff");
        free(s);
        check_writes(&fx, "10 2\n11 6\n12 4\n14 3\ndefault 8,00000001\n"
                          "11 7\ndefault f\n"
                          "10 0-7\n11 0-7\n12 1\ndefault ff\n");
        fx_done(&fx);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("apply");
        TCase *tc = tcase_create("apply");

        tcase_add_test(tc, only_changed_irqs_are_written);
        tcase_add_test(tc, dry_run_writes_nothing);
        tcase_add_test(tc, refused_irq_is_never_retried);
        tcase_add_test(tc, full_vectors_are_exposed_as_cpus_to_avoid);
        tcase_add_test(tc, busy_kernel_is_retried_with_backoff);
        tcase_add_test(tc, rejected_mask_is_a_failed_move_not_a_refusal);
        tcase_add_test(tc, external_pin_is_left_alone);
        tcase_add_test(tc, pin_of_an_irq_already_where_the_plan_wants_it_is_left_alone);
        tcase_add_test(tc, external_pin_is_overwritten_when_not_respected);
        tcase_add_test(tc, mask_broken_by_offline_cpu_is_placed_again);
        tcase_add_test(tc, failed_deferred_move_is_counted_and_retried);
        tcase_add_test(tc, interrupts_before_the_write_are_no_failed_move);
        tcase_add_test(tc, written_irqs_are_read_back_once_interrupted);
        tcase_add_test(tc, a_pin_not_seen_yet_is_not_overwritten);
        tcase_add_test(tc, verify_readback_looks_only_at_what_was_read_back);
        tcase_add_test(tc, verify_reports_whether_anything_changed);
        tcase_add_test(tc, restore_puts_original_masks_back);
        suite_add_tcase(s, tc);
        return s;
}
