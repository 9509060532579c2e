/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The observer reads /proc/interrupts once and then only /proc/stat's intr line, until
 * that line says the set of IRQs or CPUs changed; and placements once, then per cycle
 * only those irqbald wrote. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqbal/cpuset.h"
#include "irqbal/observer.h"
#include "testlib.h"

static char *dir;
static struct irqbal_root root;
static struct observer obs;

static void write_interrupts(const char *rows)
{
        tl_write(dir, "proc/interrupts", "           CPU0       CPU1       \n%s", rows);
}

/* intr slots 0..N-1 from a list of "irq=count" pairs. */
static void write_stat(unsigned nslots, const unsigned *irqs, const unsigned long long *counts,
                       size_t n, unsigned ncpus)
{
        GString *s = g_string_new("cpu  1 0 1 100 0 0 0 0 0 0\n");
        unsigned long long total = 0;

        for (unsigned c = 0; c < ncpus; c++)
                g_string_append_printf(s, "cpu%u 1 0 1 50 0 0 0 0 0 0\n", c);
        for (size_t i = 0; i < n; i++)
                total += counts[i];
        g_string_append_printf(s, "intr %llu", total);
        for (unsigned slot = 0; slot < nslots; slot++) {
                unsigned long long v = 0;

                for (size_t i = 0; i < n; i++)
                        if (irqs[i] == slot)
                                v = counts[i];
                g_string_append_printf(s, " %llu", v);
        }
        g_string_append(s, "\nctxt 1\n");
        tl_write(dir, "proc/stat", "%s", s->str);
        g_string_free(s, TRUE);
}

static void setup(void)
{
        dir = tl_mkdtemp();
        ck_assert_int_eq(root_open(&root, dir), 0);
        observer_init(&obs, &root, NULL, NULL);
}

static void teardown(void)
{
        observer_done(&obs);
        root_close(&root);
        tl_rmtree(dir);
        free(dir);
}

static double rate(unsigned irq)
{
        const struct irq *i = inventory_find(&obs.inv, irq);

        ck_assert_msg(i, "IRQ %u not in the inventory", irq);
        return i->rate;
}

START_TEST(steady_cycles_read_only_proc_stat)
{
        const unsigned irqs[] = { 40, 41 };
        unsigned long long c0[] = { 4294966000ull, 5 }, c1[] = { 4294967000ull, 5 }, c2[] = { 600, 25 };

        write_interrupts(" 40: 100 0 PCI-MSIX-0000:00:04.0 0-edge eth0-rx\n"
                         " 41:   5 0 PCI-MSIX-0000:00:04.0 1-edge eth0-tx\n");
        write_stat(64, irqs, c0, 2, 2);
        ck_assert_int_eq(observer_read(&obs, 0), 0);
        ck_assert_uint_eq(obs.inv.n, 2);
        ck_assert_uint_eq(obs.full_reads, 1);

        /* /proc/interrupts goes stale on purpose: it must not be read again. */
        write_interrupts("garbage\n");
        write_stat(64, irqs, c1, 2, 2);
        ck_assert_int_eq(observer_read(&obs, 10), 0);
        ck_assert_uint_eq(obs.full_reads, 1);
        ck_assert_double_eq(rate(40), 100.0);
        ck_assert_double_eq(rate(41), 0.0);
        ck_assert_ptr_nonnull(observer_prev_stat(&obs));
        /* A fake root's file is replaced by its writer: opened for every read. */
        ck_assert(!obs.stat_kept);

        /* The kernel's 32-bit sum wraps past 2^32; the delta does not. */
        write_stat(64, irqs, c2, 2, 2);
        ck_assert_int_eq(observer_read(&obs, 10), 0);
        ck_assert_uint_eq(obs.full_reads, 1);
        ck_assert(!obs.last.rescan);
        ck_assert_double_eq_tol(rate(40), 89.6, 1e-9);
        ck_assert_double_eq(rate(41), 2.0);
}
END_TEST

START_TEST(a_new_irq_in_intr_brings_a_full_rescan)
{
        const unsigned irqs[] = { 40, 42 };
        unsigned long long c0[] = { 100, 0 }, c1[] = { 200, 7 };

        write_interrupts(" 40: 100 0 PCI-MSIX-0000:00:04.0 0-edge eth0-rx\n");
        write_stat(64, irqs, c0, 2, 2);
        ck_assert_int_eq(observer_read(&obs, 0), 0);
        write_interrupts(" 40: 200 0 PCI-MSIX-0000:00:04.0 0-edge eth0-rx\n"
                         " 42:   7 0 PCI-MSIX-0000:00:04.0 2-edge eth0-new\n");
        write_stat(64, irqs, c1, 2, 2);
        ck_assert_int_eq(observer_read(&obs, 1), 0);
        ck_assert(obs.last.rescan);
        ck_assert_str_eq(obs.last.reason, "IRQ 42 appeared");
        ck_assert_uint_eq(obs.full_reads, 2);
        ck_assert_uint_eq(obs.inv.n, 2);
        /* IRQ 40 keeps the rate measured before the rescan. */
        ck_assert_double_eq(rate(40), 100.0);
}
END_TEST

START_TEST(a_counter_going_down_or_a_cpu_leaving_brings_a_rescan)
{
        const unsigned irqs[] = { 40 };
        unsigned long long c0[] = { 5000 }, c1[] = { 10 }, c2[] = { 20 };

        write_interrupts(" 40: 100 0 PCI-MSIX-0000:00:04.0 0-edge eth0-rx\n");
        write_stat(64, irqs, c0, 1, 2);
        ck_assert_int_eq(observer_read(&obs, 0), 0);
        write_stat(64, irqs, c1, 1, 2);
        ck_assert_int_eq(observer_read(&obs, 1), 0);
        ck_assert_str_eq(obs.last.reason, "IRQ 40: counter went down");
        ck_assert_uint_eq(obs.full_reads, 2);
        write_stat(64, irqs, c2, 1, 1);
        ck_assert_int_eq(observer_read(&obs, 1), 0);
        ck_assert_str_eq(obs.last.reason, "CPUs changed: 2 → 1 online");
        ck_assert_uint_eq(obs.full_reads, 3);
}
END_TEST

START_TEST(without_proc_stat_every_cycle_reads_proc_interrupts)
{
        write_interrupts(" 40: 100 0 PCI-MSIX-0000:00:04.0 0-edge eth0-rx\n");
        ck_assert_int_eq(observer_read(&obs, 0), 0);
        write_interrupts(" 40: 300 0 PCI-MSIX-0000:00:04.0 0-edge eth0-rx\n");
        ck_assert_int_eq(observer_read(&obs, 2), 0);
        ck_assert_uint_eq(obs.full_reads, 2);
        ck_assert_double_eq(rate(40), 100.0);
        ck_assert_ptr_null(observer_stat(&obs));
}
END_TEST

/* IRQs FIRST … FIRST+N-1: movable NIC queues on CPUs 0-1, running on CPU 0. */
static void write_queues(unsigned first, unsigned n)
{
        GString *rows = g_string_new(NULL);
        unsigned irqs[64];
        unsigned long long counts[64];

        ck_assert_uint_le(n, ELEMENTSOF(irqs));
        for (unsigned i = 0; i < n; i++) {
                unsigned irq = first + i;
                char rel[64], *path;

                g_string_append_printf(rows, " %u: 10 0 PCI-MSIX-0000:00:04.0 %u-edge eth0-%u\n",
                                       irq, i, i);
                snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity_list", irq);
                tl_write(dir, rel, "0-1\n");
                snprintf(rel, sizeof(rel), "proc/irq/%u/effective_affinity_list", irq);
                tl_write(dir, rel, "0\n");
                snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity", irq);
                tl_write(dir, rel, "3\n");
                ck_assert_int_ge(asprintf(&path, "%s/%s", dir, rel), 0);
                ck_assert_int_eq(chmod(path, 0644), 0);
                free(path);
                irqs[i] = irq;
                counts[i] = 10;
        }
        write_interrupts(rows->str);
        write_stat(first + n, irqs, counts, n, 2);
        g_string_free(rows, TRUE);
}

/* Someone (irqbald, an admin) sets IRQ's mask and the CPU the kernel picked. */
static void move(unsigned irq, const char *affinity, const char *effective)
{
        char rel[64];

        snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity_list", irq);
        tl_write(dir, rel, "%s\n", affinity);
        snprintf(rel, sizeof(rel), "proc/irq/%u/effective_affinity_list", irq);
        tl_write(dir, rel, "%s\n", effective);
}

static void check_placement(unsigned number, const char *affinity, const char *effective)
{
        const struct irq *irq = inventory_find(&obs.inv, number);
        char *a, *e;

        ck_assert_ptr_nonnull(irq);
        a = cpulist_format(irq->affinity);
        e = cpulist_format(irq->effective);
        ck_assert_msg(strcmp(a, affinity) == 0 && strcmp(e, effective) == 0,
                      "IRQ %u: %s, effective %s; expected %s, effective %s", number, a, e,
                      affinity, effective);
        free(a);
        free(e);
}

START_TEST(steady_cycles_read_only_the_written_irqs_placements)
{
        const unsigned written[] = { 41 };

        write_queues(40, 40);
        ck_assert_int_eq(observer_read(&obs, 0), 0);
        ck_assert_uint_eq(obs.inv.n, 40);
        /* Read with the inventory: every placement is fresh, none read again. */
        ck_assert_int_eq(observer_refresh_placement(&obs, NULL, 0), 1);
        ck_assert_uint_eq(obs.placement_reads, 0);

        /* irqbald moved IRQ 41; an admin pinned IRQ 79. Only the move irqbald made is
         * read back: the pin is apply.c's to see, before it ever writes IRQ 79. */
        move(41, "1", "1");
        move(79, "3", "3");
        ck_assert_int_eq(observer_read(&obs, 10), 0);
        ck_assert_int_eq(observer_refresh_placement(&obs, written, 1), 0);
        ck_assert_uint_eq(obs.placement_reads, 1);
        check_placement(41, "1", "1");
        check_placement(79, "0-1", "0");

        /* Nothing written: nothing read, however many cycles. */
        for (int i = 0; i < 5; i++) {
                ck_assert_int_eq(observer_read(&obs, 10), 0);
                ck_assert_int_eq(observer_refresh_placement(&obs, NULL, 0), 0);
        }
        ck_assert_uint_eq(obs.placement_reads, 1);
        ck_assert_uint_eq(obs.full_reads, 1);
}
END_TEST

START_TEST(a_change_of_online_cpus_reads_every_placement)
{
        struct topology topo = { .online = hwloc_bitmap_alloc() };
        uint64_t reads;

        hwloc_bitmap_set_range(topo.online, 0, 1);
        observer_done(&obs);
        observer_init(&obs, &root, &topo, NULL);
        write_queues(40, 40);
        ck_assert_int_eq(observer_read(&obs, 0), 0);
        ck_assert_int_eq(observer_refresh_placement(&obs, NULL, 0), 1);
        ck_assert_int_eq(observer_read(&obs, 10), 0);
        ck_assert_int_eq(observer_refresh_placement(&obs, NULL, 0), 0);
        ck_assert_uint_eq(obs.placement_reads, 0);

        /* CPU 1 goes offline: the kernel breaks every mask that loses all its CPUs. */
        hwloc_bitmap_clr(topo.online, 1);
        move(79, "0", "0");
        reads = obs.placement_reads;
        ck_assert_int_eq(observer_read(&obs, 10), 0);
        ck_assert_int_eq(observer_refresh_placement(&obs, NULL, 0), 1);
        ck_assert_uint_eq(obs.placement_reads, reads + 40);
        check_placement(79, "0", "0");
        observer_done(&obs);
        hwloc_bitmap_free(topo.online);
}
END_TEST

static uint64_t cpu_ticks(const struct procstat *st)
{
        uint64_t sum = 0;

        for (size_t i = 0; i < st->ncpus; i++) {
                const struct procstat_cpu *c = &st->cpus[i];

                sum += c->user + c->nice + c->system + c->idle + c->iowait + c->irq +
                       c->softirq + c->steal;
        }
        return sum;
}

/* The host's /proc/stat stays open, and each read from offset 0 is the kernel's text
 * of that moment: CPU time has gone on between two reads 0.1 s apart. */
START_TEST(the_hosts_proc_stat_stays_open_and_is_read_afresh)
{
        struct irqbal_root host = {};
        struct observer o;
        int fd;

        ck_assert_int_eq(root_open(&host, "/"), 0);
        observer_init(&o, &host, NULL, NULL);
        ck_assert_int_eq(observer_read(&o, 0), 0);
        ck_assert(o.stat_kept);
        fd = o.stat_fd;
        usleep(100000);
        ck_assert_int_eq(observer_read(&o, 0.1), 0);
        ck_assert(o.stat_kept);
        ck_assert_int_eq(o.stat_fd, fd);
        ck_assert_ptr_nonnull(observer_prev_stat(&o));
        ck_assert_uint_gt(cpu_ticks(observer_stat(&o)), cpu_ticks(observer_prev_stat(&o)));
        observer_done(&o);
        /* Closed with the observer. */
        ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
        root_close(&host);
}
END_TEST

/* Reading a kept file again from the start, past the first 4 KiB: the whole of its
 * present text, whatever was read before. */
START_TEST(a_kept_file_is_read_again_whole)
{
        char *path = g_build_filename(dir, "long", NULL);
        struct textbuf buf = {};
        GString *text = g_string_new(NULL);
        int fd;

        for (unsigned i = 0; i < 1000; i++)
                g_string_append_printf(text, "line %u\n", i);
        tl_write(dir, "long", "%s", text->str);
        fd = open(path, O_RDWR | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(textbuf_reread(fd, &buf), 0);
        ck_assert_uint_eq(buf.len, text->len);
        ck_assert_str_eq(buf.data, text->str);
        /* Changed in place, shorter: the new text, nothing of the old one after it. */
        ck_assert_int_eq(ftruncate(fd, 0), 0);
        ck_assert_int_eq(pwrite(fd, "cpu 1\n", 6, 0), 6);
        ck_assert_int_eq(textbuf_reread(fd, &buf), 0);
        ck_assert_str_eq(buf.data, "cpu 1\n");
        close(fd);
        textbuf_done(&buf);
        g_string_free(text, TRUE);
        g_free(path);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("observer");
        TCase *tc = tcase_create("sources");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, steady_cycles_read_only_proc_stat);
        tcase_add_test(tc, the_hosts_proc_stat_stays_open_and_is_read_afresh);
        tcase_add_test(tc, a_kept_file_is_read_again_whole);
        tcase_add_test(tc, a_new_irq_in_intr_brings_a_full_rescan);
        tcase_add_test(tc, a_counter_going_down_or_a_cpu_leaving_brings_a_rescan);
        tcase_add_test(tc, without_proc_stat_every_cycle_reads_proc_interrupts);
        tcase_add_test(tc, steady_cycles_read_only_the_written_irqs_placements);
        tcase_add_test(tc, a_change_of_online_cpus_reads_every_placement);
        suite_add_tcase(s, tc);
        return s;
}
