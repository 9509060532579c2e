/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
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
/* Four cores with two PUs: CPUs 0-1 are core 0, 2-3 core 1 … */
#define SMALL "synthetic:pack:1 core:4 pu:2"
#define MAX_IRQS 64

/* ---- A machine and its IRQs ----------------------------------------------------- */

/* COUNT queues of one device, "ethN-TxRx-Q", IRQs FIRST…, all with POLICY. */
static void add_nic(struct pt_irqs *s, unsigned first, unsigned count, const char *device,
                    int node, const struct irqbal_policy *policy)
{
        char name[32];

        for (unsigned q = 0; q < count; q++) {
                snprintf(name, sizeof(name), "%s-TxRx-%u", device, q);
                pt_add(s, first + q, device, name, node, 0.02 * (q % 4 + 1))->policy = policy;
        }
}

/* Runs the composition and checks what every composed plan must satisfy: placements
 * sorted by IRQ number, each for a movable IRQ of the input, inside its allowed CPUs,
 * with a reason. */
static void compose(const char *def, struct pt_irqs *s, struct plan *ret)
{
        struct policy_input in = pt_input(s);

        ck_assert_int_eq(policy_plan_composed(pt_policy(def), &in, ret), 0);
        for (size_t k = 0; k < ret->n; k++) {
                const struct placement *p = &ret->items[k];
                size_t i = pt_index_of(s, p->irq);

                ck_assert_msg(k == 0 || ret->items[k - 1].irq < p->irq,
                              "IRQ %u after IRQ %u", p->irq, ret->items[k - 1].irq);
                ck_assert_msg(s->v[i].movable, "unmovable IRQ %u placed", p->irq);
                ck_assert_msg(!hwloc_bitmap_iszero(p->cpus), "IRQ %u has no target", p->irq);
                ck_assert_msg(hwloc_bitmap_isincluded(p->cpus, s->v[i].allowed),
                              "IRQ %u placed outside its allowed CPUs", p->irq);
                ck_assert_msg(p->reason[0] && strlen(p->reason) < PLACEMENT_REASON_MAX,
                              "IRQ %u reason \"%s\"", p->irq, p->reason);
                ck_assert_ptr_eq(plan_find(ret, p->irq), p);
        }
}

static bool starts_with(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* How many placements of P other than IRQ's own include CPU. */
static size_t others_on(const struct plan *p, unsigned irq, unsigned cpu)
{
        size_t n = 0;

        for (size_t k = 0; k < p->n; k++)
                n += p->items[k].irq != irq && hwloc_bitmap_isset(p->items[k].cpus, cpu);
        return n;
}

static void assert_plans_equal(const struct plan *a, const struct plan *b)
{
        ck_assert_uint_eq(a->n, b->n);
        for (size_t k = 0; k < a->n; k++) {
                ck_assert_uint_eq(a->items[k].irq, b->items[k].irq);
                ck_assert_msg(hwloc_bitmap_isequal(a->items[k].cpus, b->items[k].cpus),
                              "IRQ %u placed differently", a->items[k].irq);
                ck_assert_str_eq(a->items[k].reason, b->items[k].reason);
        }
        ck_assert_int_eq(!a->default_affinity, !b->default_affinity);
        if (a->default_affinity)
                ck_assert(hwloc_bitmap_isequal(a->default_affinity, b->default_affinity));
}

/* What POLICY alone gives for the IRQs of S with policy ONLY (NULL: the default), every
 * other IRQ unmovable: on its CPUs in BACKGROUND when that plan has it, else where it
 * is. Restores S. */
static void plan_alone(struct pt_irqs *s, const struct irqbal_policy *only,
                       const struct plan *background, struct plan *ret)
{
        struct policy_input in = pt_input(s);
        struct pt_irqs *copy = pt_irqs_new(s->t, s->max);
        const struct irqbal_policy *p = only ? only : policy_default();

        memcpy(copy->v, s->v, sizeof(s->v[0]) * s->n);
        copy->n = s->n;
        for (size_t i = 0; i < s->n; i++) {
                const struct placement *pl = background ? plan_find(background, s->v[i].irq) : NULL;

                if (s->v[i].policy == only)
                        continue;
                copy->v[i].movable = false;
                if (pl)
                        copy->v[i].current = pl->cpus;
        }
        in.irqs = copy->v;
        ck_assert_int_eq(p->plan(&in, ret), 0);
        /* Its IRQs point at S's bitmaps: its own arrays hold none (NULL) to free. */
        pt_irqs_free(copy);
}

/* A policy that records what it was given and puts each IRQ on its lowest allowed CPU. */
struct spy_call {
        const struct policy_input *in;  /* the input it was given, by address */
        const struct policy_irq *irqs;
        size_t n_movable;
        unsigned movable[MAX_IRQS];
        hwloc_bitmap_t allowed[MAX_IRQS], current[MAX_IRQS];
        unsigned irq[MAX_IRQS];
        size_t n;
};
static struct spy_call spy_calls[8];
static size_t spy_n_calls;
static int spy_error;

static int spy_plan(const struct policy_input *in, struct plan *ret)
{
        struct spy_call *c;
        size_t k = 0, n = 0;
        int r;

        ck_assert_uint_lt(spy_n_calls, ELEMENTSOF(spy_calls));
        c = &spy_calls[spy_n_calls++];
        if (spy_error)
                return spy_error;
        c->in = in;
        c->irqs = in->irqs;
        c->n = in->n;
        for (size_t i = 0; i < in->n; i++) {
                c->irq[i] = in->irqs[i].irq;
                c->allowed[i] = hwloc_bitmap_dup(in->irqs[i].allowed);
                c->current[i] = hwloc_bitmap_dup(in->irqs[i].current);
                if (in->irqs[i].movable)
                        c->movable[c->n_movable++] = in->irqs[i].irq;
                n += in->irqs[i].movable;
        }
        r = plan_init(ret, n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < in->n; i++) {
                if (!in->irqs[i].movable)
                        continue;
                ret->items[k].irq = in->irqs[i].irq;
                r = plan_set_cpu(ret, &ret->items[k], (unsigned) hwloc_bitmap_first(in->irqs[i].allowed));
                if (r < 0)
                        return r;
                plan_set_reason_text(ret, &ret->items[k], "lowest allowed CPU");
                k++;
        }
        return 0;
}

static const struct irqbal_policy spy = {
        .name = "spy",
        .description = "records its input",
        .plan = spy_plan,
};

static void spy_reset(void)
{
        for (size_t c = 0; c < spy_n_calls; c++)
                for (size_t i = 0; i < spy_calls[c].n; i++) {
                        hwloc_bitmap_free(spy_calls[c].allowed[i]);
                        hwloc_bitmap_free(spy_calls[c].current[i]);
                }
        memset(spy_calls, 0, sizeof(spy_calls));
        spy_n_calls = 0;
        spy_error = 0;
}

/* ---- Without rules: the policy itself ---------------------------------------------- */

START_TEST(without_policy_or_exclusive_it_is_the_policy_itself)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);

        for (size_t k = 0; irqbal_policies[k]; k++) {
                const struct irqbal_policy *p = irqbal_policies[k];
                struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
                struct policy_input in;
                struct plan own = {}, composed = {};
                struct policy_irq *q;

                add_nic(s, 40, 8, "0000:81:00.0", 1, NULL);
                /* Naming the default policy explicitly changes nothing. */
                add_nic(s, 60, 8, "0000:01:00.0", 0, p);
                /* An unmovable IRQ's Exclusive= means nothing: it is not placed. */
                q = pt_add(s, 90, NULL, "timer", -1, 0.3);
                q->movable = false;
                q->exclusive = true;
                q->policy = pt_policy("pack") == p ? pt_policy("balanced") : pt_policy("pack");
                hwloc_bitmap_only(s->current[s->n - 1], 5);
                pt_set_list(s->hint[2], "20-23");
                in = pt_input(s);
                ck_assert_int_eq(p->plan(&in, &own), 0);
                compose(p->name, s, &composed);
                assert_plans_equal(&composed, &own);
                plan_done(&own);
                plan_done(&composed);
                pt_irqs_free(s);
        }
        topology_free(t);
}
END_TEST

START_TEST(without_policy_or_exclusive_the_policy_gets_the_input_itself)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct policy_input in;
        struct plan p = {};

        spy_reset();
        pt_add(s, 10, NULL, NULL, -1, 0.1);
        pt_add(s, 11, NULL, NULL, -1, 0.1)->policy = &spy;
        pt_add(s, 12, NULL, NULL, -1, 0.1)->movable = false;
        s->v[2].exclusive = true;
        s->v[2].policy = pt_policy("pack");
        in = pt_input(s);
        /* One run on the caller's input, not on a copy: no cost beyond the policy's. */
        ck_assert_int_eq(policy_plan_composed(&spy, &in, &p), 0);
        ck_assert_uint_eq(spy_n_calls, 1);
        ck_assert_ptr_eq(spy_calls[0].in, &in);
        ck_assert_ptr_eq(spy_calls[0].irqs, s->v);
        ck_assert_uint_eq(p.n, 2);
        ck_assert_str_eq(p.items[1].reason, "lowest allowed CPU");
        plan_done(&p);
        spy_reset();
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- Exclusive= --------------------------------------------------------------------- */

START_TEST(an_exclusive_irq_has_its_cpu_alone)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        unsigned a, b;

        /* 12 IRQs on 8 CPUs: without Exclusive= some must share. */
        for (unsigned i = 0; i < 12; i++)
                pt_add(s, 30 + i, NULL, NULL, -1, 0.1);
        s->v[5].exclusive = true;       /* IRQ 35 */
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, 12);
        a = pt_target(&p, 35);
        ck_assert_uint_eq(others_on(&p, 35, a), 0);
        ck_assert_msg(ends_with(plan_find(&p, 35)->reason, "; exclusive"), "%s",
                      plan_find(&p, 35)->reason);
        /* Placed by the default policy: no policy name in front. */
        ck_assert_msg(!starts_with(plan_find(&p, 35)->reason, "balanced: "), "%s",
                      plan_find(&p, 35)->reason);
        ck_assert_msg(!strstr(plan_find(&p, 30)->reason, "exclusive"), "%s",
                      plan_find(&p, 30)->reason);
        plan_done(&p);

        /* Two of them: two CPUs, each alone. */
        s->v[8].exclusive = true;       /* IRQ 38 */
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, 12);
        a = pt_target(&p, 35);
        b = pt_target(&p, 38);
        ck_assert_uint_ne(a, b);
        ck_assert_uint_eq(others_on(&p, 35, a), 0);
        ck_assert_uint_eq(others_on(&p, 38, b), 0);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(an_exclusive_irq_stays_where_it_is)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        /* Exclusive on CPU 7 last cycle, the others on cores 0-2: placed anew it
         * would take CPU 6 (the lowest idle one), but its previous CPU reaches its
         * policy and the hysteresis keeps it there. */
        static const unsigned where[] = { 0, 2, 7, 4, 1, 3 };
        struct plan p = {};

        for (unsigned i = 0; i < 6; i++) {
                pt_add(s, 30 + i, NULL, NULL, -1, 0.1)->previous = (int) where[i];
                hwloc_bitmap_only(s->current[i], where[i]);
        }
        s->v[2].exclusive = true;
        compose("balanced", s, &p);
        ck_assert_uint_eq(pt_target(&p, 32), 7);
        for (unsigned i = 0; i < 6; i++)
                ck_assert_uint_eq(pt_target(&p, 30 + i), where[i]);
        ck_assert_uint_eq(others_on(&p, 32, 7), 0);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(an_irq_whose_cpus_are_all_reserved_gets_no_placement)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};

        pt_add(s, 30, NULL, NULL, -1, 0.1)->exclusive = true;
        pt_set_list(s->allowed[0], "3");
        pt_add(s, 31, NULL, NULL, -1, 0.1);                        /* only CPU 3 too */
        pt_set_list(s->allowed[1], "3");
        hwloc_bitmap_only(s->current[1], 3);
        pt_add(s, 32, NULL, NULL, -1, 0.1)->exclusive = true;      /* a second one on 3 */
        pt_set_list(s->allowed[2], "3");
        pt_add(s, 33, NULL, NULL, -1, 0.1);
        pt_set_list(s->allowed[3], "3-4");
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, 2);
        ck_assert_uint_eq(pt_target(&p, 30), 3);
        ck_assert_ptr_null(plan_find(&p, 31));
        ck_assert_ptr_null(plan_find(&p, 32));
        ck_assert_uint_eq(pt_target(&p, 33), 4);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(the_load_of_an_exclusive_irq_is_background_for_the_rest)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        unsigned cpu, sibling;

        pt_add(s, 20, NULL, NULL, -1, 0.9)->exclusive = true;
        for (unsigned i = 0; i < 6; i++)
                pt_add(s, 30 + i, NULL, NULL, -1, 0.1);
        compose("balanced", s, &p);
        cpu = pt_target(&p, 20);
        sibling = cpu ^ 1;      /* SMALL: PUs 2k and 2k+1 share a core */
        ck_assert_int_eq(topology_cpu(t, cpu)->core, topology_cpu(t, sibling)->core);
        /* Six light IRQs, six PUs on the three other cores: none needs the busy core,
         * which balanced sees only if the exclusive IRQ's load is background. */
        ck_assert_uint_eq(others_on(&p, 20, cpu), 0);
        ck_assert_uint_eq(others_on(&p, 20, sibling), 0);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- Policy= -------------------------------------------------------------------------- */

START_TEST(numa_local_irqs_beside_balanced_ones_are_placed_as_numa_local_would)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        const struct irqbal_policy *numa = pt_policy("numa-local");
        struct plan p = {}, alone = {}, bal = {};

        add_nic(s, 40, 8, "0000:01:00.0", 0, NULL);
        add_nic(s, 60, 12, "0000:81:00.0", 1, numa);
        pt_add(s, 90, NULL, "ahci", -1, 0.05);
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, s->n);

        /* The numa-local IRQs: exactly numa-local's layout (it ignores loads). */
        plan_alone(s, numa, &p, &alone);
        ck_assert_uint_eq(alone.n, 12);
        for (size_t k = 0; k < alone.n; k++) {
                const struct placement *got = plan_find(&p, alone.items[k].irq);
                char want[128];

                ck_assert_ptr_nonnull(got);
                ck_assert_msg(hwloc_bitmap_isequal(got->cpus, alone.items[k].cpus),
                              "IRQ %u not where numa-local puts it", got->irq);
                snprintf(want, sizeof(want), "numa-local: %s", alone.items[k].reason);
                ck_assert_str_eq(got->reason, want);
                ck_assert(starts_with(got->reason, "numa-local: node 1 (device)"));
        }
        /* The balanced ones: balanced's plan with the numa-local IRQs where they are
         * (balanced runs first), and no prefix. */
        plan_alone(s, NULL, NULL, &bal);
        ck_assert_uint_eq(bal.n, 9);
        for (size_t k = 0; k < bal.n; k++) {
                const struct placement *got = plan_find(&p, bal.items[k].irq);

                ck_assert_ptr_nonnull(got);
                ck_assert(hwloc_bitmap_isequal(got->cpus, bal.items[k].cpus));
                ck_assert_str_eq(got->reason, bal.items[k].reason);
        }
        ck_assert_ptr_null(p.default_affinity);
        plan_done(&alone);
        plan_done(&bal);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(pack_irqs_beside_balanced_ones_gather_on_one_core)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        const struct irqbal_policy *pack = pt_policy("pack");
        struct plan p = {}, alone = {};
        hwloc_bitmap_t pack_cpus = hwloc_bitmap_alloc(), bal_cpus = hwloc_bitmap_alloc();

        /* Interleaved, light: 0.16 CPU in all, well below pack_low. */
        for (unsigned i = 0; i < 16; i++)
                pt_add(s, 30 + i, NULL, NULL, -1, 0.01)->policy = i % 2 ? pack : NULL;
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, 16);
        for (unsigned i = 0; i < 16; i++) {
                const struct placement *pl = plan_find(&p, 30 + i);

                if (i % 2) {
                        ck_assert_msg(starts_with(pl->reason, "pack: packing"), "%s", pl->reason);
                        hwloc_bitmap_or(pack_cpus, pack_cpus, pl->cpus);
                } else {
                        ck_assert_msg(!starts_with(pl->reason, "pack"), "%s", pl->reason);
                        hwloc_bitmap_or(bal_cpus, bal_cpus, pl->cpus);
                }
        }
        /* Pack's eight on one CPU, balanced's eight on eight. */
        ck_assert_int_eq(hwloc_bitmap_weight(pack_cpus), 1);
        ck_assert_int_eq(hwloc_bitmap_weight(bal_cpus), 8);
        /* And exactly where pack alone puts them, balanced's IRQs as background. */
        plan_alone(s, pack, &p, &alone);
        ck_assert_uint_eq(alone.n, 8);
        for (size_t k = 0; k < alone.n; k++)
                ck_assert(hwloc_bitmap_isequal(plan_find(&p, alone.items[k].irq)->cpus,
                                               alone.items[k].cpus));
        hwloc_bitmap_free(pack_cpus);
        hwloc_bitmap_free(bal_cpus);
        plan_done(&alone);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(each_run_sees_what_earlier_runs_placed_as_background)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        struct spy_call *c;
        unsigned excl;

        spy_reset();
        pt_add(s, 10, NULL, NULL, -1, 0.5)->exclusive = true;
        pt_add(s, 11, NULL, NULL, -1, 0.1)->policy = &spy;
        pt_add(s, 12, NULL, NULL, -1, 0.1);
        hwloc_bitmap_only(s->current[2], 7);    /* balanced moves it (no previous) */
        pt_add(s, 13, NULL, NULL, -1, 0.1)->policy = &spy;
        pt_add(s, 14, NULL, NULL, -1, 0.1)->movable = false;
        hwloc_bitmap_only(s->current[4], 2);
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, 4);
        excl = pt_target(&p, 10);

        /* One spy run, after the default policy's: both its IRQs movable, nothing else. */
        ck_assert_uint_eq(spy_n_calls, 1);
        c = &spy_calls[0];
        ck_assert_uint_eq(c->n, 5);
        ck_assert_uint_eq(c->n_movable, 2);
        ck_assert_uint_eq(c->movable[0], 11);
        ck_assert_uint_eq(c->movable[1], 13);
        /* The exclusive IRQ's CPU is not allowed to them. */
        ck_assert(!hwloc_bitmap_isset(c->allowed[1], excl));
        ck_assert(!hwloc_bitmap_isset(c->allowed[3], excl));
        ck_assert_int_eq(hwloc_bitmap_weight(c->allowed[1]), 7);
        /* Background: planned IRQs where this call put them, the rest where they are. */
        ck_assert(hwloc_bitmap_isequal(c->current[0], plan_find(&p, 10)->cpus));
        ck_assert(hwloc_bitmap_isequal(c->current[2], plan_find(&p, 12)->cpus));
        ck_assert(hwloc_bitmap_isequal(c->current[4], s->current[4]));
        ck_assert_str_eq(plan_find(&p, 11)->reason, "spy: lowest allowed CPU");
        ck_assert_uint_eq(pt_target(&p, 11), excl == 0 ? 1 : 0);
        plan_done(&p);

        /* A spy that is exclusive: runs alone, then the group run; its reason says both. */
        spy_reset();
        s->v[0].policy = &spy;
        compose("balanced", s, &p);
        ck_assert_uint_eq(spy_n_calls, 2);
        ck_assert_uint_eq(spy_calls[0].n_movable, 1);
        ck_assert_uint_eq(spy_calls[0].movable[0], 10);
        ck_assert_uint_eq(pt_target(&p, 10), 0);
        ck_assert_str_eq(plan_find(&p, 10)->reason, "spy: lowest allowed CPU; exclusive");
        ck_assert_uint_eq(spy_calls[1].n_movable, 2);
        ck_assert_uint_eq(pt_target(&p, 11), 1);
        ck_assert_uint_eq(pt_target(&p, 13), 1);
        ck_assert_uint_eq(others_on(&p, 10, 0), 0);
        plan_done(&p);
        spy_reset();
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(a_failing_policy_fails_the_plan)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct policy_input in;
        struct plan p = {};

        spy_reset();
        pt_add(s, 10, NULL, NULL, -1, 0.5)->exclusive = true;
        pt_add(s, 11, NULL, NULL, -1, 0.1)->policy = &spy;
        pt_add(s, 12, NULL, NULL, -1, 0.1);
        in = pt_input(s);
        ck_assert_int_eq(plan_init(&p, 3), 0);
        spy_error = -ENOMEM;
        ck_assert_int_eq(policy_plan_composed(pt_policy("balanced"), &in, &p), -ENOMEM);
        ck_assert_uint_eq(p.n, 0);
        plan_done(&p);
        spy_reset();
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

/* ---- The plan -------------------------------------------------------------------------- */

START_TEST(the_plan_is_sorted_by_irq_number)
{
        struct topology *t = pt_synthetic(TWO_BY_TWO, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {};
        unsigned prev = 0;

        /* Groups are planned out of IRQ order: exclusive 90 first, then balanced,
         * numa-local, pack; the plan must not show it. */
        pt_add(s, 5, NULL, NULL, -1, 0.01)->policy = pt_policy("pack");
        add_nic(s, 20, 4, "0000:81:00.0", 1, pt_policy("numa-local"));
        pt_add(s, 30, NULL, NULL, -1, 0.1);
        add_nic(s, 40, 4, "0000:01:00.0", 0, NULL);
        pt_add(s, 50, NULL, NULL, -1, 0.01)->policy = pt_policy("pack");
        pt_add(s, 90, "0000:81:00.0", "eth1-ctl", 1, 0.2)->exclusive = true;
        s->v[s->n - 1].policy = pt_policy("numa-local");
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, s->n);
        for (size_t k = 0; k < p.n; k++) {
                ck_assert_uint_eq(p.items[k].irq, s->v[k].irq);
                ck_assert(k == 0 || p.items[k].irq > prev);
                prev = p.items[k].irq;
        }
        ck_assert_msg(starts_with(plan_find(&p, 90)->reason, "numa-local: ") &&
                      ends_with(plan_find(&p, 90)->reason, "; exclusive"),
                      "%s", plan_find(&p, 90)->reason);
        ck_assert_uint_eq(others_on(&p, 90, pt_target(&p, 90)), 0);
        plan_done(&p);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(a_plan_made_again_keeps_its_storage)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        struct plan p = {}, again = {};
        struct placement *items;

        for (unsigned i = 0; i < 6; i++)
                pt_add(s, 30 + i, NULL, NULL, -1, 0.1);
        s->v[1].exclusive = true;
        s->v[4].policy = pt_policy("numa-local");
        /* An earlier, bigger plan with a default affinity: reused, and cleared. */
        ck_assert_int_eq(plan_init(&p, 20), 0);
        p.default_affinity = hwloc_bitmap_dup(t->usable);
        items = p.items;
        compose("balanced", s, &p);
        ck_assert_uint_eq(p.n, 6);
        ck_assert_ptr_eq(p.items, items);
        ck_assert_uint_eq(p.cap, 20);
        ck_assert_ptr_null(p.default_affinity);
        compose("balanced", s, &again);
        compose("balanced", s, &p);
        ck_assert_ptr_eq(p.items, items);
        assert_plans_equal(&p, &again);
        plan_done(&p);
        plan_done(&again);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

START_TEST(the_default_affinity_comes_from_the_default_policy)
{
        struct topology *t = pt_synthetic(SMALL, NULL);
        struct pt_irqs *s = pt_irqs_new(t, MAX_IRQS);
        hwloc_bitmap_t hk = hwloc_bitmap_alloc();
        struct plan p = {};

        pt_set_list(hk, "0-3");
        s->params.housekeeping = hk;
        pt_add(s, 30, NULL, NULL, -1, 0.1)->policy = pt_policy("balanced");
        pt_add(s, 31, NULL, NULL, -1, 0.1);
        pt_add(s, 32, NULL, NULL, -1, 0.1);
        compose("housekeeping", s, &p);
        ck_assert_ptr_nonnull(p.default_affinity);
        ck_assert(hwloc_bitmap_isequal(p.default_affinity, hk));
        ck_assert(starts_with(plan_find(&p, 30)->reason, "balanced: "));
        ck_assert_uint_lt(pt_target(&p, 30), 8);
        ck_assert_str_eq(plan_find(&p, 31)->reason, "housekeeping CPUs 0-3");
        plan_done(&p);

        /* No IRQ left for the default policy: it still says what the default is. */
        s->v[1].policy = pt_policy("balanced");
        s->v[2].policy = pt_policy("balanced");
        compose("housekeeping", s, &p);
        ck_assert_ptr_nonnull(p.default_affinity);
        ck_assert(hwloc_bitmap_isequal(p.default_affinity, hk));
        ck_assert_uint_eq(p.n, 3);
        plan_done(&p);

        /* And none from a policy that has no opinion, even beside one that has. */
        s->v[1].policy = pt_policy("housekeeping");
        compose("balanced", s, &p);
        ck_assert_ptr_null(p.default_affinity);
        ck_assert_str_eq(plan_find(&p, 31)->reason, "housekeeping: housekeeping CPUs 0-3");
        plan_done(&p);
        hwloc_bitmap_free(hk);
        pt_irqs_free(s);
        topology_free(t);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("compose");
        TCase *fast = tcase_create("fast-path"), *excl = tcase_create("exclusive");
        TCase *pol = tcase_create("policy"), *plan = tcase_create("plan");

        tcase_add_test(fast, without_policy_or_exclusive_it_is_the_policy_itself);
        tcase_add_test(fast, without_policy_or_exclusive_the_policy_gets_the_input_itself);
        suite_add_tcase(s, fast);

        tcase_add_test(excl, an_exclusive_irq_has_its_cpu_alone);
        tcase_add_test(excl, an_exclusive_irq_stays_where_it_is);
        tcase_add_test(excl, an_irq_whose_cpus_are_all_reserved_gets_no_placement);
        tcase_add_test(excl, the_load_of_an_exclusive_irq_is_background_for_the_rest);
        suite_add_tcase(s, excl);

        tcase_add_test(pol, numa_local_irqs_beside_balanced_ones_are_placed_as_numa_local_would);
        tcase_add_test(pol, pack_irqs_beside_balanced_ones_gather_on_one_core);
        tcase_add_test(pol, each_run_sees_what_earlier_runs_placed_as_background);
        tcase_add_test(pol, a_failing_policy_fails_the_plan);
        suite_add_tcase(s, pol);

        tcase_add_test(plan, the_plan_is_sorted_by_irq_number);
        tcase_add_test(plan, a_plan_made_again_keeps_its_storage);
        tcase_add_test(plan, the_default_affinity_comes_from_the_default_policy);
        suite_add_tcase(s, plan);
        return s;
}
