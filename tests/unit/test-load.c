/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>

#include "irqbal/load.h"
#include "testlib.h"

static struct irq irqs[3];
/* The affinity and effective sets of irqs[] and of a test's own IRQs, which an
 * inventory would share from a pool. */
static hwloc_bitmap_t owned[2 * (3 + 6)];

/* IRQ's affinity and effective set, the K-th pair of owned[]: one CPU, or all (-1). */
static void give_masks(struct irq *irq, size_t k, int affinity_cpu, unsigned effective_cpu)
{
        owned[2 * k] = hwloc_bitmap_alloc();
        owned[2 * k + 1] = hwloc_bitmap_alloc();
        if (affinity_cpu < 0)
                hwloc_bitmap_fill(owned[2 * k]);
        else
                hwloc_bitmap_only(owned[2 * k], (unsigned) affinity_cpu);
        hwloc_bitmap_only(owned[2 * k + 1], effective_cpu);
        irq->affinity = owned[2 * k];
        irq->effective = owned[2 * k + 1];
        irq->has_effective = true;
}

static void free_masks(void)
{
        for (size_t k = 0; k < ELEMENTSOF(owned); k++) {
                hwloc_bitmap_free(owned[k]);
                owned[k] = NULL;
        }
}

static void setup(void)
{
        static const enum irq_class classes[] = { IRQ_CLASS_NET, IRQ_CLASS_STORAGE, IRQ_CLASS_LEGACY };
        static const double rates[] = { 10000, 10000, 100 };
        static const unsigned cpus[] = { 0, 0, 1 };

        for (size_t i = 0; i < ELEMENTSOF(irqs); i++) {
                irqs[i] = (struct irq) {
                        .number = 30 + (unsigned) i, .class = classes[i], .rate = rates[i],
                };
                give_masks(&irqs[i], i, -1, cpus[i]);
        }
}

static void teardown(void)
{
        free_masks();
}

START_TEST(without_time_accounting_load_is_rate_times_class_cost)
{
        load_estimate(irqs, 3, NULL, NULL, 0, 10);
        ck_assert_double_eq_tol(irqs[0].load, 10000 * load_cost_per_interrupt(IRQ_CLASS_NET), 1e-12);
        ck_assert_double_eq_tol(irqs[1].load, 10000 * load_cost_per_interrupt(IRQ_CLASS_STORAGE), 1e-12);
        /* A packet interrupt costs more than a disk completion, which costs more than a
         * serial port's. */
        ck_assert(irqs[0].load > irqs[1].load);
        ck_assert(irqs[1].load / 10000 > irqs[2].load / 100);
}
END_TEST

START_TEST(measured_irq_time_is_shared_by_rate_times_cost)
{
        /* CPU 0 spent 4 s of a 10 s window in IRQ context; CPU 1 1 s. */
        const struct cpu_irq_time times[] = { { 0, 4.0 }, { 1, 1.0 } };
        double net = 5.0, storage = 3.0;  /* the model's weights, in µs */

        load_estimate(irqs, 3, NULL, times, 2, 10);
        ck_assert_double_eq_tol(irqs[0].load, 0.4 * net / (net + storage), 1e-9);
        ck_assert_double_eq_tol(irqs[1].load, 0.4 * storage / (net + storage), 1e-9);
        /* Alone on CPU 1: all of its time. */
        ck_assert_double_eq_tol(irqs[2].load, 0.1, 1e-9);
}
END_TEST

START_TEST(a_cpu_without_measured_time_keeps_the_model)
{
        const struct cpu_irq_time times[] = { { 1, 0.0 } };

        load_estimate(irqs, 3, NULL, times, 1, 10);
        ck_assert_double_eq_tol(irqs[0].load, 10000 * load_cost_per_interrupt(IRQ_CLASS_NET), 1e-12);
        ck_assert_double_eq_tol(irqs[2].load, 100 * load_cost_per_interrupt(IRQ_CLASS_LEGACY), 1e-12);
}
END_TEST

/* Two devices, three IRQs each: a NIC at 2 µs an interrupt (its class says 5), a disk
 * at 6 µs (its class says 3). Each shares two CPUs with the other and has one alone:
 * the CPUs' times alone cannot tell their shares apart, the devices' costs can. */
START_TEST(device_costs_are_learnt_from_the_cpus_they_share)
{
        static const unsigned cpu_of_irq[6] = { 0, 1, 2, 0, 1, 3 };
        /* Seconds of IRQ time in a 10 s window: 0.02 of a CPU per NIC queue, 0.03 per
         * disk queue. */
        const struct cpu_irq_time times[] = { { 0, 0.5 }, { 1, 0.5 }, { 2, 0.2 }, { 3, 0.3 } };
        struct irq dev[6];
        struct load_costs costs;

        for (size_t i = 0; i < 6; i++) {
                bool nic = i < 3;

                dev[i] = (struct irq) {
                        .number = 40 + (unsigned) i, .class = nic ? IRQ_CLASS_NET : IRQ_CLASS_STORAGE,
                        .device = nic ? "0000:01:00.0" : "0000:02:00.0", .rate = nic ? 10000 : 5000,
                };
                give_masks(&dev[i], 3 + i, (int) cpu_of_irq[i], cpu_of_irq[i]);
        }
        load_costs_init(&costs);
        ck_assert_int_eq(load_costs_bind(&costs, dev, 6), 0);
        /* By class weights alone, CPU 0's 0.05 goes 0.0385 to the NIC queue. */
        load_estimate(dev, 6, NULL, times, 4, 10);
        ck_assert_double_eq_tol(dev[0].load, 0.05 * 0.05 / 0.065, 1e-9);
        for (int cycle = 0; cycle < 40; cycle++)
                load_estimate(dev, 6, &costs, times, 4, 10);
        for (size_t i = 0; i < 6; i++)
                ck_assert_msg(fabs(dev[i].load - (i < 3 ? 0.02 : 0.03)) < 0.0005, "IRQ %u: load %g",
                              dev[i].number, dev[i].load);
        /* Learnt costs serve where no time is measured. */
        load_estimate(dev, 6, &costs, NULL, 0, 10);
        ck_assert_double_eq_tol(dev[0].load, 0.02, 0.0005);
        ck_assert_double_eq_tol(dev[3].load, 0.03, 0.0005);
        /* A new inventory keeps what was learnt of a device it still has. */
        ck_assert_int_eq(load_costs_bind(&costs, dev + 3, 3), 0);
        load_estimate(dev + 3, 3, &costs, NULL, 0, 10);
        ck_assert_double_eq_tol(dev[5].load, 0.03, 0.0005);
        load_costs_done(&costs);
}
END_TEST

START_TEST(the_first_windows_plan_on_their_mean)
{
        struct irq irq = {};
        static const double samples[] = { 0.08, 0.12, 0.10 };

        /* ±20 % noise around 0.10: each window's planned load is the mean so far. */
        for (unsigned w = 1; w <= 3; w++) {
                irq.load = samples[w - 1];
                ck_assert_uint_eq(load_settle(&irq, 1, w), 1);
                ck_assert(irq.has_planned_load);
        }
        ck_assert_double_eq_tol(irq.planned_load, 0.10, 1e-12);
        /* Then the dead band holds it there, around the mean, not the first sample. */
        irq.load = 0.14;
        ck_assert_uint_eq(load_update_planned(&irq, 1), 0);
        ck_assert_double_eq_tol(irq.planned_load, 0.10, 1e-12);
        irq.load = 0.16;
        ck_assert_uint_eq(load_update_planned(&irq, 1), 1);
        ck_assert_double_eq(irq.planned_load, 0.16);
}
END_TEST

START_TEST(noise_stays_inside_the_dead_band_and_a_shift_gets_out)
{
        struct irq irq = { .load = 0.08 };

        /* The first sample was at the low edge of ±20 % noise around 0.10 … */
        load_update_planned(&irq, 1);
        ck_assert(irq.has_planned_load);
        ck_assert_double_eq(irq.planned_load, 0.08);
        /* … and no later sample of that noise, up to the high edge, changes what
         * policies see. */
        for (double f = 0.80; f <= 1.2; f += 0.05) {
                irq.load = 0.10 * f;
                load_update_planned(&irq, 1);
                ck_assert_double_eq(irq.planned_load, 0.08);
        }
        irq.load = 0.12;
        load_update_planned(&irq, 1);
        ck_assert_double_eq(irq.planned_load, 0.08);
        /* Doubling is a real change, seen in the same cycle. */
        irq.load = 0.20;
        load_update_planned(&irq, 1);
        ck_assert_double_eq(irq.planned_load, 0.20);
        /* Tiny loads wander freely below the floor without counting. */
        irq = (struct irq) { .load = 0.001 };
        load_update_planned(&irq, 1);
        irq.load = 0.009;
        load_update_planned(&irq, 1);
        ck_assert_double_eq(irq.planned_load, 0.001);
}
END_TEST

START_TEST(update_planned_counts_the_loads_it_set)
{
        irqs[0].load = 0.10;
        irqs[1].load = 0.20;
        irqs[2].load = 0.001;
        /* The first sample sets every planned load. */
        ck_assert_uint_eq(load_update_planned(irqs, 3), 3);
        /* Noise inside the band sets none: the manager keeps its plan then. */
        irqs[0].load = 0.12;
        irqs[1].load = 0.17;
        irqs[2].load = 0.009;
        ck_assert_uint_eq(load_update_planned(irqs, 3), 0);
        /* A shift out of the band counts once, in the cycle it is seen. */
        irqs[1].load = 0.40;
        ck_assert_uint_eq(load_update_planned(irqs, 3), 1);
        ck_assert_uint_eq(load_update_planned(irqs, 3), 0);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("load");
        TCase *tc = tcase_create("estimate");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, without_time_accounting_load_is_rate_times_class_cost);
        tcase_add_test(tc, measured_irq_time_is_shared_by_rate_times_cost);
        tcase_add_test(tc, a_cpu_without_measured_time_keeps_the_model);
        tcase_add_test(tc, device_costs_are_learnt_from_the_cpus_they_share);
        tcase_add_test(tc, noise_stays_inside_the_dead_band_and_a_shift_gets_out);
        tcase_add_test(tc, update_planned_counts_the_loads_it_set);
        tcase_add_test(tc, the_first_windows_plan_on_their_mean);
        suite_add_tcase(s, tc);
        return s;
}
