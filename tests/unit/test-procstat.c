/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/interrupts.h"
#include "irqbal/procstat.h"
#include "testlib.h"

static char *read_capture(const char *name, const char *ext)
{
        char *rel, *path, *text;

        ck_assert_int_ge(asprintf(&rel, "procfs/%s.%s", name, ext), 0);
        path = tl_data_path(rel);
        text = tl_read(path);
        free(path);
        free(rel);
        return text;
}

static void parse_stat_capture(const char *name, struct procstat *st)
{
        char *text = read_capture(name, "stat");

        ck_assert_int_eq(procstat_parse(text, name, st), 0);
        free(text);
}

static void parse_softirqs_capture(const char *name, struct softirqs_table *t)
{
        char *text = read_capture(name, "softirqs");

        ck_assert_int_eq(softirqs_parse(text, name, t), 0);
        free(text);
}

static const struct softirq_row *softirq_row(const struct softirqs_table *t, const char *name)
{
        for (size_t i = 0; i < t->nrows; i++)
                if (strcmp(t->rows[i].name, name) == 0)
                        return &t->rows[i];
        ck_abort_msg("no softirq row %s", name);
        return NULL;
}

static uint64_t softirq_sum(const struct softirqs_table *t, const char *name)
{
        const struct softirq_row *row = softirq_row(t, name);
        uint64_t sum = 0;

        for (unsigned j = 0; j < t->ncols; j++)
                sum += row->counts[j];
        return sum;
}

/* ---- /proc/stat ---- */

START_TEST(cpu_lines_in_file_order_without_the_aggregate)
{
        struct procstat st = {};

        ck_assert_int_eq(procstat_parse("cpu  30 0 20 1000 5 0 3 2 0 0\n"
                                        "cpu0 10 1 5 500 2 7 1 1 0 0\n"
                                        "cpu2 20 0 15 500 3 0 2 1 4 5\n"
                                        "intr 0\n", "test", &st), 0);
        ck_assert_uint_eq(st.ncpus, 2);
        ck_assert_uint_eq(st.skipped_lines, 0);
        ck_assert_uint_eq(st.cpus[0].cpu, 0);
        ck_assert_uint_eq(st.cpus[0].user, 10);
        ck_assert_uint_eq(st.cpus[0].nice, 1);
        ck_assert_uint_eq(st.cpus[0].system, 5);
        ck_assert_uint_eq(st.cpus[0].idle, 500);
        ck_assert_uint_eq(st.cpus[0].iowait, 2);
        ck_assert_uint_eq(st.cpus[0].irq, 7);
        ck_assert_uint_eq(st.cpus[0].softirq, 1);
        ck_assert_uint_eq(st.cpus[0].steal, 1);
        /* CPU1 is offline: no line, and the next one keeps its own number. */
        ck_assert_uint_eq(st.cpus[1].cpu, 2);
        ck_assert_uint_eq(st.cpus[1].steal, 1);
        procstat_done(&st);
}
END_TEST

START_TEST(old_kernels_print_fewer_cpu_fields)
{
        struct procstat st = {};

        ck_assert_int_eq(procstat_parse("cpu0 1 2 3 4\n"
                                        "cpu1 1 2 3 4 5 6 7\n"
                                        "cpu2 1 2 3\n"
                                        "cpu3\n"
                                        "cpu4 1 2 x 4 5 6 7 8\n"
                                        "cpu5 1 2 3 4 5 6 7 8 9 10 11\n"
                                        "cpu6 1 2 3 4 5 6 7 18446744073709551616\n"
                                        "cpu7x 1 2 3 4\n", "test", &st), 0);
        ck_assert_uint_eq(st.ncpus, 3);
        ck_assert_uint_eq(st.skipped_lines, 5);
        ck_assert_uint_eq(st.cpus[0].cpu, 0);
        ck_assert_uint_eq(st.cpus[0].idle, 4);
        ck_assert_uint_eq(st.cpus[0].iowait, 0);
        ck_assert_uint_eq(st.cpus[0].steal, 0);
        ck_assert_uint_eq(st.cpus[1].cpu, 1);
        ck_assert_uint_eq(st.cpus[1].softirq, 7);
        ck_assert_uint_eq(st.cpus[1].steal, 0);
        /* guest and guest_nice (and whatever a later kernel appends) are not ours. */
        ck_assert_uint_eq(st.cpus[2].cpu, 5);
        ck_assert_uint_eq(st.cpus[2].steal, 8);
        procstat_done(&st);
}
END_TEST

START_TEST(intr_slots_are_indexed_by_irq_number)
{
        struct procstat st = {};

        ck_assert_int_eq(procstat_parse("cpu0 1 2 3 4 5 6 7 8 0 0\n"
                                        "intr 18446744073709551615 5 0 0 7 18446744073709551614 \n"
                                        "ctxt 292488\n"
                                        "softirq 88597 1 20080 1 3672 0 0 34 0 0 64809\n",
                                        "test", &st), 0);
        ck_assert(st.has_intr);
        ck_assert_uint_eq(st.intr_total, UINT64_MAX);
        ck_assert_uint_eq(st.nintr, 5);
        ck_assert_uint_eq(st.intr[0], 5);
        ck_assert_uint_eq(st.intr[3], 7);
        ck_assert_uint_eq(st.intr[4], UINT64_MAX - 1);
        ck_assert(st.has_softirq);
        ck_assert_uint_eq(st.softirq_total, 88597);
        procstat_done(&st);
}
END_TEST

START_TEST(missing_or_malformed_intr_line)
{
        struct procstat st = {};

        ck_assert_int_eq(procstat_parse("cpu0 1 2 3 4 5 6 7 8 0 0\nctxt 1\n", "test", &st), 0);
        ck_assert(!st.has_intr);
        ck_assert(!st.has_softirq);
        ck_assert_uint_eq(st.nintr, 0);
        ck_assert_uint_eq(st.ncpus, 1);
        ck_assert_uint_eq(st.skipped_lines, 0);

        ck_assert_int_eq(procstat_parse("intr 100 1 2 oops 4\nsoftirq many\n", "test", &st), 0);
        ck_assert(!st.has_intr);
        ck_assert(!st.has_softirq);
        ck_assert_uint_eq(st.nintr, 0);
        ck_assert_uint_eq(st.intr_total, 0);
        ck_assert_uint_eq(st.ncpus, 0);
        ck_assert_uint_eq(st.skipped_lines, 2);

        ck_assert_int_eq(procstat_parse("intr\n", "test", &st), 0);
        ck_assert(!st.has_intr);
        ck_assert_uint_eq(st.skipped_lines, 1);

        /* A total alone is a well-formed line of a kernel with no IRQ slots to show. */
        ck_assert_int_eq(procstat_parse("intr 0", "test", &st), 0);
        ck_assert(st.has_intr);
        ck_assert_uint_eq(st.nintr, 0);

        ck_assert_int_eq(procstat_parse("", "test", &st), 0);
        ck_assert(!st.has_intr);
        ck_assert_uint_eq(st.ncpus, 0);
        procstat_done(&st);
}
END_TEST

static char *stat_text(unsigned ncpus, unsigned nintr)
{
        char *text;
        size_t len;
        FILE *f = open_memstream(&text, &len);

        fprintf(f, "cpu  1 2 3 4 5 6 7 8 0 0\n");
        for (unsigned i = 0; i < ncpus; i++)
                fprintf(f, "cpu%u %u 0 1 2 3 0 4 0 0 0\n", i, i);
        fprintf(f, "intr %u", nintr);
        for (unsigned i = 0; i < nintr; i++)
                fprintf(f, " %u", i % 3 ? 0 : i);
        fprintf(f, "\nctxt 1\nsoftirq 5 1 1 1 1 1 0 0 0 0 0\n");
        fclose(f);
        return text;
}

START_TEST(steady_state_parses_reuse_the_arrays)
{
        struct procstat st = {};
        char *small = stat_text(4, 2048), *big = stat_text(300, 5000);
        uint64_t *intr;
        struct procstat_cpu *cpus;

        ck_assert_int_eq(procstat_parse(small, "test", &st), 0);
        ck_assert_uint_eq(st.nintr, 2048);
        ck_assert_uint_eq(st.ncpus, 4);
        ck_assert_uint_ge(st.intr_cap, 2048);
        ck_assert_uint_ge(st.cpus_cap, 4);
        intr = st.intr;
        cpus = st.cpus;

        /* glibc's realloc() to the same size keeps the block, but ASan's always moves it:
         * the sanitizer build also catches a needless realloc(). */
        for (int i = 0; i < 3; i++) {
                ck_assert_int_eq(procstat_parse(small, "test", &st), 0);
                ck_assert_ptr_eq(st.intr, intr);
                ck_assert_ptr_eq(st.cpus, cpus);
                ck_assert_uint_eq(st.nintr, 2048);
                ck_assert_uint_eq(st.intr[2047], 0);
                ck_assert_uint_eq(st.intr[2046], 2046);
        }

        /* Growing keeps every value; shrinking back keeps the bigger arrays. */
        ck_assert_int_eq(procstat_parse(big, "test", &st), 0);
        ck_assert_uint_eq(st.nintr, 5000);
        ck_assert_uint_eq(st.ncpus, 300);
        ck_assert_uint_ge(st.intr_cap, 5000);
        ck_assert_uint_ge(st.cpus_cap, 300);
        ck_assert_uint_eq(st.intr[4998], 4998);
        ck_assert_uint_eq(st.intr[0], 0);
        ck_assert_uint_eq(st.cpus[299].cpu, 299);
        ck_assert_uint_eq(st.cpus[299].user, 299);
        intr = st.intr;
        cpus = st.cpus;
        ck_assert_int_eq(procstat_parse(small, "test", &st), 0);
        ck_assert_ptr_eq(st.intr, intr);
        ck_assert_ptr_eq(st.cpus, cpus);
        ck_assert_uint_eq(st.nintr, 2048);
        ck_assert_uint_eq(st.ncpus, 4);

        procstat_done(&st);
        ck_assert_ptr_null(st.intr);
        ck_assert_uint_eq(st.intr_cap, 0);
        free(small);
        free(big);
}
END_TEST

START_TEST(irq_time_needs_a_non_zero_irq_field)
{
        struct procstat st = {};

        ck_assert_int_eq(procstat_parse("cpu0 1 2 3 4 5 0 0 0 0 0\n"
                                        "cpu1 1 2 3 4 5 0 0 0 0 0\n", "test", &st), 0);
        ck_assert(!procstat_has_irq_time(&st));
        /* The tick charges itself to softirq when it lands in one: not time accounting. */
        ck_assert_int_eq(procstat_parse("cpu0 1 2 3 4 5 0 9 0 0 0\n"
                                        "cpu1 1 2 3 4 5 0 0 0 0 0\n", "test", &st), 0);
        ck_assert(!procstat_has_irq_time(&st));
        ck_assert_int_eq(procstat_parse("cpu0 1 2 3 4 5 0 0 0 0 0\n"
                                        "cpu1 1 2 3 4 5 3 0 0 0 0\n", "test", &st), 0);
        ck_assert(procstat_has_irq_time(&st));
        ck_assert_int_eq(procstat_parse("cpu0 1 2 3 4\n", "test", &st), 0);
        ck_assert(!procstat_has_irq_time(&st));
        procstat_done(&st);
}
END_TEST

START_TEST(capture_04_stat_laptop_with_irq_time)
{
        struct procstat st = {};
        struct interrupts_table t;
        char *text = read_capture("04-pcp-laptop-nvme-8cpu", "interrupts");
        unsigned differ = 0;

        parse_stat_capture("04-pcp-laptop-nvme-8cpu", &st);
        ck_assert_uint_eq(st.skipped_lines, 0);
        ck_assert_uint_eq(st.ncpus, 8);
        for (unsigned i = 0; i < 8; i++)
                ck_assert_uint_eq(st.cpus[i].cpu, i);
        ck_assert_uint_eq(st.cpus[0].user, 2010690);
        ck_assert_uint_eq(st.cpus[0].idle, 46744843);
        ck_assert_uint_eq(st.cpus[0].irq, 262260);
        ck_assert_uint_eq(st.cpus[0].softirq, 100809);
        ck_assert_uint_eq(st.cpus[7].iowait, 58533);
        ck_assert_uint_eq(st.cpus[7].steal, 0);
        ck_assert(procstat_has_irq_time(&st));
        ck_assert(st.has_intr);
        ck_assert_uint_eq(st.intr_total, 1515138941);
        ck_assert_uint_eq(st.nintr, 2048);
        ck_assert(st.has_softirq);
        ck_assert_uint_eq(st.softirq_total, 913751429);

        /* Same machine, /proc/stat read a moment before /proc/interrupts: the intr slots
         * are the row sums but for the IRQs that fired in between, and no IRQ counts
         * without a row. */
        ck_assert_int_eq(interrupts_parse(text, "04", &t), 0);
        for (size_t i = 0; i < t.nrows; i++) {
                const struct interrupts_row *row = &t.rows[i];

                ck_assert_uint_lt(row->irq, st.nintr);
                ck_assert_uint_ge(row->total, st.intr[row->irq]);
                ck_assert_uint_le(row->total - st.intr[row->irq], 2);
                differ += st.intr[row->irq] != row->total;
        }
        ck_assert_uint_eq(t.nrows, 29);
        ck_assert_uint_eq(differ, 2);   /* IRQ 16 and 133 */
        ck_assert_uint_eq(interrupts_find(&t, 16)->total - st.intr[16], 1);
        ck_assert_uint_eq(interrupts_find(&t, 133)->total - st.intr[133], 2);
        for (unsigned irq = 0; irq < st.nintr; irq++)
                if (st.intr[irq] != 0)
                        ck_assert_msg(interrupts_find(&t, irq), "IRQ %u counts without a row", irq);
        interrupts_table_done(&t);
        procstat_done(&st);
        free(text);
}
END_TEST

START_TEST(capture_vm_stat_without_irq_time_accounting)
{
        struct procstat st = {};
        struct interrupts_table t;
        char *text = read_capture("vm-virtio-2cpu", "interrupts");

        /* The VM's kernel has "# CONFIG_IRQ_TIME_ACCOUNTING is not set": irq is 0 on
         * every CPU while softirq is not. */
        parse_stat_capture("vm-virtio-2cpu", &st);
        ck_assert_uint_eq(st.skipped_lines, 0);
        ck_assert_uint_eq(st.ncpus, 2);
        ck_assert_uint_eq(st.cpus[1].cpu, 1);
        ck_assert_uint_eq(st.cpus[0].irq, 0);
        ck_assert_uint_eq(st.cpus[1].irq, 0);
        ck_assert_uint_eq(st.cpus[0].softirq, 35);
        ck_assert_uint_eq(st.cpus[1].softirq, 83);
        ck_assert_uint_eq(st.cpus[1].steal, 64);
        ck_assert(!procstat_has_irq_time(&st));
        ck_assert(st.has_intr);
        ck_assert_uint_eq(st.intr_total, 184978);
        ck_assert_uint_eq(st.nintr, 424);
        ck_assert_uint_eq(st.softirq_total, 142051);

        ck_assert_int_eq(interrupts_parse(text, "vm", &t), 0);
        for (size_t i = 0; i < t.nrows; i++)
                ck_assert_uint_eq(st.intr[t.rows[i].irq], t.rows[i].total);
        interrupts_table_done(&t);
        procstat_done(&st);
        free(text);
}
END_TEST

/* ---- /proc/softirqs ---- */

static const char *const softirq_names[] = {
        "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK",
        "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

static void check_softirq_names(const struct softirqs_table *t)
{
        ck_assert_uint_eq(t->nrows, ELEMENTSOF(softirq_names));
        for (size_t i = 0; i < t->nrows; i++)
                ck_assert_str_eq(t->rows[i].name, softirq_names[i]);
}

START_TEST(capture_02_softirqs_one_cpu)
{
        struct softirqs_table t;

        parse_softirqs_capture("02-pcp-kvm-guest-i686-1cpu", &t);
        ck_assert_uint_eq(t.ncols, 1);
        ck_assert_uint_eq(t.col_cpu[0], 0);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_softirq_names(&t);
        ck_assert_uint_eq(softirq_row(&t, "NET_RX")->counts[0], 2315415);
        ck_assert_uint_eq(softirq_row(&t, "RCU")->counts[0], 9479358);
        softirqs_table_done(&t);
}
END_TEST

START_TEST(capture_04_softirqs_agree_with_stat)
{
        struct softirqs_table t;
        struct procstat st = {};
        uint64_t sum = 0;

        parse_softirqs_capture("04-pcp-laptop-nvme-8cpu", &t);
        ck_assert_uint_eq(t.ncols, 8);
        ck_assert_uint_eq(t.col_cpu[7], 7);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_softirq_names(&t);
        ck_assert_uint_eq(softirq_row(&t, "HI")->counts[3], 28484977);
        ck_assert_uint_eq(softirq_row(&t, "NET_RX")->counts[5], 17594454);
        ck_assert_uint_eq(softirq_sum(&t, "NET_RX"), 18145241);
        ck_assert_uint_eq(softirq_sum(&t, "IRQ_POLL"), 0);
        for (size_t i = 0; i < t.nrows; i++)
                for (unsigned j = 0; j < t.ncols; j++)
                        sum += t.rows[i].counts[j];
        /* Read a moment after /proc/stat: 13 more softirqs ran in between. */
        parse_stat_capture("04-pcp-laptop-nvme-8cpu", &st);
        ck_assert_uint_eq(sum, 913751442);
        ck_assert_uint_eq(sum - st.softirq_total, 13);
        procstat_done(&st);
        softirqs_table_done(&t);
}
END_TEST

START_TEST(capture_vm_softirqs)
{
        struct softirqs_table t;

        parse_softirqs_capture("vm-virtio-2cpu", &t);
        ck_assert_uint_eq(t.ncols, 2);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_softirq_names(&t);
        ck_assert_uint_eq(softirq_sum(&t, "BLOCK"), 46765);
        ck_assert_uint_eq(softirq_row(&t, "NET_RX")->counts[0], 512);
        ck_assert_uint_eq(softirq_row(&t, "NET_RX")->counts[1], 596);
        softirqs_table_done(&t);
}
END_TEST

START_TEST(softirqs_columns_rows_and_bad_lines)
{
        /* CPU1 is not possible on this machine; 10-digit values leave one blank. */
        static const char text[] =
                "                    CPU0       CPU2       CPU3       \n"
                "          HI:          0          1 4294967295\n"
                "       TIMER:       8398       7857\n"
                "      NET_TX:          3          0          0          7\n"
                "      NET_RX:        512        x96          0\n"
                "   no colon          1          2          3\n"
                "\n"
                "         RCU:      10781      13771          5";
        struct softirqs_table t;

        ck_assert_int_eq(softirqs_parse(text, "test", &t), 0);
        ck_assert_uint_eq(t.ncols, 3);
        ck_assert_uint_eq(t.col_cpu[1], 2);
        ck_assert_uint_eq(t.nrows, 2);
        ck_assert_uint_eq(t.skipped_lines, 4);
        ck_assert_str_eq(t.rows[0].name, "HI");
        ck_assert_uint_eq(t.rows[0].counts[2], UINT32_MAX);
        ck_assert_str_eq(t.rows[1].name, "RCU");
        ck_assert_uint_eq(t.rows[1].counts[0], 10781);
        ck_assert_uint_eq(t.rows[1].counts[2], 5);
        softirqs_table_done(&t);

        t.nrows = 99;
        ck_assert_int_eq(softirqs_parse("          HI:          0\n", "test", &t), -EINVAL);
        ck_assert_uint_eq(t.nrows, 0);
        ck_assert_int_eq(softirqs_parse("", "test", &t), -EINVAL);
        softirqs_table_done(&t);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("procstat");
        TCase *stat = tcase_create("stat");
        TCase *softirqs = tcase_create("softirqs");

        tcase_add_test(stat, cpu_lines_in_file_order_without_the_aggregate);
        tcase_add_test(stat, old_kernels_print_fewer_cpu_fields);
        tcase_add_test(stat, intr_slots_are_indexed_by_irq_number);
        tcase_add_test(stat, missing_or_malformed_intr_line);
        tcase_add_test(stat, steady_state_parses_reuse_the_arrays);
        tcase_add_test(stat, irq_time_needs_a_non_zero_irq_field);
        tcase_add_test(stat, capture_04_stat_laptop_with_irq_time);
        tcase_add_test(stat, capture_vm_stat_without_irq_time_accounting);
        suite_add_tcase(s, stat);

        tcase_add_test(softirqs, capture_02_softirqs_one_cpu);
        tcase_add_test(softirqs, capture_04_softirqs_agree_with_stat);
        tcase_add_test(softirqs, capture_vm_softirqs);
        tcase_add_test(softirqs, softirqs_columns_rows_and_bad_lines);
        suite_add_tcase(s, softirqs);
        return s;
}
