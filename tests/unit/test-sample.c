/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>

#include "irqbal/sample.h"
#include "testlib.h"

/* Rates come from the row totals of two /proc/interrupts texts; the inventory only
 * needs the numbers (and, for the tests of a window without a rate, the last rate). */
static struct interrupts_table before, after;
static struct irq_inventory inv;
static struct sample_result res;

static void sample_after(const char *t0, const char *t1, double seconds, double last_rate)
{
        ck_assert_int_eq(interrupts_parse(t0, "t0", &before), 0);
        ck_assert_int_eq(interrupts_parse(t1, "t1", &after), 0);
        inv.n = before.nrows;
        inv.irqs = calloc(inv.n, sizeof(struct irq));
        for (size_t i = 0; i < inv.n; i++) {
                inv.irqs[i].number = before.rows[i].irq;
                inv.irqs[i].rate = last_rate;
        }
        sample_rates(&before, &after, seconds, &inv, &res);
}

static void sample(const char *t0, const char *t1, double seconds)
{
        sample_after(t0, t1, seconds, 0);
}

static void teardown(void)
{
        free(inv.irqs);
        inv = (struct irq_inventory) {};
        interrupts_table_done(&before);
        interrupts_table_done(&after);
        before = after = (struct interrupts_table) {};
}

static double rate(unsigned n)
{
        const struct irq *i = inventory_find(&inv, n);

        ck_assert_ptr_nonnull(i);
        return i->rate;
}

START_TEST(rate_is_delta_over_window)
{
        sample("      CPU0       CPU1\n"
               " 38:   100        200   PCI-MSIX-0000:00:03.0 1-edge eth0-rx\n"
               " 39:     0          0   PCI-MSIX-0000:00:03.0 2-edge eth0-tx\n",
               "      CPU0       CPU1\n"
               " 38:   300        400   PCI-MSIX-0000:00:03.0 1-edge eth0-rx\n"
               " 39:     0          0   PCI-MSIX-0000:00:03.0 2-edge eth0-tx\n", 2.0);
        ck_assert(!res.rescan);
        ck_assert_double_eq(rate(38), 200.0);
        ck_assert_double_eq(rate(39), 0.0);
        ck_assert_uint_eq(res.interrupts, 400);
        ck_assert_uint_eq(inventory_find(&inv, 38)->count, 700);
}
END_TEST

START_TEST(counters_wrap_modulo_2_32)
{
        sample("      CPU0\n  5: 4294967290   IO-APIC 5-edge x\n",
               "      CPU0\n  5:         10   IO-APIC 5-edge x\n", 1.0);
        ck_assert(!res.rescan);
        ck_assert_double_eq(rate(5), 16.0);
}
END_TEST

/* The totals are sums of per-CPU counters that each wrap on their own: their
 * difference modulo 2^32 is still the number of interrupts. */
START_TEST(one_cpu_wrapping_among_others_counts_right)
{
        sample("      CPU0       CPU1       CPU2\n"
               "  5: 4294967000 4294967290        100   IO-APIC 5-edge x\n",
               "      CPU0       CPU1       CPU2\n"
               "  5:       1000         10        150   IO-APIC 5-edge x\n", 2.0);
        ck_assert(!res.rescan);
        /* CPU0 +1296, CPU1 +16, CPU2 +50. */
        ck_assert_double_eq(rate(5), 681.0);
        ck_assert_uint_eq(res.interrupts, 1362);
}
END_TEST

START_TEST(a_counter_that_goes_down_asks_for_a_rescan)
{
        sample("      CPU0\n  5:     1000   IO-APIC 5-edge x\n",
               "      CPU0\n  5:      400   IO-APIC 5-edge x\n", 1.0);
        ck_assert(res.rescan);
        ck_assert_str_eq(res.reason, "IRQ 5: counter went down");
        ck_assert_double_eq(rate(5), 0.0);
}
END_TEST

START_TEST(an_offlined_cpu_changes_columns_and_keeps_the_last_rate)
{
        sample_after("      CPU0       CPU1       CPU2\n"
                     "  7:    10         20         30   IO-APIC 7-edge x\n",
                     "      CPU0       CPU2\n"
                     "  7:    15         40   IO-APIC 7-edge x\n", 1.0, 12.5);
        ck_assert(res.rescan);
        ck_assert(strstr(res.reason, "CPU columns changed"));
        /* CPU1's counts left the total: 55 after 60 is no rate, the last one stands. */
        ck_assert_double_eq(rate(7), 12.5);
        ck_assert_uint_eq(inventory_find(&inv, 7)->count, 55);
}
END_TEST

START_TEST(new_and_vanished_irqs_ask_for_a_rescan)
{
        sample("      CPU0\n  5: 1 IO-APIC 5-edge x\n  6: 1 IO-APIC 6-edge y\n",
               "      CPU0\n  5: 1 IO-APIC 5-edge x\n  8: 1 IO-APIC 8-edge z\n", 1.0);
        ck_assert(res.rescan);
        ck_assert_str_eq(res.reason, "IRQ 6 vanished");
        teardown();
        sample("      CPU0\n  5: 1 IO-APIC 5-edge x\n",
               "      CPU0\n  5: 1 IO-APIC 5-edge x\n  9: 1 IO-APIC 9-edge z\n", 1.0);
        ck_assert(res.rescan);
        ck_assert(strstr(res.reason, "changed") || strstr(res.reason, "IRQ 9 appeared"));
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("sample");
        TCase *tc = tcase_create("rates");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, rate_is_delta_over_window);
        tcase_add_test(tc, counters_wrap_modulo_2_32);
        tcase_add_test(tc, a_counter_that_goes_down_asks_for_a_rescan);
        tcase_add_test(tc, one_cpu_wrapping_among_others_counts_right);
        tcase_add_test(tc, an_offlined_cpu_changes_columns_and_keeps_the_last_rate);
        tcase_add_test(tc, new_and_vanished_irqs_ask_for_a_rescan);
        suite_add_tcase(s, tc);
        return s;
}
