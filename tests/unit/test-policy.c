/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/policy.h"
#include "irqbal/topology.h"
#include "policytest.h"
#include "testlib.h"

/* Two packages, each with two nodes of 8 cores with 2 PUs: node 1 is CPUs 16-31. */
#define TWO_BY_TWO "synthetic:\"pack:2 numa:2 core:8 pu:2\""
#define FOUR_BY_TWO "64amd64-4s2n4ca2co"
/* The cost benchmark's largest machine (bench/gen-scenario.sh 1024x4096). */
#define BENCH_1024 "synthetic:\"pack:4 numa:2 core:64 pu:2\""
#define MAX_IRQS 4096

/* ---- Running a policy ------------------------------------------------------------- */

/* Runs POLICY and checks what every plan must satisfy: one placement per movable IRQ,
 * in IRQ order, inside its allowed CPUs, with a reason. */
static void run(const char *name, struct pt_irqs *s, struct plan *ret)
{
        struct policy_input in = pt_input(s);
        size_t k = 0;

        ck_assert_int_eq(pt_policy(name)->plan(&in, ret), 0);
        for (size_t i = 0; i < s->n; i++) {
                const struct placement *p;

                if (!s->v[i].movable) {
                        ck_assert_ptr_null(plan_find(ret, s->v[i].irq));
                        continue;
                }
                ck_assert_uint_lt(k, ret->n);
                p = &ret->items[k++];
                ck_assert_uint_eq(p->irq, s->v[i].irq);
                ck_assert_ptr_eq(plan_find(ret, p->irq), p);
                ck_assert_msg(!hwloc_bitmap_iszero(p->cpus), "%s: IRQ %u has no target", name, p->irq);
                ck_assert_msg(hwloc_bitmap_isincluded(p->cpus, s->v[i].allowed),
                              "%s: IRQ %u placed outside its allowed CPUs", name, p->irq);
                /* At the limit it would have been cut. */
                ck_assert_msg(p->reason[0] && strlen(p->reason) < PLACEMENT_REASON_MAX,
                              "%s: IRQ %u reason \"%s\"", name, p->irq, p->reason);
        }
        ck_assert_uint_eq(k, ret->n);
}

static void assert_targets(const struct plan *p, const char *expected, const char *what)
{
        hwloc_bitmap_t want = hwloc_bitmap_alloc(), got = hwloc_bitmap_alloc();
        char *g;

        pt_set_list(want, expected);
        for (size_t k = 0; k < p->n; k++)
                hwloc_bitmap_or(got, got, p->items[k].cpus);
        g = cpulist_format(got);
        ck_assert_msg(hwloc_bitmap_isequal(want, got), "%s: targets %s, expected %s", what, g,
                      expected);
        free(g);
        hwloc_bitmap_free(want);
        hwloc_bitmap_free(got);
}

/* The next cycle: the plan's targets become the previous placement and the current
 * CPU, as apply.c would leave them. */
static void follow(struct pt_irqs *s, const struct plan *p)
{
        for (size_t k = 0; k < p->n; k++) {
                size_t i = pt_index_of(s, p->items[k].irq);

                s->v[i].previous = hwloc_bitmap_first(p->items[k].cpus);
                hwloc_bitmap_copy(s->current[i], p->items[k].cpus);
        }
}

static size_t moves(const struct plan *a, const struct plan *b)
{
        size_t n = 0;

        ck_assert_uint_eq(a->n, b->n);
        for (size_t k = 0; k < a->n; k++)
                n += !hwloc_bitmap_isequal(a->items[k].cpus, b->items[k].cpus);
        return n;
}

/* Per-CPU load of a plan of single CPUs, unmovable IRQs on their current CPUs. */
static double peak_load(const struct pt_irqs *s, const struct plan *p)
{
        double load[4096] = {}, peak = 0;

        for (size_t i = 0; i < s->n; i++) {
                unsigned cpu = s->v[i].movable ? pt_target(p, s->v[i].irq)
                                               : (unsigned) hwloc_bitmap_first(s->v[i].current);

                ck_assert_uint_lt(cpu, ELEMENTSOF(load));
                load[cpu] += s->v[i].load;
                peak = fmax(peak, load[cpu]);
        }
        return peak;
}

static double lower_bound(const struct pt_irqs *s)
{
        double total = 0, heaviest = 0;

        for (size_t i = 0; i < s->n; i++) {
                total += s->v[i].load;
                heaviest = fmax(heaviest, s->v[i].load);
        }
        return fmax(total / hwloc_bitmap_weight(s->t->usable), heaviest);
}

/* Deterministic pseudo-random numbers in [0, 1): the tests must not flake. */
static double rnd(unsigned long long *state)
{
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        return (double) (*state >> 11) / (double) (1ull << 53);
}

static const struct topo_node *node_by_id(const struct topology *t, int id)
{
        for (size_t k = 0; k < t->n_nodes; k++)
                if (t->nodes[k].os_index == id)
                        return &t->nodes[k];
        ck_abort_msg("no node %d", id);
        return NULL;
}

/* Distinct physical cores among a plan's targets. */
static size_t cores_used(const struct topology *t, const struct plan *p)
{
        hwloc_bitmap_t cores = hwloc_bitmap_alloc();
        size_t n;

        for (size_t k = 0; k < p->n; k++) {
                unsigned cpu;

                hwloc_bitmap_foreach_begin(cpu, p->items[k].cpus) {
                        hwloc_bitmap_set(cores, (unsigned) topology_cpu(t, cpu)->core);
                } hwloc_bitmap_foreach_end();
        }
        n = (size_t) hwloc_bitmap_weight(cores);
        hwloc_bitmap_free(cores);
        return n;
}

/* ---- Registry and plans ------------------------------------------------------------- */

START_TEST(registry_lists_five_policies_balanced_first)
{
        static const char *const names[] = { "balanced", "numa-local", "pack", "housekeeping", "hint" };
        size_t n = 0;

        while (irqbal_policies[n])
                n++;
        ck_assert_uint_eq(n, ELEMENTSOF(names));
        for (size_t i = 0; i < n; i++) {
                ck_assert_str_eq(irqbal_policies[i]->name, names[i]);
                ck_assert_ptr_eq(policy_find(names[i]), irqbal_policies[i]);
                ck_assert(irqbal_policies[i]->description[0]);
        }
        ck_assert_ptr_eq(policy_default(), policy_find("balanced"));
        ck_assert_ptr_null(policy_find("nope"));
        ck_assert_ptr_null(policy_find(NULL));
}
END_TEST

START_TEST(a_plan_made_again_keeps_its_storage)
{
        struct plan p = {};
        struct placement *items;

        ck_assert_int_eq(plan_init(&p, 8), 0);
        items = p.items;
        ck_assert(hwloc_bitmap_iszero(items[0].cpus));
        ck_assert_str_eq(items[0].reason, "");
        /* Placements on one CPU share one set. */
        ck_assert_int_eq(plan_set_cpu(&p, &items[0], 3), 0);
        ck_assert_int_eq(plan_set_cpu(&p, &items[1], 3), 0);
        ck_assert_int_eq(plan_set_cpu(&p, &items[2], 4), 0);
        ck_assert_ptr_eq(items[0].cpus, items[1].cpus);
        ck_assert_int_eq(hwloc_bitmap_first(items[0].cpus), 3);
        ck_assert_int_eq(hwloc_bitmap_weight(items[0].cpus), 1);
        ck_assert_uint_eq(mask_pool_size(p.masks), 2);
        plan_set_reason(&p, &items[0], "old %d", 1);
        ck_assert_str_eq(items[0].reason, "old 1");
        /* Moving the last placement off a set lets the set go. */
        ck_assert_int_eq(plan_set_cpu(&p, &items[2], 3), 0);
        ck_assert_uint_eq(mask_pool_size(p.masks), 1);
        /* Same size or smaller next cycle: no allocation, everything empty again. */
        ck_assert_int_eq(plan_init(&p, 5), 0);
        ck_assert_ptr_eq(p.items, items);
        ck_assert(hwloc_bitmap_iszero(p.items[0].cpus));
        ck_assert_str_eq(p.items[0].reason, "");
        ck_assert_uint_eq(mask_pool_size(p.masks), 0);
        ck_assert_uint_eq(p.n, 5);
        ck_assert_int_eq(plan_init(&p, 12), 0);
        ck_assert_uint_eq(p.n, 12);
        ck_assert_uint_ge(p.cap, 12);
        plan_done(&p);
}
END_TEST

/* A reason set again with the same text points at the same storage; every other text,
 * in whatever slot of the plan's cache it falls, reads back as it was set, and a plan
 * made again forgets the texts of the plan before. */
START_TEST(repeated_reasons_are_stored_once)
{
        struct plan p = {};
        char text[PLACEMENT_REASON_MAX + 1], longer[300];

        ck_assert_int_eq(plan_init(&p, 400), 0);
        for (size_t k = 0; k < 100; k++)
                plan_set_reason_text(&p, &p.items[k], k % 2 ? "kept: moving would gain 3 % < 10 %" : "node 1");
        for (size_t k = 2; k < 100; k++)
                ck_assert_ptr_eq(p.items[k].reason, p.items[k % 2].reason);
        ck_assert_str_eq(p.items[0].reason, "node 1");
        ck_assert_str_eq(p.items[1].reason, "kept: moving would gain 3 % < 10 %");
        /* Three hundred distinct texts share 64 slots: each still reads back as set,
         * a prefix of another included. */
        for (size_t k = 100; k < 400; k++) {
                snprintf(text, sizeof(text), "reason %zu%s", k / 2, k % 2 ? "" : "0");
                plan_set_reason_text(&p, &p.items[k], text);
        }
        for (size_t k = 100; k < 400; k++) {
                snprintf(text, sizeof(text), "reason %zu%s", k / 2, k % 2 ? "" : "0");
                ck_assert_str_eq(p.items[k].reason, text);
        }
        /* Texts cut at PLACEMENT_REASON_MAX are the same text. */
        memset(longer, 'x', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = 0;
        plan_set_reason_text(&p, &p.items[0], longer);
        longer[200] = 0;
        plan_set_reason_text(&p, &p.items[1], longer);
        ck_assert_uint_eq(strlen(p.items[0].reason), PLACEMENT_REASON_MAX);
        ck_assert_ptr_eq(p.items[0].reason, p.items[1].reason);
        /* A new plan: the old texts are gone (under ASan, reusing one would be a
         * use after free), the same text is stored anew. */
        ck_assert_int_eq(plan_init(&p, 4), 0);
        plan_set_reason_text(&p, &p.items[0], "node 1");
        plan_set_reason_text(&p, &p.items[1], "kept: moving would gain 3 % < 10 %");
        ck_assert_str_eq(p.items[0].reason, "node 1");
        ck_assert_str_eq(p.items[1].reason, "kept: moving would gain 3 % < 10 %");
        plan_done(&p);
}
END_TEST

START_TEST(plans_sharing_a_pool_share_their_sets)
{
        struct mask_pool *pool;
        struct plan a = {}, b = {};
        hwloc_bitmap_t two = hwloc_bitmap_alloc();
        char longer[300];

        ck_assert_int_eq(mask_pool_new(&pool), 0);
        plan_share_masks(&a, pool);
        plan_share_masks(&b, pool);
        ck_assert_int_eq(plan_init(&a, 2), 0);
        ck_assert_int_eq(plan_init(&b, 2), 0);
        ck_assert_int_eq(plan_set_cpu(&a, &a.items[0], 7), 0);
        ck_assert_int_eq(plan_set_cpu(&b, &b.items[1], 7), 0);
        ck_assert_ptr_eq(a.items[0].cpus, b.items[1].cpus);
        hwloc_bitmap_set_range(two, 2, 3);
        ck_assert_int_eq(plan_set_cpus(&b, &b.items[0], two), 0);
        ck_assert(hwloc_bitmap_isequal(b.items[0].cpus, two));
        ck_assert_ptr_ne(b.items[0].cpus, two);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        /* An empty set unplaces. */
        hwloc_bitmap_zero(two);
        ck_assert_int_eq(plan_set_cpus(&b, &b.items[0], two), 0);
        ck_assert(hwloc_bitmap_iszero(b.items[0].cpus));
        ck_assert_uint_eq(mask_pool_size(pool), 1);
        /* Reasons are cut, not overrun. */
        memset(longer, 'x', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = 0;
        plan_set_reason_text(&a, &a.items[1], longer);
        ck_assert_uint_eq(strlen(a.items[1].reason), PLACEMENT_REASON_MAX);
        /* A plan done gives its references back, and still shares the pool. */
        plan_done(&a);
        ck_assert_uint_eq(mask_pool_size(pool), 1);
        ck_assert_ptr_eq(a.masks, pool);
        plan_done(&b);
        ck_assert_uint_eq(mask_pool_size(pool), 0);
        hwloc_bitmap_free(two);
        mask_pool_free(pool);
}
END_TEST

START_TEST(params_defaults_and_plan_lookup)
{
        struct policy_params p;
        struct plan plan = {};

        policy_params_default(&p);
        ck_assert_double_eq(p.hysteresis, 0.10);
        ck_assert_double_eq(p.pack_low, 0.5);
        ck_assert_double_eq(p.pack_high, 1.0);
        ck_assert_ptr_null(p.housekeeping);

        ck_assert_int_eq(plan_init(&plan, 3), 0);
        ck_assert_uint_eq(plan.n, 3);
        plan.items[0].irq = 5;
        plan.items[1].irq = 9;
        plan.items[2].irq = 40;
        ck_assert(hwloc_bitmap_iszero(plan.items[1].cpus));
        ck_assert_ptr_eq(plan_find(&plan, 9), &plan.items[1]);
        ck_assert_ptr_eq(plan_find(&plan, 40), &plan.items[2]);
        ck_assert_ptr_null(plan_find(&plan, 10));
        /* A walk in increasing order finds what plan_find() finds, present or not. */
        {
                size_t cursor = 0;
                const unsigned walk[] = { 1, 5, 6, 9, 40, 41 };

                for (size_t k = 0; k < sizeof(walk) / sizeof(walk[0]); k++)
                        ck_assert_ptr_eq(plan_find_next(&plan, walk[k], &cursor), plan_find(&plan, walk[k]));
                ck_assert_uint_eq(cursor, 3);
        }
        ck_assert_ptr_null(plan.default_affinity);
        plan_done(&plan);
        ck_assert_uint_eq(plan.n, 0);

        ck_assert_int_eq(plan_init(&plan, 0), 0);
        ck_assert_ptr_null(plan_find(&plan, 1));
        {
                size_t cursor = 0;

                ck_assert_ptr_null(plan_find_next(&plan, 1, &cursor));
        }
        plan_done(&plan);
}
END_TEST

START_TEST(no_irqs_no_placements)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);

        for (size_t k = 0; irqbal_policies[k]; k++) {
                struct plan p = {};

                run(irqbal_policies[k]->name, s, &p);
                ck_assert_uint_eq(p.n, 0);
                plan_done(&p);
        }
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- balanced --------------------------------------------------------------------------- */

START_TEST(balanced_nic_on_node_1_lands_on_node_1)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        char name[32];

        /* Heavy enough that node 0 would be tempting if the node did not matter. */
        for (unsigned q = 0; q < 16; q++) {
                snprintf(name, sizeof(name), "eth0-TxRx-%u", q);
                pt_add(s, 100 + q, "0000:81:00.0", name, 1, 0.3);
        }
        run("balanced", s, &p);
        assert_targets(&p, "16-31", "NIC on node 1");
        ck_assert_msg(strstr(p.items[0].reason, "node 1 (device)"), "%s", p.items[0].reason);
        /* 16 queues on 8 cores: one per PU. */
        ck_assert_uint_eq(cores_used(t, &p), 8);
        ck_assert_double_le(peak_load(s, &p), 0.3 + 1e-9);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_idle_physical_cores_before_smt_siblings)
{
        struct topology *t = pt_synthetic("synthetic:pack:1 core:4 pu:2", NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};

        for (unsigned i = 0; i < 4; i++)
                pt_add(s, 30 + i, NULL, NULL, -1, 0.1 + 0.01 * i);
        run("balanced", s, &p);
        assert_targets(&p, "0,2,4,6", "one IRQ per physical core");
        plan_done(&p);

        /* The fifth goes next to the lightest IRQ's. */
        pt_add(s, 40, NULL, NULL, -1, 0.05);
        run("balanced", s, &p);
        ck_assert_uint_eq(pt_target(&p, 40), pt_target(&p, 30) + 1);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_zero_load_queues_spread_one_per_core)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        char name[32];

        for (unsigned q = 0; q < 8; q++) {
                snprintf(name, sizeof(name), "nvme0q%u", q);
                pt_add(s, 60 + q, "0000:01:00.0", name, 0, 0.0);
        }
        run("balanced", s, &p);
        assert_targets(&p, "0,2,4,6,8,10,12,14", "8 idle queues of one device");
        plan_done(&p);

        /* 16 queues: both PUs of each of node 0's 8 cores. */
        for (unsigned q = 8; q < 16; q++) {
                snprintf(name, sizeof(name), "nvme0q%u", q);
                pt_add(s, 60 + q, "0000:01:00.0", name, 0, 0.0);
        }
        run("balanced", s, &p);
        assert_targets(&p, "0-15", "16 idle queues of one device");
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* An idle machine (or a short --oneshot window) measures no interrupts at all: IRQs of
 * different devices must still spread over the CPUs, not all tie onto CPU 0. */
START_TEST(balanced_idle_irqs_of_many_devices_spread_by_count)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        char dev[32];

        for (unsigned d = 0; d < 8; d++) {
                snprintf(dev, sizeof(dev), "0000:0%u:00.0", d + 1);
                pt_add(s, 40 + d, dev, NULL, 0, 0.0);
        }
        for (unsigned i = 0; i < 8; i++)
                pt_add(s, 60 + i, NULL, NULL, -1, 0.0);
        run("balanced", s, &p);
        /* Eight devices on node 0's eight cores, one each; eight IRQs without a
         * device on eight more cores of the machine. */
        assert_targets(&p, "0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30", "16 idle IRQs");
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

static void random_loads(struct pt_irqs *s, size_t n, unsigned long long seed, double lo, double hi)
{
        for (size_t i = 0; i < n; i++) {
                char dev[32];

                snprintf(dev, sizeof(dev), "0000:%02zx:00.0", i / 8);
                pt_add(s, 32 + (unsigned) i, dev, NULL, -1, lo + (hi - lo) * rnd(&seed));
        }
}

START_TEST(balanced_peak_within_ten_percent_of_lower_bound)
{
        static const struct {
                const char *spec;
                size_t n;
        } cases[] = {
                { TWO_BY_TWO, 64 },
                { TWO_BY_TWO, 300 },
                { "synthetic:pack:1 core:8 pu:2", 64 },
                { "synthetic:pack:1 core:4 pu:1", 64 },
        };

        for (size_t c = 0; c < ELEMENTSOF(cases); c++)
                for (unsigned long long seed = 1; seed <= 5; seed++) {
                        struct topology *t = pt_synthetic(cases[c].spec, NULL);
                        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
                        struct plan p = {};
                        double peak, lb;

                        random_loads(s, cases[c].n, seed * 0x9e3779b97f4a7c15ull, 0.001, 0.2);
                        run("balanced", s, &p);
                        peak = peak_load(s, &p);
                        lb = lower_bound(s);
                        ck_assert_msg(peak <= 1.10 * lb, "%s, %zu IRQs, seed %llu: peak %.4f, bound %.4f",
                                      cases[c].spec, cases[c].n, seed, peak, lb);
                        plan_done(&p);
                        pt_irqs_free(s);
                        topology_free(t);
                }
}
END_TEST

/* Devices on both nodes of both packages, 8 queues each, loads spread widely. */
static void nic_fleet(struct pt_irqs *s, size_t n_dev, unsigned long long seed)
{
        for (size_t d = 0; d < n_dev; d++)
                for (unsigned q = 0; q < 8; q++) {
                        char dev[32], name[32];

                        snprintf(dev, sizeof(dev), "0000:%02zx:00.0", d + 1);
                        snprintf(name, sizeof(name), "eth%zu-TxRx-%u", d, q);
                        pt_add(s, 100 + (unsigned) (d * 8 + q), dev, name, (int) (d % 4),
                            0.005 + 0.15 * rnd(&seed));
                }
}

/* Noise of ±NOISE on every load, 50 cycles, each fed the previous plan: how many
 * placements differ from the first plan, summed over cycles. N_DEV devices of 8 queues
 * on 64 CPUs. A 10 % hysteresis hides ±20 % noise with one IRQ per CPU or many, not with
 * two to eight comparable IRQs per CPU: there one CPU's IRQs all at +20 % beside
 * another's all at -20 % is a real gain of more than 10 % for one move. */
static size_t noisy_moves(size_t n_dev, double noise)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        unsigned long long seed = 42;
        double base[MAX_IRQS];
        struct plan first = {}, p = {};
        size_t total_moves = 0;

        nic_fleet(s, n_dev, 7);
        for (size_t i = 0; i < s->n; i++)
                base[i] = s->v[i].load;
        run("balanced", s, &first);
        follow(s, &first);
        for (int round = 0; round < 50; round++) {
                for (size_t i = 0; i < s->n; i++)
                        s->v[i].load = base[i] * (1 - noise + 2 * noise * rnd(&seed));
                run("balanced", s, &p);
                total_moves += moves(&first, &p);
                for (size_t k = 0; k < p.n; k++)
                        ck_assert_msg(g_str_has_prefix(p.items[k].reason, "kept: "), "%s", p.items[k].reason);
                follow(s, &p);
                plan_done(&p);
        }
        plan_done(&first);
        pt_irqs_free(s);
        topology_free(t);
        return total_moves;
}

START_TEST(balanced_noise_moves_nothing)
{
        /* ±20 %: one IRQ per CPU, sixteen per CPU. */
        ck_assert_uint_eq(noisy_moves(8, 0.20), 0);
        ck_assert_uint_eq(noisy_moves(128, 0.20), 0);
        /* ±5 %: two, four, eight per CPU. */
        ck_assert_uint_eq(noisy_moves(16, 0.05), 0);
        ck_assert_uint_eq(noisy_moves(32, 0.05), 0);
        ck_assert_uint_eq(noisy_moves(64, 0.05), 0);
}
END_TEST

START_TEST(balanced_load_shift_moves_then_is_stable)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan first = {}, shifted = {}, again = {};
        unsigned hot;

        nic_fleet(s, 32, 3);
        run("balanced", s, &first);
        follow(s, &first);
        /* Every IRQ on the CPU of the first one gets twice as heavy. */
        hot = pt_target(&first, s->v[0].irq);
        for (size_t i = 0; i < s->n; i++)
                if (pt_target(&first, s->v[i].irq) == hot)
                        s->v[i].load *= 2;
        run("balanced", s, &shifted);
        ck_assert_uint_gt(moves(&first, &shifted), 0);
        ck_assert_msg(peak_load(s, &shifted) < 0.9 * peak_load(s, &first),
                      "peak %.3f then %.3f", peak_load(s, &first), peak_load(s, &shifted));
        follow(s, &shifted);
        run("balanced", s, &again);
        ck_assert_uint_eq(moves(&shifted, &again), 0);
        plan_done(&first);
        plan_done(&shifted);
        plan_done(&again);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_banned_previous_cpu_moves_under_hysteresis)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan first = {}, p = {};
        unsigned banned;
        size_t i;

        nic_fleet(s, 4, 11);
        run("balanced", s, &first);
        follow(s, &first);
        i = 5;
        banned = (unsigned) s->v[i].previous;
        /* Its vectors are full on that CPU now (the caller narrows allowed). */
        hwloc_bitmap_clr(s->allowed[i], banned);
        run("balanced", s, &p);
        ck_assert_uint_ne(pt_target(&p, s->v[i].irq), banned);
        ck_assert_msg(strstr(plan_find(&p, s->v[i].irq)->reason, "not allowed any more"), "%s",
                      plan_find(&p, s->v[i].irq)->reason);
        ck_assert_uint_eq(moves(&first, &p), 1);
        plan_done(&first);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* Placed afresh, an IRQ stays where it is when that CPU is as good as the best: idle
 * IRQs (equal token loads), whose CPUs are always among the least loaded as they are
 * placed, stay where a plain placement would put IRQ k on CPU k mod 8. But a device's
 * spread counts: of two idle queues on CPU 5, the second leaves it for an equally
 * loaded CPU without its device. */
START_TEST(balanced_afresh_leaves_equals_where_they_are)
{
        static const unsigned idle_cpus[] = { 7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 4, 3, 2, 1, 0 };
        struct topology *t = pt_synthetic("synthetic:\"pack:1 numa:1 core:8 pu:1\"", NULL);
        struct pt_irqs *s = pt_irqs_new(t, ELEMENTSOF(idle_cpus) + 2);
        struct plan p = {};

        for (unsigned k = 0; k < ELEMENTSOF(idle_cpus); k++) {
                char dev[32];

                snprintf(dev, sizeof(dev), "0000:%02x:00.0", k + 1);
                pt_add(s, 30 + k, dev, NULL, -1, 0)->place_afresh = true;
                hwloc_bitmap_only(s->current[s->n - 1], idle_cpus[k]);
        }
        for (unsigned q = 0; q < 2; q++) {
                pt_add(s, 60 + q, "0000:20:00.0", NULL, -1, 0)->place_afresh = true;
                hwloc_bitmap_only(s->current[s->n - 1], 5);
        }
        run("balanced", s, &p);
        for (unsigned k = 0; k < ELEMENTSOF(idle_cpus); k++)
                ck_assert_uint_eq(pt_target(&p, 30 + k), idle_cpus[k]);
        ck_assert_uint_eq(pt_target(&p, 60), 5);
        ck_assert_uint_ne(pt_target(&p, 61), 5);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* An IRQ never placed (its mask spans every CPU) is placed as new, but stays on the
 * CPU the kernel runs it on when that is as good: idle IRQs keep the kernel's spread
 * (a plain placement would put IRQ k on CPU k), and one whose CPU is busy moves. */
START_TEST(balanced_leaves_a_never_placed_irq_on_the_kernels_cpu_if_as_good)
{
        struct topology *t = pt_synthetic("synthetic:\"pack:1 numa:1 core:8 pu:1\"", NULL);
        struct pt_irqs *s = pt_irqs_new(t, 11);
        struct policy_irq *busy;
        struct plan p = {};
        const char *why;

        busy = pt_add(s, 20, NULL, NULL, -1, 0.5);
        busy->movable = false;
        hwloc_bitmap_only(s->current[s->n - 1], 3);
        for (unsigned k = 0; k < 8; k++) {
                pt_add(s, 30 + k, NULL, NULL, -1, 0)->runs_on = (int) (7 - k);
                hwloc_bitmap_set_range(s->current[s->n - 1], 0, 7);
        }
        /* The kernel runs IRQ 40 on CPU 6, which it may not use: it was never placed
         * there, so nothing was taken from it. */
        pt_add(s, 40, NULL, NULL, -1, 0)->runs_on = 6;
        hwloc_bitmap_set_range(s->current[s->n - 1], 0, 7);
        hwloc_bitmap_clr(s->allowed[s->n - 1], 6);
        run("balanced", s, &p);
        ck_assert_uint_ne(pt_target(&p, 40), 6);
        why = plan_find(&p, 40)->reason;
        ck_assert_msg(!strstr(why, "CPU 6"), "%s", why);
        for (unsigned k = 0; k < 8; k++)
                if (7 - k != 3)
                        ck_assert_uint_eq(pt_target(&p, 30 + k), 7 - k);
        /* IRQ 34 ran on CPU 3, beside the busy one: it leaves, for a CPU of its own. */
        ck_assert_uint_ne(pt_target(&p, 34), 3);
        ck_assert_msg(strstr(plan_find(&p, 30)->reason, "kept"), "%s", plan_find(&p, 30)->reason);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* The kernel's boot placement of sim/scenarios/boot-spread.ini: managed NVMe queues
 * (unmovable, 2.25 % of a CPU each) on CPUs 1, 3, 5, 7, a NIC's 12 queues (15 %)
 * round-robin from CPU 0, so CPUs 1 and 3 carry two queues beside an NVMe queue. */
static void boot_spread(struct pt_irqs *s)
{
        for (unsigned q = 0; q < 4; q++) {
                struct policy_irq *v = pt_add(s, 60 + q, "0000:01:00.0", NULL, -1, 0.0225);

                v->movable = false;
                hwloc_bitmap_only(s->current[s->n - 1], 2 * q + 1);
        }
        for (unsigned q = 0; q < 12; q++) {
                char name[32];

                snprintf(name, sizeof(name), "eth0-TxRx-%u", q);
                pt_add(s, 80 + q, "0000:02:00.0", name, -1, 0.15);
                hwloc_bitmap_only(s->current[s->n - 1], q % 8);
        }
}

/* The highest CPU load of plan P with S's unmovable IRQs where they run. */
static double plan_peak(const struct pt_irqs *s, const struct plan *p)
{
        double load[8] = { 0 }, peak = 0;

        for (size_t i = 0; i < s->n; i++) {
                int cpu = s->v[i].movable ? (int) pt_target(p, s->v[i].irq) : hwloc_bitmap_first(s->current[i]);

                ck_assert_int_lt(cpu, 8);
                load[cpu] += s->v[i].load;
        }
        for (size_t c = 0; c < 8; c++)
                peak = fmax(peak, load[c]);
        return peak;
}

/* What the kernel chose is kept when each fix gains less than the hysteresis (a NIC
 * queue off CPU 1 cuts it by 2.25 / 32.25 = 7 %); placed afresh, the IRQs reach the
 * best placement, two queues on each CPU without an NVMe queue. */
START_TEST(balanced_places_afresh_what_it_would_keep)
{
        struct topology *t = pt_synthetic("synthetic:\"pack:1 numa:1 core:8 pu:1\"", NULL);
        struct pt_irqs *s = pt_irqs_new(t, 16);
        struct plan kept = {}, afresh = {};

        boot_spread(s);
        run("balanced", s, &kept);
        ck_assert_uint_eq(pt_target(&kept, 81), 1);
        ck_assert_double_eq_tol(plan_peak(s, &kept), 0.3225, 1e-9);
        for (size_t i = 0; i < s->n; i++)
                s->v[i].place_afresh = s->v[i].movable;
        run("balanced", s, &afresh);
        ck_assert_double_eq_tol(plan_peak(s, &afresh), 0.30, 1e-9);
        for (unsigned q = 0, on_nvme_cpus = 0; q < 12; q++) {
                on_nvme_cpus += pt_target(&afresh, 80 + q) % 2;
                if (q == 11)
                        ck_assert_uint_eq(on_nvme_cpus, 4);
        }
        plan_done(&kept);
        plan_done(&afresh);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_off_node_irq_moves_home)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct policy_irq *q;
        struct plan p = {};

        q = pt_add(s, 50, "0000:81:00.0", "eth1-TxRx-0", 3, 0.2);
        /* Left on CPU 0 by an earlier run: node 3 is CPUs 48-63. */
        hwloc_bitmap_only(s->current[0], 0);
        q->previous = -1;
        pt_add(s, 51, NULL, NULL, -1, 0.01);
        hwloc_bitmap_only(s->current[1], 40);
        run("balanced", s, &p);
        ck_assert_uint_ge(pt_target(&p, 50), 48);
        ck_assert_msg(strstr(p.items[0].reason, "off its node"), "%s", p.items[0].reason);
        /* The other one had a single current CPU and stays. */
        ck_assert_uint_eq(pt_target(&p, 51), 40);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_isolated_cpus_get_nothing)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, "0-3,40-47");
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        hwloc_bitmap_t used = hwloc_bitmap_alloc(), isolated = hwloc_bitmap_alloc();
        struct plan p = {};

        pt_set_list(isolated, "0-3,40-47");
        nic_fleet(s, 16, 5);
        for (size_t k = 0; irqbal_policies[k]; k++) {
                run(irqbal_policies[k]->name, s, &p);
                hwloc_bitmap_zero(used);
                for (size_t j = 0; j < p.n; j++)
                        hwloc_bitmap_or(used, used, p.items[j].cpus);
                ck_assert_msg(!hwloc_bitmap_intersects(used, isolated), "%s used an isolated CPU",
                              irqbal_policies[k]->name);
                plan_done(&p);
        }
        hwloc_bitmap_free(used);
        hwloc_bitmap_free(isolated);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_idle_queues_of_a_big_device_share_cores_evenly)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        unsigned per_cpu[64] = {}, per_core[32] = {};
        struct plan p = {};
        char name[32];

        /* 40 idle queues on node 0's 8 cores: more than enough for a tree of its own. */
        for (unsigned q = 0; q < 40; q++) {
                snprintf(name, sizeof(name), "eth0-TxRx-%u", q);
                pt_add(s, 100 + q, "0000:01:00.0", name, 0, 0.0);
        }
        run("balanced", s, &p);
        for (size_t k = 0; k < p.n; k++) {
                unsigned cpu = pt_target(&p, p.items[k].irq);

                ck_assert_uint_lt(cpu, 16);
                per_cpu[cpu]++;
                per_core[topology_cpu(t, cpu)->core]++;
        }
        for (unsigned c = 0; c < 16; c++)
                ck_assert_msg(per_cpu[c] == 2 || per_cpu[c] == 3, "CPU %u has %u queues", c,
                              per_cpu[c]);
        for (unsigned c = 0; c < 8; c++)
                ck_assert_uint_eq(per_core[topology_cpu(t, 2 * c)->core], 5);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_idle_queues_of_small_devices_one_per_core)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        char name[32];

        /* Three devices of 4 idle queues each (too few for trees of their own) and a
         * busy IRQ without a device on CPU 0's core. */
        for (unsigned d = 0; d < 3; d++)
                for (unsigned q = 0; q < 4; q++) {
                        char dev[32];

                        snprintf(dev, sizeof(dev), "0000:0%u:00.0", d + 1);
                        snprintf(name, sizeof(name), "eth%u-TxRx-%u", d, q);
                        pt_add(s, 100 + 10 * d + q, dev, name, 0, 0.0);
                }
        pt_add(s, 200, NULL, NULL, 0, 0.5);
        run("balanced", s, &p);
        ck_assert_uint_eq(pt_target(&p, 200), 0);
        for (unsigned d = 0; d < 3; d++) {
                hwloc_bitmap_t cores = hwloc_bitmap_alloc();

                for (unsigned q = 0; q < 4; q++) {
                        unsigned cpu = pt_target(&p, 100 + 10 * d + q);

                        ck_assert_msg(cpu >= 2 && cpu < 16, "device %u queue %u on CPU %u", d, q,
                                      cpu);
                        hwloc_bitmap_set(cores, (unsigned) topology_cpu(t, cpu)->core);
                }
                ck_assert_int_eq(hwloc_bitmap_weight(cores), 4);
                hwloc_bitmap_free(cores);
        }
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_at_1024_cpus_and_4096_irqs)
{
        struct topology *t = pt_synthetic(BENCH_1024, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        unsigned long long seed = 99;
        static double base[MAX_IRQS], load[1024];
        struct plan first = {}, p = {};

        ck_assert_uint_eq(t->n_cpus, 1024);
        ck_assert_uint_eq(t->n_nodes, 8);
        /* One NIC of 446 queues per node, 0.2-2 % of a CPU each, and 16 IRQs without a
         * device, as the benchmark has. */
        for (unsigned n = 0; n < t->n_nodes; n++)
                for (unsigned q = 0; q < 446; q++) {
                        char dev[32], name[32];

                        snprintf(dev, sizeof(dev), "0000:%02x:00.0", n + 16);
                        snprintf(name, sizeof(name), "eth%u-TxRx-%u", n, q);
                        pt_add(s, 32 + n * 446 + q, dev, name, t->nodes[n].os_index,
                            0.002 + 0.018 * rnd(&seed));
                }
        for (unsigned i = 0; i < 16; i++)
                pt_add(s, 32 + 8 * 446 + i, NULL, NULL, -1, 0.0001 * (i + 1));
        run("balanced", s, &first);

        /* Every queue on its node, each node's peak within 10 % of that node's bound. */
        for (size_t i = 0; i < s->n; i++)
                load[pt_target(&first, s->v[i].irq)] += s->v[i].load;
        for (size_t n = 0; n < t->n_nodes; n++) {
                double total = 0, heaviest = 0, peak = 0, bound;
                unsigned cpu;

                for (size_t i = n * 446; i < (n + 1) * 446; i++) {
                        unsigned at = pt_target(&first, s->v[i].irq);

                        ck_assert(hwloc_bitmap_isset(t->nodes[n].cpus, at));
                        total += s->v[i].load;
                        heaviest = fmax(heaviest, s->v[i].load);
                }
                hwloc_bitmap_foreach_begin(cpu, t->nodes[n].cpus) {
                        peak = fmax(peak, load[cpu]);
                } hwloc_bitmap_foreach_end();
                bound = fmax(total / 128, heaviest);
                ck_assert_msg(peak <= 1.10 * bound, "node %zu: peak %.4f, bound %.4f", n, peak,
                              bound);
        }

        /* ±5 % noise, about four IRQs per CPU: nothing moves, every IRQ says so. */
        follow(s, &first);
        for (size_t i = 0; i < s->n; i++)
                base[i] = s->v[i].load;
        for (int round = 0; round < 5; round++) {
                for (size_t i = 0; i < s->n; i++)
                        s->v[i].load = base[i] * (0.95 + 0.1 * rnd(&seed));
                run("balanced", s, &p);
                ck_assert_uint_eq(moves(&first, &p), 0);
                for (size_t k = 0; k < p.n; k++) {
                        unsigned gain;

                        ck_assert_msg(sscanf(p.items[k].reason, "kept: moving would gain %u %% < 10 %%",
                                             &gain) == 1, "%s", p.items[k].reason);
                        ck_assert_uint_lt(gain, 10);
                }
                follow(s, &p);
                plan_done(&p);
        }
        plan_done(&first);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* The daemon's first cycle has no measured loads: the queues spread by count, blind to
 * the managed queues' load. The second cycle, with the loads, starts from there under
 * hysteresis: it must still reach what a plan from scratch reaches (the load moves out
 * of the CPUs the managed queues share) within the hysteresis, and the cycle after
 * moves nothing. */
START_TEST(balanced_from_a_blind_first_cycle_reaches_the_fresh_peak)
{
        struct topology *t = pt_synthetic(BENCH_1024, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        static const double nvme[4] = { 0.0025, 0.0072, 0.0038, 0.0043 };
        static double real[MAX_IRQS];
        unsigned long long seed = 7;
        struct plan blind = {}, p = {}, again = {}, fresh = {};
        unsigned irq = 32;
        double fresh_peak;

        /* As bench/gen-scenario.sh 1024x4096: a NIC of 446 queues per node, and four
         * managed NVMe controllers whose queues sit four to a CPU on every 8th CPU. */
        for (unsigned n = 0; n < t->n_nodes; n++) {
                double load = 0.002 + 0.008 * rnd(&seed);

                for (unsigned q = 0; q < 446; q++) {
                        char dev[32], name[32];

                        snprintf(dev, sizeof(dev), "0000:%02x:00.0", n + 16);
                        snprintf(name, sizeof(name), "eth%u-TxRx-%u", n, q);
                        real[s->n] = load;
                        pt_add(s, irq++, dev, name, t->nodes[n].os_index, 0);
                }
        }
        for (unsigned d = 0; d < 4; d++)
                for (unsigned q = 0; q < 128; q++) {
                        char dev[32];

                        snprintf(dev, sizeof(dev), "0000:%02x:00.0", 128 + d);
                        real[s->n] = nvme[d];
                        pt_add(s, irq++, dev, NULL, t->nodes[2 * d].os_index, 0)->movable = false;
                        hwloc_bitmap_only(s->current[s->n - 1], q * 8);
                }
        run("balanced", s, &blind);
        follow(s, &blind);
        for (size_t i = 0; i < s->n; i++)
                s->v[i].load = real[i];
        run("balanced", s, &p);
        ck_assert_uint_gt(moves(&blind, &p), 0);
        follow(s, &p);
        run("balanced", s, &again);
        ck_assert_uint_eq(moves(&p, &again), 0);

        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].movable) {
                        s->v[i].previous = -1;
                        hwloc_bitmap_fill(s->current[i]);
                }
        run("balanced", s, &fresh);
        fresh_peak = peak_load(s, &fresh);
        /* The blind placement is far off; what is left is within the hysteresis (a move
         * cutting the hottest CPU by 10 % would have been made). */
        ck_assert_msg(peak_load(s, &blind) > 1.2 * fresh_peak, "blind peak %.4f, %.4f from scratch",
                      peak_load(s, &blind), fresh_peak);
        ck_assert_msg(peak_load(s, &p) <= 1.10 * fresh_peak, "peak %.4f after the blind cycle, "
                      "%.4f from scratch", peak_load(s, &p), fresh_peak);
        plan_done(&blind);
        plan_done(&p);
        plan_done(&again);
        plan_done(&fresh);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(balanced_unmovable_load_is_background)
{
        struct topology *t = pt_synthetic("synthetic:pack:1 core:4 pu:1", NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct policy_irq *managed;
        struct plan p = {};

        pt_add(s, 20, NULL, NULL, -1, 0.1);
        managed = pt_add(s, 21, "0000:02:00.0", "nvme0q1", 0, 0.9);
        managed->movable = false;
        hwloc_bitmap_only(s->current[1], 2);
        pt_add(s, 22, NULL, NULL, -1, 0.1);
        pt_add(s, 23, NULL, NULL, -1, 0.1);
        pt_add(s, 24, NULL, NULL, -1, 0.1);
        run("balanced", s, &p);
        ck_assert_uint_eq(p.n, 4);
        for (size_t k = 0; k < p.n; k++)
                ck_assert_uint_ne(pt_target(&p, p.items[k].irq), 2);
        plan_done(&p);

        /* Spread over two CPUs, it weighs half on each. */
        hwloc_bitmap_set(s->current[1], 3);
        s->v[1].load = 1.6;
        run("balanced", s, &p);
        assert_targets(&p, "0-1", "CPUs 2-3 carry 0.8 each");
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- numa-local ----------------------------------------------------------------------- */

START_TEST(numa_local_queues_one_per_core_in_queue_order)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        /* IRQ numbers do not follow queue numbers: the name decides. */
        static const unsigned queue_of_irq[10] = { 3, 0, 9, 1, 2, 8, 4, 5, 7, 6 };
        struct plan p = {};
        char name[32];

        for (unsigned i = 0; i < 10; i++) {
                snprintf(name, sizeof(name), "eth0-TxRx-%u", queue_of_irq[i]);
                pt_add(s, 70 + i, "0000:81:00.0", name, 1, 0.01 * i);
        }
        pt_add(s, 90, NULL, "acpi", -1, 0.5);
        pt_add(s, 91, NULL, "i8042", -1, 0.5);
        run("numa-local", s, &p);
        /* Queues 0-7 on the first PU of node 1's cores (16, 18 … 30), 8-9 on the
         * second PUs of the first two. */
        for (unsigned i = 0; i < 10; i++) {
                unsigned q = queue_of_irq[i];
                unsigned want = q < 8 ? 16 + 2 * q : 16 + 2 * (q - 8) + 1;

                ck_assert_msg(pt_target(&p, 70 + i) == want, "queue %u on CPU %u, expected %u", q,
                              pt_target(&p, 70 + i), want);
        }
        /* Without a device: round-robin over every core from the first. */
        ck_assert_uint_eq(pt_target(&p, 90), 0);
        ck_assert_uint_eq(pt_target(&p, 91), 2);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* hwloc may know no cores (synthetic "pu:4", some XML): every policy still places
 * every movable IRQ on an allowed CPU. */
START_TEST(every_policy_places_irqs_on_a_topology_without_cores)
{
        struct topology *t = pt_synthetic("synthetic:pu:4", NULL);

        for (size_t k = 0; irqbal_policies[k]; k++) {
                struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
                struct plan p = {};

                for (unsigned irq = 40; irq < 46; irq++)
                        pt_add(s, irq, irq < 44 ? "0000:00:04.0" : NULL, NULL, -1, 0.01);
                run(irqbal_policies[k]->name, s, &p);
                ck_assert_uint_eq(p.n, 6);
                for (size_t i = 0; i < p.n; i++)
                        ck_assert_msg(!hwloc_bitmap_iszero(p.items[i].cpus) &&
                                      hwloc_bitmap_isincluded(p.items[i].cpus, t->usable),
                                      "%s: IRQ %u nowhere", irqbal_policies[k]->name, p.items[i].irq);
                plan_done(&p);
                pt_irqs_free(s);
        }
        topology_free(t);
}
END_TEST

START_TEST(numa_local_ignores_load_and_previous)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan a = {}, b = {};

        nic_fleet(s, 6, 9);
        run("numa-local", s, &a);
        for (size_t i = 0; i < s->n; i++) {
                s->v[i].load *= 3 + (double) (i % 5);
                s->v[i].previous = (int) (i % 64);
        }
        run("numa-local", s, &b);
        ck_assert_uint_eq(moves(&a, &b), 0);
        /* Each device's 8 queues on its node's 8 cores. */
        for (size_t d = 0; d < 6; d++) {
                hwloc_bitmap_t cores = hwloc_bitmap_alloc();

                for (unsigned q = 0; q < 8; q++) {
                        unsigned cpu = pt_target(&a, 100 + (unsigned) (d * 8 + q));

                        ck_assert(hwloc_bitmap_isset(node_by_id(t, (int) (d % 4))->cpus, cpu));
                        hwloc_bitmap_set(cores, (unsigned) topology_cpu(t, cpu)->core);
                }
                ck_assert_int_eq(hwloc_bitmap_weight(cores), 8);
                hwloc_bitmap_free(cores);
        }
        plan_done(&a);
        plan_done(&b);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- pack -------------------------------------------------------------------------------- */

START_TEST(pack_gathers_at_low_load_and_spreads_at_high_load)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};

        /* 16 IRQs worth 0.32 CPU in all, on devices of both packages. */
        for (unsigned i = 0; i < 16; i++)
                pt_add(s, 40 + i, i % 2 ? "0000:81:00.0" : "0000:01:00.0", NULL,
                    i % 2 ? 2 : 0, 0.02);
        run("pack", s, &p);
        ck_assert_uint_eq(cores_used(t, &p), 1);
        ck_assert_msg(strstr(p.items[0].reason, "packing"), "%s", p.items[0].reason);
        plan_done(&p);

        /* 2.4 CPUs' worth: one IRQ per core, nodes respected. */
        for (size_t i = 0; i < s->n; i++)
                s->v[i].load = 0.15;
        run("pack", s, &p);
        ck_assert_uint_eq(cores_used(t, &p), 16);
        ck_assert_msg(strstr(p.items[0].reason, "spread"), "%s", p.items[0].reason);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(pack_keeps_its_mode_between_the_thresholds)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan packed = {}, spread = {}, p = {};

        for (unsigned i = 0; i < 8; i++)
                pt_add(s, 40 + i, NULL, NULL, -1, 0.03);   /* 0.24 CPU: pack */
        run("pack", s, &packed);
        ck_assert_uint_le(cores_used(t, &packed), 1);
        follow(s, &packed);
        for (size_t i = 0; i < s->n; i++)
                s->v[i].load = 0.09;                    /* 0.72 CPU: in between */
        run("pack", s, &p);
        ck_assert_uint_le(cores_used(t, &p), 2);        /* still packing: 0.5 per core */
        plan_done(&p);

        for (size_t i = 0; i < s->n; i++)
                s->v[i].load = 0.2;                     /* 1.6 CPU: spread */
        run("pack", s, &spread);
        ck_assert_uint_eq(cores_used(t, &spread), 8);
        follow(s, &spread);
        for (size_t i = 0; i < s->n; i++)
                s->v[i].load = 0.09;                    /* in between again */
        run("pack", s, &p);
        ck_assert_uint_eq(moves(&spread, &p), 0);       /* still spreading */
        plan_done(&p);

        plan_done(&packed);
        plan_done(&spread);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(pack_counts_background_load)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct policy_irq *timer;
        struct plan p = {};

        timer = pt_add(s, 0, NULL, "timer", -1, 1.5);
        timer->movable = false;
        hwloc_bitmap_only(s->current[0], 63);
        for (unsigned i = 0; i < 8; i++)
                pt_add(s, 40 + i, NULL, NULL, -1, 0.02);
        run("pack", s, &p);
        /* 1.66 CPU in all: spread, not packed. */
        ck_assert_uint_eq(cores_used(t, &p), 8);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- housekeeping --------------------------------------------------------------------- */

START_TEST(housekeeping_sets_the_set_and_default_affinity)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, "8-63");
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        hwloc_bitmap_t hk = hwloc_bitmap_alloc();
        struct plan p = {};
        char *list;

        nic_fleet(s, 2, 1);
        run("housekeeping", s, &p);
        assert_targets(&p, "0-7", "usable CPUs");
        for (size_t k = 0; k < p.n; k++) {
                ck_assert_int_eq(hwloc_bitmap_weight(p.items[k].cpus), 8);
                ck_assert_str_eq(p.items[k].reason, "housekeeping CPUs 0-7");
        }
        list = cpulist_format(p.default_affinity);
        ck_assert_str_eq(list, "0-7");
        free(list);
        plan_done(&p);

        pt_set_list(hk, "0-1");
        s->params.housekeeping = hk;
        run("housekeeping", s, &p);
        assert_targets(&p, "0-1", "housekeeping 0-1");
        ck_assert_str_eq(p.items[3].reason, "housekeeping CPUs 0-1");
        list = cpulist_format(p.default_affinity);
        ck_assert_str_eq(list, "0-1");
        free(list);
        plan_done(&p);
        hwloc_bitmap_free(hk);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- hint ------------------------------------------------------------------------------- */

START_TEST(hint_follows_hints_and_balances_the_rest)
{
        struct topology *t = pt_synthetic("synthetic:pack:1 core:8 pu:1", NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        char *list;

        pt_add(s, 30, "0000:03:00.0", "mlx5_comp0", 0, 0.8);
        pt_set_list(s->hint[0], "0");
        pt_add(s, 31, "0000:03:00.0", "mlx5_comp1", 0, 0.1);
        pt_set_list(s->hint[1], "4-9");            /* 8-9 do not exist: ∩ allowed */
        pt_add(s, 32, "0000:03:00.0", "mlx5_comp2", 0, 0.1);
        pt_set_list(s->hint[2], "12");             /* nothing allowed: balanced */
        for (unsigned i = 0; i < 6; i++)
                pt_add(s, 40 + i, NULL, NULL, -1, 0.2);
        run("hint", s, &p);
        ck_assert_uint_eq(pt_target(&p, 30), 0);
        list = cpulist_format(plan_find(&p, 31)->cpus);
        ck_assert_str_eq(list, "4-7");
        free(list);
        ck_assert_str_eq(plan_find(&p, 31)->reason, "driver hint 4-7");
        /* CPU 0 carries 0.8 of hinted load: the seven others take the rest. */
        ck_assert_uint_ne(pt_target(&p, 32), 0);
        for (unsigned i = 0; i < 6; i++)
                ck_assert_uint_ne(pt_target(&p, 40 + i), 0);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- Every policy --------------------------------------------------------------------- */

START_TEST(every_policy_is_deterministic)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, "60-63");
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);

        nic_fleet(s, 12, 13);
        pt_set_list(s->hint[4], "16-19");
        s->v[7].movable = false;
        hwloc_bitmap_only(s->current[7], 5);
        for (size_t k = 0; irqbal_policies[k]; k++) {
                struct plan a = {}, b = {};

                run(irqbal_policies[k]->name, s, &a);
                run(irqbal_policies[k]->name, s, &b);
                ck_assert_uint_eq(a.n, s->n - 1);
                for (size_t j = 0; j < a.n; j++) {
                        ck_assert(hwloc_bitmap_isequal(a.items[j].cpus, b.items[j].cpus));
                        ck_assert_str_eq(a.items[j].reason, b.items[j].reason);
                }
                plan_done(&a);
                plan_done(&b);
        }
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(real_machine_four_packages_two_nodes_each)
{
        char *tmp, *dir = tl_unpack_capture(FOUR_BY_TWO, &tmp);
        struct topology *t = pt_load_topology(dir, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};

        ck_assert_uint_eq(t->n_packages, 4);
        ck_assert_uint_eq(t->n_nodes, 8);
        /* One 8-queue NIC per node, plus legacy lines. */
        for (size_t n = 0; n < t->n_nodes; n++)
                for (unsigned q = 0; q < 8; q++) {
                        char dev[32], name[32];

                        snprintf(dev, sizeof(dev), "0000:%02zx:00.0", n + 1);
                        snprintf(name, sizeof(name), "eth%zu-TxRx-%u", n, q);
                        pt_add(s, 100 + (unsigned) (n * 8 + q), dev, name, t->nodes[n].os_index,
                            0.01 * (q + 1));
                }
        pt_add(s, 200, NULL, "ahci", -1, 0.001);
        for (size_t k = 0; irqbal_policies[k]; k++) {
                run(irqbal_policies[k]->name, s, &p);
                plan_done(&p);
        }

        for (const char *const *name = (const char *const[]) { "balanced", "numa-local", NULL };
             *name; name++) {
                run(*name, s, &p);
                for (size_t n = 0; n < t->n_nodes; n++) {
                        hwloc_bitmap_t cores = hwloc_bitmap_alloc();

                        for (unsigned q = 0; q < 8; q++) {
                                unsigned cpu = pt_target(&p, 100 + (unsigned) (n * 8 + q));

                                ck_assert_msg(hwloc_bitmap_isset(t->nodes[n].cpus, cpu),
                                              "%s: node %d's NIC queue %u on CPU %u", *name,
                                              t->nodes[n].os_index, q, cpu);
                                hwloc_bitmap_set(cores, (unsigned) topology_cpu(t, cpu)->core);
                        }
                        ck_assert_int_eq(hwloc_bitmap_weight(cores),
                                         hwloc_bitmap_weight(t->nodes[n].cpus) < 8 ?
                                         hwloc_bitmap_weight(t->nodes[n].cpus) : 8);
                        hwloc_bitmap_free(cores);
                }
                plan_done(&p);
        }
        pt_irqs_free(s);
        topology_free(t);
        tl_rmtree(tmp);
        free(tmp);
        free(dir);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("policy");
        TCase *core = tcase_create("core"), *bal = tcase_create("balanced");
        TCase *others = tcase_create("others"), *real = tcase_create("real");

        tcase_add_test(core, registry_lists_five_policies_balanced_first);
        tcase_add_test(core, params_defaults_and_plan_lookup);
        tcase_add_test(core, a_plan_made_again_keeps_its_storage);
        tcase_add_test(core, plans_sharing_a_pool_share_their_sets);
        tcase_add_test(core, repeated_reasons_are_stored_once);
        tcase_add_test(core, no_irqs_no_placements);
        tcase_add_test(core, every_policy_is_deterministic);
        suite_add_tcase(s, core);

        tcase_add_test(bal, balanced_nic_on_node_1_lands_on_node_1);
        tcase_add_test(bal, balanced_idle_physical_cores_before_smt_siblings);
        tcase_add_test(bal, balanced_zero_load_queues_spread_one_per_core);
        tcase_add_test(bal, balanced_idle_irqs_of_many_devices_spread_by_count);
        tcase_add_test(bal, balanced_peak_within_ten_percent_of_lower_bound);
        tcase_add_test(bal, balanced_noise_moves_nothing);
        tcase_add_test(bal, balanced_load_shift_moves_then_is_stable);
        tcase_add_test(bal, balanced_banned_previous_cpu_moves_under_hysteresis);
        tcase_add_test(bal, balanced_places_afresh_what_it_would_keep);
        tcase_add_test(bal, balanced_afresh_leaves_equals_where_they_are);
        tcase_add_test(bal, balanced_leaves_a_never_placed_irq_on_the_kernels_cpu_if_as_good);
        tcase_add_test(bal, balanced_from_a_blind_first_cycle_reaches_the_fresh_peak);
        tcase_add_test(bal, balanced_off_node_irq_moves_home);
        tcase_add_test(bal, balanced_isolated_cpus_get_nothing);
        tcase_add_test(bal, balanced_unmovable_load_is_background);
        tcase_add_test(bal, balanced_idle_queues_of_a_big_device_share_cores_evenly);
        tcase_add_test(bal, balanced_idle_queues_of_small_devices_one_per_core);
        tcase_add_test(bal, balanced_at_1024_cpus_and_4096_irqs);
        tcase_set_timeout(bal, 60);
        suite_add_tcase(s, bal);

        tcase_add_test(others, numa_local_queues_one_per_core_in_queue_order);
        tcase_add_test(others, numa_local_ignores_load_and_previous);
        tcase_add_test(others, every_policy_places_irqs_on_a_topology_without_cores);
        tcase_add_test(others, pack_gathers_at_low_load_and_spreads_at_high_load);
        tcase_add_test(others, pack_keeps_its_mode_between_the_thresholds);
        tcase_add_test(others, pack_counts_background_load);
        tcase_add_test(others, housekeeping_sets_the_set_and_default_affinity);
        tcase_add_test(others, hint_follows_hints_and_balances_the_rest);
        suite_add_tcase(s, others);

        tcase_add_test(real, real_machine_four_packages_two_nodes_each);
        tcase_set_timeout(real, 120);
        suite_add_tcase(s, real);
        return s;
}
