/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The simulator (sim/) plays the kernel: its root must read like a real one to
 * irqbald's own parsers, and it must deliver, count and break masks as Linux does.
 * Runs $TOP_BUILDDIR/irqbal-sim; the lockstep cases use this very program as a
 * stand-in daemon (see fake_daemon()). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "irqbal/interrupts.h"
#include "irqbal/procstat.h"
#include "jsonq.h"
#include "testlib.h"

#define FAKE_DAEMON_ENV "IRQBAL_TEST_FAKE_DAEMON"

/* A minimal daemon for the lockstep protocol: READY=1, then per SIGUSR1 one cycle
 * (in the first, it writes 4 to IRQ 20's smp_affinity_list) and its datagram; per
 * SIGHUP a reload, RELOADING=1 then READY=1 with a STATUS= that describes the policy
 * files it sees (FAKE_DAEMON_ENV=bare-ready: READY=1 alone, against the protocol); on
 * SIGTERM it restores the mask it changed. What it sees goes to its output
 * (ROOT/.sim/daemon.log). Started by irqbal-sim as "test-sim" with FAKE_DAEMON_ENV set,
 * before Check's main() runs. */
static void write_mask(const char *root, const char *mask)
{
        /* Not tl_irq_file(): this runs as the fake daemon, outside any Check test. */
        char *path = g_build_filename(root, "proc", "irq", "20", "smp_affinity_list", NULL);
        /* open(2) and write(2), as irqbald does: the shim sees those, not stdio's. */
        int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd >= 0) {
                (void) !write(fd, mask, strlen(mask));
                close(fd);
        }
        g_free(path);
}

/* "conf 0600 first-line, 50-gone yes": the mode and first line of irqbald.conf, and
 * whether the drop-in the tests remove is there. */
static char *describe_files(const char *root)
{
        g_autofree char *conf = g_build_filename(root, "etc/irqbald/irqbald.conf", NULL);
        g_autofree char *gone = g_build_filename(root, "run/irqbald/policy.d/50-gone.conf", NULL);
        g_autofree char *text = NULL;
        struct stat st;

        if (stat(conf, &st) < 0 || !g_file_get_contents(conf, &text, NULL, NULL))
                return g_strdup_printf("conf missing, 50-gone %s", access(gone, F_OK) == 0 ? "yes" : "no");
        text[strcspn(text, "\n")] = 0;
        return g_strdup_printf("conf %04o %s, 50-gone %s", st.st_mode & 07777, text,
                               access(gone, F_OK) == 0 ? "yes" : "no");
}

__attribute__((constructor)) static void fake_daemon(void)
{
        const char *root = getenv("IRQBAL_SIM_ROOT"), *mode = getenv(FAKE_DAEMON_ENV);
        unsigned cycle = 0, reloads = 0;
        sigset_t set;
        int sig;

        if (!mode || !root)
                return;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGTERM);
        sigprocmask(SIG_BLOCK, &set, NULL);
        {
                g_autofree char *seen = describe_files(root);

                /* dprintf: unbuffered, this process ends in _exit(). */
                dprintf(STDOUT_FILENO, "start: %s\n", seen);
        }
        sd_notify(0, "READY=1");
        while (sigwait(&set, &sig) == 0) {
                if (sig == SIGTERM) {
                        write_mask(root, "2-5\n");
                        dprintf(STDOUT_FILENO, "reloads: %u\n", reloads);
                        sd_notify(0, "STOPPING=1");
                        _exit(0);
                }
                if (sig == SIGHUP) {
                        g_autofree char *seen = NULL;

                        if (strcmp(mode, "bare-ready") != 0)
                                sd_notify(0, "RELOADING=1\nSTATUS=Reloading");
                        seen = describe_files(root);
                        dprintf(STDOUT_FILENO, "reload %u: %s\n", ++reloads, seen);
                        sd_notifyf(0, "READY=1\nSTATUS=Reload %u: %s", reloads, seen);
                        continue;
                }
                if (++cycle == 1)
                        write_mask(root, "4\n");
                sd_notifyf(0, "STATUS=cycle %u\nX_IRQBALD_CYCLE=%u", cycle, cycle);
        }
        _exit(1);
}

static char *sim_binary(void)
{
        const char *b = getenv("TOP_BUILDDIR");

        return g_build_filename(b ? b : TOP_BUILDDIR, "irqbal-sim", NULL);
}

/* Runs irqbal-sim on a scenario written from TEXT; returns whether it succeeded, with
 * its stdout and stderr in *OUT and *ERR. */
static bool spawn_sim(const char *dir, const char *root, const char *text, const char *const *extra,
                      char **out, char **err)
{
        g_autofree char *scenario = g_build_filename(dir, "scenario.ini", NULL);
        g_autofree char *sim = sim_binary();
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        int status;

        ck_assert(g_file_set_contents(scenario, text, -1, NULL));
        g_ptr_array_add(argv, sim);
        g_ptr_array_add(argv, "--scenario");
        g_ptr_array_add(argv, scenario);
        g_ptr_array_add(argv, "--root");
        g_ptr_array_add(argv, (char *) root);
        for (size_t i = 0; extra && extra[i]; i++)
                g_ptr_array_add(argv, (char *) extra[i]);
        g_ptr_array_add(argv, NULL);
        ck_assert_msg(g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   out, err, &status, &error), "cannot run %s: %s", sim,
                      error ? error->message : "?");
        return g_spawn_check_wait_status(status, NULL);
}

/* Runs irqbal-sim on a scenario written from TEXT; returns its stdout. */
static char *run_sim(const char *dir, const char *root, const char *text, const char *const *extra)
{
        char *out = NULL, *err = NULL;

        ck_assert_msg(spawn_sim(dir, root, text, extra, &out, &err), "irqbal-sim failed:\n%s%s",
                      out, err);
        g_free(err);
        return out;
}

/* Runs irqbal-sim on a scenario it must refuse; returns its stderr. */
static char *run_sim_fail(const char *dir, const char *root, const char *text, const char *const *extra)
{
        g_autofree char *out = NULL;
        char *err = NULL;

        ck_assert_msg(!spawn_sim(dir, root, text, extra, &out, &err), "irqbal-sim accepted:\n%s\n%s",
                      text, out);
        return err;
}

static char *read_root(const char *root, const char *rel)
{
        g_autofree char *path = g_build_filename(root, rel, NULL);
        char *text = tl_read(path);

        return g_strstrip(text);
}

static void parse_interrupts(const char *root, struct interrupts_table *t)
{
        g_autofree char *text = read_root(root, "proc/interrupts");

        ck_assert_int_eq(interrupts_parse(text, "proc/interrupts", t), 0);
        ck_assert_int_eq(t->skipped_lines, 0);
}

static const char machine_8cpu[] =
        "[Machine]\nTopology=synthetic:pack:1 numa:1 core:4 pu:2\nStep=10\n";

START_TEST(root_reads_like_the_kernels)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Device eth0]\nAddress=0000:02:00.0\nClass=net\nQueues=4\nFirstIrq=40\nRate=100\n"
                "[Irq 9]\nName=acpi\nHandler=fasteoi\nRate=3\n"
                "[Phase p]\nSteps=3\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        g_autofree char *stat = read_root(root, "proc/stat"), *softirqs = read_root(root, "proc/softirqs");
        g_autofree char *cls = read_root(root, "sys/bus/pci/devices/0000:02:00.0/class");
        g_autofree char *msi = read_root(root, "sys/bus/pci/devices/0000:02:00.0/msi_irqs/41");
        g_autofree char *uptime = read_root(root, "proc/uptime");
        struct interrupts_table t;
        struct procstat st = { 0 };
        struct softirqs_table sq;
        uint64_t sum = 0;

        parse_interrupts(root, &t);
        ck_assert_uint_eq(t.ncols, 8);
        ck_assert_uint_eq(t.nrows, 5);
        ck_assert_str_eq(t.rows[1].actions, "eth0-TxRx-0");
        ck_assert_str_eq(t.rows[1].chip, "IR-PCI-MSIX-0000:02:00.0");
        ck_assert_uint_eq(t.rows[1].total, 3000);
        ck_assert_int_eq(procstat_parse(stat, "proc/stat", &st), 0);
        ck_assert(st.has_intr);
        ck_assert_uint_eq(st.nintr, 44);
        ck_assert_uint_eq(st.ncpus, 8);
        for (size_t i = 0; i < t.nrows; i++) {
                ck_assert_uint_eq(st.intr[t.rows[i].irq], t.rows[i].total);
                sum += t.rows[i].total;
        }
        ck_assert_uint_eq(st.intr_total, sum);
        ck_assert_int_eq(softirqs_parse(softirqs, "proc/softirqs", &sq), 0);
        ck_assert_uint_eq(sq.ncols, 8);
        ck_assert_str_eq(cls, "0x020000");
        ck_assert_str_eq(msi, "msix");
        ck_assert(g_str_has_prefix(uptime, "90.00 "));  /* booted at 60 s, 3 steps of 10 s */
        softirqs_table_done(&sq);
        procstat_done(&st);
        interrupts_table_done(&t);
        tl_rmtree(dir);
}
END_TEST

/* CPU NUMBER's irq and softirq ticks in ROOT's proc/stat. */
static uint64_t irq_ticks(const struct procstat *st, unsigned cpu)
{
        for (size_t k = 0; k < st->ncpus; k++)
                if (st->cpus[k].cpu == cpu)
                        return st->cpus[k].irq + st->cpus[k].softirq;
        ck_abort_msg("no cpu%u line", cpu);
        return 0;
}

START_TEST(irq_time_is_counted_only_with_irq_time_accounting)
{
        /* 10 000 interrupts/s of 10 µs on CPU 0: a tenth of it, 3 s of 30, 300 ticks. */
        static const char irq[] = "[Irq 20]\nName=hot\nRate=10000\nCost=10\n[Phase p]\nSteps=3\n";

        for (int accounting = 0; accounting <= 1; accounting++) {
                g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
                g_autofree char *text = g_strconcat(machine_8cpu, accounting ? "IrqTime=yes\n" : "", irq, NULL);
                const char *const extra[] = { NULL };
                g_autofree char *out = run_sim(dir, root, text, extra);
                g_autofree char *stat = read_root(root, "proc/stat");
                struct procstat st = { 0 };

                ck_assert_int_eq(procstat_parse(stat, "proc/stat", &st), 0);
                ck_assert_int_eq(procstat_has_irq_time(&st), accounting);
                ck_assert_uint_eq(irq_ticks(&st, 0), accounting ? 300 : 0);
                for (unsigned cpu = 1; cpu < 8; cpu++)
                        ck_assert_uint_eq(irq_ticks(&st, cpu), 0);
                procstat_done(&st);
                tl_rmtree(dir);
        }
}
END_TEST

START_TEST(x86_delivers_to_one_cpu_of_the_mask)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Irq 20]\nName=dev\nRate=100\nMask=2-5\n[Phase p]\nSteps=2\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        g_autofree char *eff = read_root(root, "proc/irq/20/effective_affinity_list");
        g_autofree char *hex = read_root(root, "proc/irq/20/smp_affinity");
        struct interrupts_table t;

        parse_interrupts(root, &t);
        ck_assert_uint_eq(t.rows[0].counts[2], 2000);
        ck_assert_uint_eq(t.rows[0].total, 2000);
        ck_assert_str_eq(eff, "2");
        ck_assert_str_eq(hex, "3c");
        interrupts_table_done(&t);
        tl_rmtree(dir);
}
END_TEST

/* The effective CPU of IRQ N in ROOT's files, as a number. */
static int effective_cpu(const char *root, unsigned n)
{
        g_autofree char *rel = g_strdup_printf("proc/irq/%u/effective_affinity_list", n);
        g_autofree char *text = read_root(root, rel);
        char *end;
        long cpu = strtol(text, &end, 10);

        ck_assert_msg(end != text && !*end, "IRQ %u: effective \"%s\" is not one CPU", n, text);
        return (int) cpu;
}

START_TEST(x86_starts_irqs_on_the_emptiest_cpu_of_their_node)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        /* Node 0 = CPUs 0-3, node 1 = 4-7. */
        const char *text =
                "[Machine]\nTopology=synthetic:pack:1 numa:2 core:2 pu:2\nStep=10\n"
                "[Irq 20]\nName=a\nRate=10\nMask=2-3\n[Irq 21]\nName=b\nRate=10\nMask=2-3\n"
                "[Irq 22]\nName=c\nRate=10\n"
                "[Device eth0]\nAddress=0000:81:00.0\nNode=1\nClass=net\nQueues=6\nFirstIrq=100\nRate=10\n"
                "[Phase p]\nSteps=1\n";
        const char *const extra[] = { NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        /* Round-robin over the node by vectors taken, the lowest CPU on a tie: all six
         * queues on CPU 4, as "the lowest CPU of the mask" would put them, is not x86. */
        const int eth0[] = { 4, 5, 6, 7, 4, 5 };

        ck_assert_int_eq(effective_cpu(root, 20), 2);
        ck_assert_int_eq(effective_cpu(root, 21), 3);     /* 2 holds IRQ 20 */
        ck_assert_int_eq(effective_cpu(root, 22), 0);     /* no node: its whole mask */
        for (unsigned q = 0; q < G_N_ELEMENTS(eth0); q++)
                ck_assert_int_eq(effective_cpu(root, 100 + q), eth0[q]);
        tl_rmtree(dir);
}
END_TEST

START_TEST(managed_irqs_start_where_fewest_managed_ones_are)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        /* Two controllers, two queues each: queue 0 of both has CPUs 0-3, queue 1 4-7.
         * nvme2's ten queues on eight CPUs reserve two vectors on CPUs 0 and 1. */
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Device nvme0]\nAddress=0000:01:00.0\nClass=storage\nQueues=2\nFirstIrq=60\nManaged=yes\nRate=10\n"
                "[Device nvme1]\nAddress=0000:02:00.0\nClass=storage\nQueues=2\nFirstIrq=70\nManaged=yes\nRate=10\n"
                "[Phase p]\nSteps=1\n", NULL);
        g_autofree char *reserved = g_strconcat(machine_8cpu,
                "[Device nvme2]\nAddress=0000:03:00.0\nClass=storage\nQueues=10\nFirstIrq=60\nManaged=yes\nRate=10\n"
                "[Irq 90]\nName=late\nRate=10\nMask=0-2\n[Phase p]\nSteps=1\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *out = run_sim(dir, root, text, extra), *out2 = NULL;

        /* The last CPU of the mask on a tie (matrix_find_best_cpu_managed()). */
        ck_assert_int_eq(effective_cpu(root, 60), 3);
        ck_assert_int_eq(effective_cpu(root, 61), 7);
        ck_assert_int_eq(effective_cpu(root, 70), 2);
        ck_assert_int_eq(effective_cpu(root, 71), 6);

        /* A managed IRQ's reservation counts on every CPU of its mask, started or not:
         * a non-managed IRQ goes where fewer are reserved. */
        out2 = run_sim(dir, root, reserved, extra);
        ck_assert_int_eq(effective_cpu(root, 68), 0);
        ck_assert_int_eq(effective_cpu(root, 69), 1);
        ck_assert_int_eq(effective_cpu(root, 90), 2);
        tl_rmtree(dir);
}
END_TEST

START_TEST(lockstep_takes_the_daemons_write_at_the_next_step)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Irq 20]\nName=dev\nRate=100\nMask=2-5\n[Phase p]\nSteps=2\n", NULL);
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        const char *const extra[] = { "--json", "--raw", "--", self, NULL };
        g_autofree char *out = NULL, *eff = NULL, *mask = NULL, *log = NULL;
        _cleanup_(jv_freep) struct jv *json = NULL;
        struct interrupts_table t;

        g_setenv(FAKE_DAEMON_ENV, "1", true);
        out = run_sim(dir, root, text, extra);
        g_unsetenv(FAKE_DAEMON_ENV);
        parse_interrupts(root, &t);
        /* Step 1 before the write, step 2 after it. */
        ck_assert_uint_eq(t.rows[0].counts[2], 1000);
        ck_assert_uint_eq(t.rows[0].counts[4], 1000);
        eff = read_root(root, "proc/irq/20/effective_affinity_list");
        ck_assert_str_eq(eff, "4");
        /* Restored on SIGTERM, through the shim's log. */
        mask = read_root(root, "proc/irq/20/smp_affinity_list");
        ck_assert_str_eq(mask, "2-5");
        log = read_root(root, ".sim/writes.log");
        ck_assert_str_eq(log, "20 4\n20 2-5");
        ck_assert_int_eq(jv_parse(out, &json, NULL, 0), 0);
        ck_assert_int_eq(jv_int(jv_path(json, "phases[0].writes.total")), 1);
        ck_assert_int_eq(jv_int(jv_path(json, "shutdown_writes.total")), 1);
        ck_assert_int_eq(jv_int(jv_path(json, "daemon.restore_ok")), 1);
        ck_assert_int_eq(jv_int(jv_path(json, "daemon.exit_status")), 0);
        interrupts_table_done(&t);
        tl_rmtree(dir);
}
END_TEST

START_TEST(counters_wrap_at_32_bits)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        /* 10^10 interrupts in one step: 10^10 mod 2^32 = 1410065408. */
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Irq 20]\nName=storm\nRate=1000000000\n[Phase p]\nSteps=1\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        g_autofree char *stat = read_root(root, "proc/stat");
        struct interrupts_table t;
        struct procstat st = { 0 };

        parse_interrupts(root, &t);
        ck_assert_uint_eq(t.rows[0].counts[0], 1410065408u);
        ck_assert_int_eq(procstat_parse(stat, "proc/stat", &st), 0);
        ck_assert_uint_eq(st.intr[20], 1410065408u);
        ck_assert_uint_eq(st.intr_total, 10000000000ull);
        procstat_done(&st);
        interrupts_table_done(&t);
        tl_rmtree(dir);
}
END_TEST

START_TEST(offline_breaks_masks_and_online_does_not_restore_them)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *off = g_strconcat(machine_8cpu,
                "[Irq 20]\nName=dev\nRate=10\nMask=6-7\n[Irq 21]\nName=other\nRate=10\nMask=1\n"
                "[Irq 22]\nName=third\nRate=10\nMask=0\n"
                "[Phase a]\nSteps=1\n[Phase b]\nSteps=1\nOffline=6-7\n", NULL);
        g_autofree char *on = g_strconcat(off, "[Phase c]\nSteps=1\nOnline=6-7\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *out1 = run_sim(dir, root, off, extra), *out2 = NULL;
        g_autofree char *mask = read_root(root, "proc/irq/20/smp_affinity_list");
        g_autofree char *other = read_root(root, "proc/irq/21/smp_affinity_list");
        g_autofree char *online = read_root(root, "sys/devices/system/cpu/online");
        g_autofree char *eff = read_root(root, "proc/irq/20/effective_affinity_list");
        struct interrupts_table t;

        parse_interrupts(root, &t);
        ck_assert_uint_eq(t.ncols, 6);
        ck_assert_uint_eq(t.col_cpu[5], 5);
        ck_assert_str_eq(online, "0-5");
        ck_assert_str_eq(mask, "0-5");
        ck_assert_str_eq(other, "1");     /* still has an online CPU: untouched */
        /* The broken IRQ goes to the first CPU with no vector taken, not to CPU 0. */
        ck_assert_str_eq(eff, "2");
        interrupts_table_done(&t);

        out2 = run_sim(dir, root, on, extra);
        g_free(mask);
        mask = read_root(root, "proc/irq/20/smp_affinity_list");
        parse_interrupts(root, &t);
        ck_assert_uint_eq(t.ncols, 8);
        ck_assert_str_eq(mask, "0-5");
        interrupts_table_done(&t);
        tl_rmtree(dir);
}
END_TEST

/* An IRQ yet to appear whose mask went offline meanwhile starts on an online CPU. */
START_TEST(an_irq_added_after_its_cpus_went_offline_starts_online)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Irq 20]\nName=late\nRate=10\nMask=6-7\nPresent=no\n"
                "[Phase a]\nSteps=1\nOffline=6-7\n[Phase b]\nSteps=1\nAddIrq=20\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        g_autofree char *mask = read_root(root, "proc/irq/20/smp_affinity_list");
        struct interrupts_table t;

        ck_assert_str_eq(mask, "0-5");
        ck_assert_int_eq(effective_cpu(root, 20), 0);
        parse_interrupts(root, &t);
        ck_assert_uint_eq(interrupts_find(&t, 20)->total, 100);
        interrupts_table_done(&t);
        tl_rmtree(dir);
}
END_TEST

START_TEST(managed_irqs_are_read_only_and_shut_down_with_their_cpus)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Device nvme0]\nAddress=0000:01:00.0\nClass=storage\nQueues=8\nFirstIrq=60\n"
                "Managed=yes\nRate=10\n[Phase a]\nSteps=1\n[Phase b]\nSteps=1\nOffline=7\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        g_autofree char *mask = read_root(root, "proc/irq/63/smp_affinity_list");
        g_autofree char *refuse = read_root(root, ".sim/irq/63/refuse");
        g_autofree char *path = g_build_filename(root, "proc/irq/63/smp_affinity", NULL);
        struct interrupts_table t;
        struct stat sb;

        ck_assert_str_eq(mask, "3");
        ck_assert_str_eq(refuse, "EPERM");
        ck_assert_int_eq(stat(path, &sb), 0);
        ck_assert_uint_eq(sb.st_mode & 0777, 0444);
        parse_interrupts(root, &t);
        ck_assert_uint_eq(t.nrows, 7);    /* nvme0q8 (CPU 7) is shut down */
        ck_assert_ptr_null(interrupts_find(&t, 67));
        ck_assert_str_eq(interrupts_find(&t, 60)->actions, "nvme0q1");
        interrupts_table_done(&t);
        tl_rmtree(dir);
}
END_TEST

START_TEST(same_seed_same_files)
{
        g_autofree char *dir = tl_mkdtemp();
        g_autofree char *a = g_build_filename(dir, "a", NULL), *b = g_build_filename(dir, "b", NULL);
        g_autofree char *c = g_build_filename(dir, "c", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Device eth0]\nAddress=0000:02:00.0\nClass=net\nQueues=8\nFirstIrq=40\nRate=1000\n"
                "[Phase p]\nSteps=5\nNoise=0.2\n", NULL);
        const char *const none[] = { NULL }, *const seed[] = { "--seed", "99", NULL };
        g_autofree char *o1 = run_sim(dir, a, text, none), *o2 = run_sim(dir, b, text, none);
        g_autofree char *o3 = run_sim(dir, c, text, seed);
        static const char *const files[] = { "proc/interrupts", "proc/stat", "proc/softirqs", "proc/uptime" };

        ck_assert_str_eq(o1, o2);
        for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
                g_autofree char *x = read_root(a, files[i]), *y = read_root(b, files[i]);

                ck_assert_str_eq(x, y);
        }
        {
                g_autofree char *x = read_root(a, "proc/interrupts"), *z = read_root(c, "proc/interrupts");

                ck_assert_str_ne(x, z);
        }
        tl_rmtree(dir);
}
END_TEST

START_TEST(figures_of_a_hand_placed_layout)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        /* Eight equal queues all on CPU 0: the peak is 8 times the bound. */
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Device eth0]\nAddress=0000:02:00.0\nClass=net\nQueues=8\nFirstIrq=40\nRate=1000\n"
                "Cost=5\nMask=0\n[Phase p]\nSteps=4\n", NULL);
        const char *const extra[] = { "--json", NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        _cleanup_(jv_freep) struct jv *json = NULL;

        ck_assert_int_eq(jv_parse(out, &json, NULL, 0), 0);
        ck_assert_double_eq_tol(jv_num(jv_path(json, "phases[0].peak_over_bound_last")), 8.0, 1e-9);
        ck_assert_double_eq_tol(jv_num(jv_path(json, "phases[0].peak_over_bound_mean")), 8.0, 1e-9);
        /* 8 × 1000/s × 5 µs = 0.04 CPU on CPU 0. */
        ck_assert_double_eq_tol(jv_num(jv_path(json, "phases[0].peak_load_last")), 0.04, 1e-9);
        ck_assert(jv_is_null(jv_path(json, "phases[0].converged_after")));
        ck_assert_int_eq(jv_int(jv_path(json, "phases[0].writes.total")), 0);
        ck_assert(jv_is_null(jv_path(json, "daemon")));
        tl_rmtree(dir);
}
END_TEST

START_TEST(isolated_cpus_count_as_violations)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu, "Isolated=2-7\n",
                "[Irq 20]\nName=dev\nRate=1000\nCost=10\nMask=4\n[Irq 21]\nName=ok\nRate=1000\nMask=0\n"
                "[Phase p]\nSteps=2\n", NULL);
        const char *const extra[] = { "--json", NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        _cleanup_(jv_freep) struct jv *json = NULL;

        ck_assert_int_eq(jv_parse(out, &json, NULL, 0), 0);
        ck_assert_double_eq_tol(jv_num(jv_path(json, "phases[0].banned_cpu_load_max")), 0.01, 1e-9);
        tl_rmtree(dir);
}
END_TEST

/* The constrained bound (sim/figures.c): a proven floor under the peak of any placement
 * that keeps managed IRQs where they are and a device's IRQs on its node. Each case
 * below has one hand-computable answer; rates have no noise, so loads are exact. */
static const char machine_2nodes[] =
        "[Machine]\nTopology=synthetic:pack:2 numa:1 core:2 pu:2\nStep=10\n";   /* 0-3, 4-7 */

/* The figures (--json) of scenario TEXT, simulated without a daemon. */
static struct jv *figures_of(const char *text)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        const char *const extra[] = { "--json", NULL };
        g_autofree char *out = run_sim(dir, root, text, extra);
        struct jv *json = NULL;

        ck_assert_int_eq(jv_parse(out, &json, NULL, 0), 0);
        tl_rmtree(dir);
        return json;
}

/* In every phase, the constrained bound is at most the simple placement's peak: that
 * placement keeps the same constraints, so a floor above it would not be one. */
static void assert_never_above_best(const struct jv *json, const char *what)
{
        const struct jv *phases = jv_path(json, "phases");

        ck_assert_uint_gt(jv_len(phases), 0);
        for (size_t i = 0; i < jv_len(phases); i++) {
                const struct jv *p = jv_at(phases, i);
                double cl = jv_num(jv_get(p, "constrained_bound_over_bound_last"));
                double cm = jv_num(jv_get(p, "constrained_bound_over_bound_mean"));
                double bl = jv_num(jv_get(p, "best_over_bound_last"));
                double bm = jv_num(jv_get(p, "best_over_bound_mean"));

                ck_assert_msg(cl <= bl + 1e-9 && cm <= bm + 1e-9, "%s, phase %s: constrained %g (mean %g) above "
                              "best %g (mean %g)", what, jv_str(jv_get(p, "name")), cl, cm, bl, bm);
        }
}

/* Within the 6 significant digits of the figures' JSON. */
static void assert_constrained_ratio(const struct jv *json, double want)
{
        ck_assert_double_eq_tol(jv_num(jv_path(json, "phases[0].constrained_bound_over_bound_last")), want,
                                1e-5 * want);
        ck_assert_double_eq_tol(jv_num(jv_path(json, "phases[0].constrained_bound_over_bound_mean")), want,
                                1e-5 * want);
        assert_never_above_best(json, "hand-computed case");
}

START_TEST(a_node_carries_its_devices_load)
{
        /* Node 0: 4 queues of 0.05 CPU and 8 of 0.01 (0.28 on 4 CPUs: 0.07 each); node 1:
         * 4 of 0.005. The machine-wide bound is the heaviest queue, 0.05 (total 0.30 ÷ 8
         * CPUs = 0.0375); with the queues on their node, some CPU of node 0 takes 0.07. */
        g_autofree char *text = g_strconcat(machine_2nodes,
                "[Device eth0]\nAddress=0000:02:00.0\nNode=0\nClass=net\nQueues=4\nFirstIrq=40\nRate=5000\nCost=10\n"
                "[Device nvme0]\nAddress=0000:03:00.0\nNode=0\nClass=storage\nQueues=8\nFirstIrq=50\nRate=1000\n"
                "Cost=10\n"
                "[Device eth1]\nAddress=0000:82:00.0\nNode=1\nClass=net\nQueues=4\nFirstIrq=70\nRate=500\nCost=10\n"
                "[Phase p]\nSteps=3\n", NULL);
        _cleanup_(jv_freep) struct jv *json = figures_of(text);

        ck_assert_double_eq_tol(jv_num(jv_path(json, "phases[0].lower_bound_last")), 0.05, 1e-9);
        assert_constrained_ratio(json, 0.07 / 0.05);
}
END_TEST

START_TEST(irqs_are_whole)
{
        /* 9 queues of 0.01 on 8 CPUs: the average is 0.01125, yet two share a CPU. */
        g_autofree char *text = g_strconcat(machine_8cpu,
                "[Device eth0]\nAddress=0000:02:00.0\nClass=net\nQueues=9\nFirstIrq=40\nRate=1000\nCost=10\n"
                "[Phase p]\nSteps=3\n", NULL);
        _cleanup_(jv_freep) struct jv *json = figures_of(text);

        assert_constrained_ratio(json, 0.02 / 0.01125);
}
END_TEST

START_TEST(managed_load_stays_where_it_is)
{
        /* Managed queues of 0.01 on every CPU, three queues of 0.05 on node 1: whichever
         * CPU of node 1 takes one carries 0.06, over a bound of 0.05 (the heaviest). */
        g_autofree char *text = g_strconcat(machine_2nodes,
                "[Device nvme0]\nAddress=0000:01:00.0\nClass=storage\nQueues=8\nFirstIrq=60\nManaged=yes\n"
                "Rate=1000\nCost=10\n"
                "[Device eth0]\nAddress=0000:81:00.0\nNode=1\nClass=net\nQueues=3\nFirstIrq=90\nRate=5000\nCost=10\n"
                "[Phase p]\nSteps=3\n", NULL);
        _cleanup_(jv_freep) struct jv *json = figures_of(text);

        assert_constrained_ratio(json, 0.06 / 0.05);
}
END_TEST

START_TEST(without_constraints_the_constrained_bound_is_the_bound)
{
        /* As much load on each node as the other, two equal queues per CPU: nothing
         * keeps a placement from total ÷ CPUs. */
        g_autofree char *text = g_strconcat(machine_2nodes,
                "[Device eth0]\nAddress=0000:02:00.0\nNode=0\nClass=net\nQueues=8\nFirstIrq=40\nRate=1000\nCost=10\n"
                "[Device eth1]\nAddress=0000:82:00.0\nNode=1\nClass=net\nQueues=8\nFirstIrq=70\nRate=1000\nCost=10\n"
                "[Phase p]\nSteps=3\n", NULL);
        _cleanup_(jv_freep) struct jv *json = figures_of(text);

        assert_constrained_ratio(json, 1.0);
}
END_TEST

START_TEST(the_constrained_bound_never_exceeds_the_best_placement)
{
        const char *src = getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : TOP_SRCDIR;
        g_autofree char *scenarios = g_build_filename(src, "sim", "scenarios", NULL);
        g_autofree char *gen = g_build_filename(src, "bench", "gen-scenario.sh", NULL);
        g_autoptr(GDir) d = g_dir_open(scenarios, 0, NULL);
        const char *gen_argv[] = { "sh", gen, "64x300", "10", "6", NULL };
        g_autofree char *cost = NULL;
        g_autoptr(GError) error = NULL;
        _cleanup_(jv_freep) struct jv *json = NULL;
        unsigned n = 0;
        int status;

        ck_assert_ptr_nonnull(d);
        /* The shipped scenarios: noise, managed queues, pins, isolated and offline CPUs. */
        for (const char *name; (name = g_dir_read_name(d));) {
                g_autofree char *path = g_build_filename(scenarios, name, NULL), *text = NULL;
                _cleanup_(jv_freep) struct jv *j = NULL;

                if (!g_str_has_suffix(name, ".ini"))
                        continue;
                ck_assert(g_file_get_contents(path, &text, NULL, NULL));
                j = figures_of(text);
                assert_never_above_best(j, name);
                n++;
        }
        ck_assert_uint_gt(n, 0);
        /* A cost machine: NICs of different rates, one per node, managed NVMe queues, ±20 %
         * noise; its nodes cannot all be at the machine-wide bound. */
        ck_assert_msg(g_spawn_sync(NULL, (char **) gen_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &cost, NULL,
                                   &status, &error) && g_spawn_check_wait_status(status, NULL),
                      "%s failed", gen);
        json = figures_of(cost);
        assert_never_above_best(json, "64x300");
        ck_assert_double_gt(jv_num(jv_path(json, "phases[0].constrained_bound_over_bound_last")), 1.10);
}
END_TEST

/* The placement's peak under the expected loads (rate × cost) leaves the step's noise
 * out: two IRQs of 0.01 CPU on CPU 0 and one on CPU 1 expect 0.02 on CPU 0 at every
 * step, whatever the noise did to the step's loads and peak. */
START_TEST(the_placements_expected_peak_has_no_noise)
{
        static const char irqs[] = "[Irq 20]\nName=a\nRate=1000\nCost=10\nMask=0\n"
                                   "[Irq 21]\nName=b\nRate=1000\nCost=10\nMask=0\n"
                                   "[Irq 22]\nName=c\nRate=1000\nCost=10\nMask=1\n";
        g_autofree char *quiet = g_strconcat(machine_8cpu, irqs, "[Phase p]\nSteps=3\n", NULL);
        g_autofree char *noisy = g_strconcat(machine_8cpu, irqs, "[Phase p]\nSteps=6\nNoise=0.2\n", NULL);
        _cleanup_(jv_freep) struct jv *q = figures_of(quiet), *n = figures_of(noisy);
        double bound = jv_num(jv_path(n, "phases[0].lower_bound_last"));
        double peak = jv_num(jv_path(n, "phases[0].peak_load_last"));

        /* Without noise it is the peak: 0.02 over the heaviest IRQ, 0.01. */
        ck_assert_double_eq_tol(jv_num(jv_path(q, "phases[0].placed_expected_over_bound_last")), 2.0, 1e-5);
        ck_assert_double_eq_tol(jv_num(jv_path(q, "phases[0].placed_expected_over_bound_mean")), 2.0, 1e-5);
        ck_assert_double_eq_tol(jv_num(jv_path(q, "phases[0].peak_over_bound_mean")), 2.0, 1e-5);
        /* With noise, the step's peak moved off 0.02 and the expected one did not (the
         * ratio is over the step's bound, 6 significant digits in the JSON). */
        ck_assert_double_gt(fabs(peak - 0.02), 1e-4);
        ck_assert_double_eq_tol(jv_num(jv_path(n, "phases[0].placed_expected_over_bound_last")) * bound, 0.02,
                                1e-6);
}
END_TEST

static mode_t mode_of(const char *root, const char *rel)
{
        g_autofree char *path = g_build_filename(root, rel, NULL);
        struct stat st;

        ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
        return st.st_mode & 07777;
}

static bool exists_in(const char *root, const char *rel)
{
        g_autofree char *path = g_build_filename(root, rel, NULL);

        return access(path, F_OK) == 0;
}

/* Policy files: one before the start, replaced by a Phase= group, one removed, one
 * kept; the fake daemon says what it saw at start and at the reload. */
static const char policy_files[] =
        "[Irq 20]\nName=dev\nRate=100\nMask=2-5\n"
        "[File /etc/irqbald/irqbald.conf]\nContent=[Daemon] first\\nPolicy=balanced\\n\nMode=0600\n"
        "[File /etc/irqbald/irqbald.conf @b]\nPhase=b\nContent=[Daemon] second\\n\nMode=0640\n"
        "[File /run/irqbald/policy.d/50-gone.conf]\nContent=[Match]\\nIrq=20\\n\n"
        "[File /run/irqbald/policy.d/50-gone.conf @b]\nPhase=b\nRemove=yes\n"
        "[File /usr/local/lib/irqbald/policy.d/10-kept.conf]\nContent=\\slead\\ttab\\\\\n"
        "[Phase a]\nSteps=1\n[Phase b]\nSteps=1\nReload=yes\n[Phase c]\nSteps=1\n";

START_TEST(policy_files_are_laid_out_by_phase_and_reloaded)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu, policy_files, NULL);
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        const char *const extra[] = { "--json", "--raw", "--", self, NULL };
        g_autofree char *out = NULL, *log = NULL, *conf = NULL, *kept = NULL;
        _cleanup_(jv_freep) struct jv *json = NULL;
        mode_t old_umask;

        g_setenv(FAKE_DAEMON_ENV, "1", true);
        /* A strict umask must not change the modes the scenario asks for. */
        old_umask = umask(077);
        out = run_sim(dir, root, text, extra);
        umask(old_umask);
        g_unsetenv(FAKE_DAEMON_ENV);

        log = read_root(root, ".sim/daemon.log");
        /* Before the daemon started: the first version, with its mode, and 50-gone. */
        ck_assert_msg(strstr(log, "start: conf 0600 [Daemon] first, 50-gone yes\n"), "%s", log);
        ck_assert_msg(strstr(log, "reloads: 1"), "%s", log);
        ck_assert_int_eq(jv_parse(out, &json, NULL, 0), 0);
        /* At b's reload, b's files were in place: replaced and removed. */
        ck_assert_str_eq(jv_str(jv_path(json, "phases[1].name")), "b");
        ck_assert_str_eq(jv_str(jv_path(json, "phases[1].reload_status")),
                         "Reload 1: conf 0640 [Daemon] second, 50-gone no");
        ck_assert_ptr_null(jv_get(jv_path(json, "phases[0]"), "reload_status"));
        ck_assert_ptr_null(jv_get(jv_path(json, "phases[2]"), "reload_status"));
        ck_assert_int_eq(jv_int(jv_path(json, "phases[1].steps")), 1);
        ck_assert_int_eq(jv_int(jv_path(json, "daemon.exit_status")), 0);

        /* The root stays: the last version of each file. */
        conf = read_root(root, "etc/irqbald/irqbald.conf");
        ck_assert_str_eq(conf, "[Daemon] second");
        ck_assert_uint_eq(mode_of(root, "etc/irqbald/irqbald.conf"), 0640);
        ck_assert(!exists_in(root, "run/irqbald/policy.d/50-gone.conf"));
        {
                g_autofree char *path = g_build_filename(root, "usr/local/lib/irqbald/policy.d/10-kept.conf",
                                                         NULL);

                kept = tl_read(path);
        }
        ck_assert_str_eq(kept, " lead\ttab\\");
        ck_assert_uint_eq(mode_of(root, "usr/local/lib/irqbald/policy.d/10-kept.conf"), 0644);
        ck_assert_uint_eq(mode_of(root, "run/irqbald/policy.d"), 0755);
        ck_assert_uint_eq(mode_of(root, "usr/local/lib/irqbald"), 0755);
        ck_assert_uint_eq(mode_of(root, "usr"), 0755);
        tl_rmtree(dir);
}
END_TEST

START_TEST(reload_status_has_a_line_in_the_table)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu, policy_files, NULL);
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        const char *const extra[] = { "--raw", "--", self, NULL };
        g_autofree char *out = NULL;
        g_auto(GStrv) lines = NULL;

        g_setenv(FAKE_DAEMON_ENV, "1", true);
        out = run_sim(dir, root, text, extra);
        g_unsetenv(FAKE_DAEMON_ENV);
        lines = g_strsplit(out, "\n", -1);
        ck_assert_uint_ge(g_strv_length(lines), 6);
        ck_assert_msg(g_str_has_prefix(lines[0], "PHASE "), "%s", out);
        ck_assert_msg(g_str_has_prefix(lines[1], "a "), "%s", out);
        ck_assert_msg(g_str_has_prefix(lines[2], "b "), "%s", out);
        ck_assert_str_eq(lines[3], "  reload: Reload 1: conf 0640 [Daemon] second, 50-gone no");
        ck_assert_msg(g_str_has_prefix(lines[4], "c "), "%s", out);
        ck_assert_msg(g_str_has_prefix(lines[5], "Writes: "), "%s", out);
        tl_rmtree(dir);
}
END_TEST

START_TEST(files_are_cleared_with_the_root)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *with = g_strconcat(machine_8cpu,
                "[File /run/irqbald/policy.d/old.conf]\nContent=x\n[Phase p]\nSteps=1\n", NULL);
        g_autofree char *without = g_strconcat(machine_8cpu, "[Phase p]\nSteps=1\n", NULL);
        const char *const extra[] = { NULL };
        g_autofree char *o1 = run_sim(dir, root, with, extra), *o2 = NULL;

        ck_assert(exists_in(root, "run/irqbald/policy.d/old.conf"));
        o2 = run_sim(dir, root, without, extra);
        ck_assert(!exists_in(root, "run/irqbald/policy.d/old.conf"));
        tl_rmtree(dir);
}
END_TEST

START_TEST(bad_files_are_scenario_errors)
{
        static const struct {
                const char *group, *message;
        } cases[] = {
                { "[File /etc/passwd]\nContent=x\n",
                  "[File /etc/passwd] (group): the path must be absolute and under /etc/irqbald/, "
                  "/run/irqbald/, /usr/lib/irqbald/ or /usr/local/lib/irqbald/." },
                { "[File /etc/irqbald/../x]\nContent=x\n",
                  "[File /etc/irqbald/../x] (group): the path must not contain \"..\"." },
                { "[File /etc/irqbald/policy.d/../../../proc/interrupts]\nContent=x\n",
                  "(group): the path must not contain \"..\"." },
                { "[File etc/irqbald/irqbald.conf]\nContent=x\n", "the path must be absolute" },
                { "[File /etc/irqbaldx/irqbald.conf]\nContent=x\n", "the path must be absolute" },
                { "[File /etc/irqbald/]\nContent=x\n", "the path must name a file" },
                { "[File /etc/irqbald/a b.conf]\nContent=x\n", "a path cannot contain spaces" },
                { "[File /etc/irqbald/x.conf]\nMode=0644\n", "[File /etc/irqbald/x.conf] Content: missing" },
                { "[File /etc/irqbald/x.conf]\nContent=x\nMode=0999\n", "Mode: expected an octal mode" },
                { "[File /etc/irqbald/x.conf]\nContent=a\\qb\n", "Content: invalid escape sequence" },
                { "[File /etc/irqbald/x.conf]\nContent=x\nPhase=nope\n", "Phase: no [Phase] of that name" },
                { "[File /etc/irqbald/x.conf]\nRemove=yes\n", "Remove: needs Phase=NAME" },
                { "[File /etc/irqbald/x.conf]\nRemove=yes\nPhase=p\n", "Remove: the file does not exist then" },
                { "[File /etc/irqbald/x.conf]\nContent=a\n[File /etc/irqbald/x.conf @again]\nContent=b\n",
                  "[File /etc/irqbald/x.conf @again] (group): [File /etc/irqbald/x.conf] already writes" },
                { "[File /etc/irqbald/x.conf]\nContent=a\n[File /etc/irqbald/x.conf]\nContent=b\nPhase=p\n",
                  "[File /etc/irqbald/x.conf] appears twice" },
                { "[File /etc/irqbald/x.conf]\nContent=a\nBogus=1\n", "Bogus: unknown key" },
        };
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *text = g_strconcat(machine_8cpu, "[Phase p]\nSteps=1\n", cases[i].group, NULL);
                g_autofree char *err = run_sim_fail(dir, root, text, NULL);

                ck_assert_msg(strstr(err, cases[i].message), "case %zu: want \"%s\", got:\n%s", i,
                              cases[i].message, err);
        }
        /* Refused before anything was laid out. */
        ck_assert(!exists_in(root, "etc"));
        tl_rmtree(dir);
}
END_TEST

START_TEST(a_reload_without_reloading_is_a_protocol_error)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(machine_8cpu, policy_files, NULL);
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        const char *const extra[] = { "--raw", "--timeout", "20", "--", self, NULL };
        g_autofree char *err = NULL;

        g_setenv(FAKE_DAEMON_ENV, "bare-ready", true);
        err = run_sim_fail(dir, root, text, extra);
        g_unsetenv(FAKE_DAEMON_ENV);
        ck_assert_msg(strstr(err, "READY=1 without RELOADING=1"), "%s", err);
        tl_rmtree(dir);
}
END_TEST

START_TEST(realtime_only_sends_sighup)
{
        g_autofree char *dir = tl_mkdtemp(), *root = g_build_filename(dir, "root", NULL);
        g_autofree char *text = g_strconcat(
                "[Machine]\nTopology=synthetic:pack:1 numa:1 core:4 pu:2\nStep=0.2\n",
                "[File /etc/irqbald/irqbald.conf]\nContent=one\n"
                "[File /etc/irqbald/irqbald.conf @b]\nContent=two\nPhase=b\n"
                "[Phase a]\nSteps=1\n[Phase b]\nSteps=2\nReload=yes\n", NULL);
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        const char *const extra[] = { "--json", "--realtime", "--", self, NULL };
        g_autofree char *out = NULL, *log = NULL;
        _cleanup_(jv_freep) struct jv *json = NULL;

        g_setenv(FAKE_DAEMON_ENV, "1", true);
        out = run_sim(dir, root, text, extra);
        g_unsetenv(FAKE_DAEMON_ENV);
        log = read_root(root, ".sim/daemon.log");
        ck_assert_msg(strstr(log, "start: conf 0644 one, 50-gone no\n"), "%s", log);
        ck_assert_msg(strstr(log, "reload 1: conf 0644 two, 50-gone no\n"), "%s", log);
        ck_assert_msg(strstr(log, "reloads: 1"), "%s", log);
        ck_assert_int_eq(jv_parse(out, &json, NULL, 0), 0);
        /* Nothing waited for, nothing recorded. */
        ck_assert_ptr_null(jv_get(jv_path(json, "phases[1]"), "reload_status"));
        tl_rmtree(dir);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("sim");
        TCase *tc = tcase_create("sim");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, root_reads_like_the_kernels);
        tcase_add_test(tc, irq_time_is_counted_only_with_irq_time_accounting);
        tcase_add_test(tc, x86_delivers_to_one_cpu_of_the_mask);
        tcase_add_test(tc, x86_starts_irqs_on_the_emptiest_cpu_of_their_node);
        tcase_add_test(tc, managed_irqs_start_where_fewest_managed_ones_are);
        tcase_add_test(tc, lockstep_takes_the_daemons_write_at_the_next_step);
        tcase_add_test(tc, counters_wrap_at_32_bits);
        tcase_add_test(tc, offline_breaks_masks_and_online_does_not_restore_them);
        tcase_add_test(tc, an_irq_added_after_its_cpus_went_offline_starts_online);
        tcase_add_test(tc, managed_irqs_are_read_only_and_shut_down_with_their_cpus);
        tcase_add_test(tc, same_seed_same_files);
        tcase_add_test(tc, figures_of_a_hand_placed_layout);
        tcase_add_test(tc, isolated_cpus_count_as_violations);
        tcase_add_test(tc, a_node_carries_its_devices_load);
        tcase_add_test(tc, irqs_are_whole);
        tcase_add_test(tc, managed_load_stays_where_it_is);
        tcase_add_test(tc, without_constraints_the_constrained_bound_is_the_bound);
        tcase_add_test(tc, the_constrained_bound_never_exceeds_the_best_placement);
        tcase_add_test(tc, the_placements_expected_peak_has_no_noise);
        tcase_add_test(tc, policy_files_are_laid_out_by_phase_and_reloaded);
        tcase_add_test(tc, reload_status_has_a_line_in_the_table);
        tcase_add_test(tc, files_are_cleared_with_the_root);
        tcase_add_test(tc, bad_files_are_scenario_errors);
        tcase_add_test(tc, a_reload_without_reloading_is_a_protocol_error);
        tcase_add_test(tc, realtime_only_sends_sighup);
        suite_add_tcase(s, tc);
        return s;
}
