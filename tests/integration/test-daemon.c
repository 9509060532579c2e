/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The long-running daemon on a fake root, with a real NOTIFY_SOCKET: READY after the
 * first cycle, a STATUS per cycle that changes it or was asked for, SIGUSR1 runs a
 * cycle, SIGTERM stops it with STOPPING=1 and puts the original masks back. */
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char *root;
static int notify_fd = -1;
static GPid pid;
static char *notify_path;

static void write_counts(unsigned c40, unsigned c41, double uptime)
{
        tl_write(root, "proc/interrupts",
                 "           CPU0       CPU1       CPU2       CPU3       \n"
                 " 40: %10u          0          0          0  PCI-MSIX-0000:00:04.0   0-edge      eth0-rx-0\n"
                 " 41: %10u          0          0          0  PCI-MSIX-0000:00:04.0   1-edge      eth0-rx-1\n",
                 c40, c41);
        tl_write(root, "proc/uptime", "%.2f 0.00\n", uptime);
}

static void setup(void)
{

        root = tl_mkdtemp();
        tl_write(root, "sys/devices/system/cpu/online", "0-3\n");
        for (unsigned irq = 40; irq <= 41; irq++)
                tl_write_irq_masks(root, irq, "0-3", "f");
        write_counts(1000, 1000, 100.0);

        notify_path = g_strdup_printf("%s/notify.sock", root);
        notify_fd = tl_notify_socket(notify_path);
}

static void teardown(void)
{
        if (pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        pid = 0;
        if (notify_fd >= 0)
                close(notify_fd);
        notify_fd = -1;
        tl_rmtree(root);
        g_free(root);
        g_free(notify_path);
}

static void start_daemon_every(const char *interval)
{
        const char *top = getenv("TOP_BUILDDIR") ? getenv("TOP_BUILDDIR") : TOP_BUILDDIR;
        char *bin = g_strdup_printf("%s/irqbald", top);
        char *argv[] = { bin, "--root", root, "--topology=synthetic:pu:4", "--foreground",
                         "--interval", (char *) interval, NULL };
        char **envp = g_environ_setenv(g_get_environ(), "NOTIFY_SOCKET", notify_path, TRUE);
        GError *error = NULL;

        ck_assert_msg(g_spawn_async(NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                    &pid, &error), "spawn: %s", error ? error->message : "?");
        g_strfreev(envp);
        g_free(bin);
}

static void start_daemon(void)
{
        start_daemon_every("3600");
}

/* The next datagram from the daemon, or NULL after TIMEOUT_MS. */
static char *next_message_within(int timeout_ms)
{
        struct pollfd p = { .fd = notify_fd, .events = POLLIN };
        char buf[4096];
        ssize_t n;

        if (poll(&p, 1, timeout_ms) <= 0)
                return NULL;
        n = recv(notify_fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return NULL;
        buf[n] = 0;
        return g_strdup(buf);
}

static char *next_message(void)
{
        return next_message_within(30000);
}

/* Waits for a message containing NEEDLE; returns it. */
static char *expect(const char *needle)
{
        for (int i = 0; i < 10; i++) {
                char *m = next_message();

                ck_assert_msg(m, "no message with '%s' from irqbald", needle);
                if (strstr(m, needle))
                        return m;
                g_free(m);
        }
        ck_abort_msg("irqbald never sent '%s'", needle);
        return NULL;
}

START_TEST(ready_after_the_first_cycle_status_per_cycle_and_restore_on_stop)
{
        char *msg, *path = tl_irq_file(root, 40, "smp_affinity_list"), *mask;
        int status;

        start_daemon();
        msg = expect("X_IRQBALD_CYCLE=1");
        ck_assert_msg(strstr(msg, "STATUS=balanced: 2 IRQs (2 movable) on 4/4 CPUs"), "%s", msg);
        g_free(msg);
        g_free(expect("READY=1"));

        /* The first cycle already placed the two queues, on two different CPUs. */
        mask = tl_read(path);
        ck_assert_msg(strlen(mask) <= 2, "IRQ 40 not pinned to one CPU: %s", mask);
        g_free(mask);

        /* A cycle on demand, over the time the root's clock says passed. */
        write_counts(101000, 1000, 110.0);
        kill(pid, SIGUSR1);
        g_free(expect("X_IRQBALD_CYCLE=2"));

        /* No time passed: nothing to learn, no cycle. */
        kill(pid, SIGUSR1);
        write_counts(201000, 1000, 120.0);
        kill(pid, SIGUSR1);
        g_free(expect("X_IRQBALD_CYCLE=3"));

        /* systemctl reload: RELOADING=1 with the time, then READY=1 again. */
        kill(pid, SIGHUP);
        msg = expect("RELOADING=1");
        ck_assert_msg(strstr(msg, "MONOTONIC_USEC="), "%s", msg);
        g_free(msg);
        g_free(expect("READY=1"));

        kill(pid, SIGTERM);
        g_free(expect("STOPPING=1"));
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        pid = 0;
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        mask = tl_read(path);
        ck_assert_str_eq(mask, "0-3");
        g_free(mask);
        g_free(path);
}
END_TEST

/* An IRQ the kernel placed (one effective CPU) is left there while its load is
 * measured, and STATUS counts it apart until the plan on the settled loads (the third
 * window) places it. */
START_TEST(status_counts_the_irqs_left_to_measure)
{
        char *msg;

        tl_write_irq_file(root, 41, "effective_affinity_list", "2\n");
        start_daemon();
        msg = expect("X_IRQBALD_CYCLE=1");
        ck_assert_msg(strstr(msg, "STATUS=balanced: 2 IRQs (1 movable, 1 measuring) on 4/4 CPUs"),
                      "%s", msg);
        g_free(msg);
        for (unsigned window = 1; window <= 3; window++) {
                char cycle[32];

                write_counts(1000 + 100000 * window, 1000 + 1000 * window, 100.0 + 10.0 * window);
                kill(pid, SIGUSR1);
                snprintf(cycle, sizeof(cycle), "X_IRQBALD_CYCLE=%u", window + 1);
                msg = expect(cycle);
                ck_assert_msg(strstr(msg, window < 3 ? "(1 movable, 1 measuring)" : "(2 movable)"),
                              "window %u: %s", window, msg);
                g_free(msg);
        }
}
END_TEST

/* Timed cycles send a STATUS only when it says something new: PID 1 keeps the last
 * one, and a steady machine's cycles need not wake it. A cycle asked for always ends
 * with one (its X_IRQBALD_CYCLE is what the asker waits for). */
START_TEST(timed_cycles_send_status_only_when_it_changes)
{
        char *msg;

        start_daemon_every("0.1");
        g_free(expect("X_IRQBALD_CYCLE=1"));
        g_free(expect("READY=1"));
        /* The root's clock stands still: a dozen timed cycles learn nothing. */
        msg = next_message_within(1200);
        ck_assert_msg(!msg, "a timed cycle that changed nothing sent: %s", msg);

        /* Loads measured: the peak is news. */
        write_counts(101000, 1000, 110.0);
        msg = expect("STATUS=");
        ck_assert_msg(strstr(msg, "STATUS=balanced: 2 IRQs (2 movable) on 4/4 CPUs, peak ") &&
                      !strstr(msg, "peak 0.00,"), "%s", msg);
        g_free(msg);
        msg = next_message_within(1200);
        ck_assert_msg(!msg, "a timed cycle that changed nothing sent: %s", msg);

        /* Asked for, the same STATUS again. */
        kill(pid, SIGUSR1);
        msg = expect("STATUS=");
        ck_assert_msg(strstr(msg, "X_IRQBALD_CYCLE="), "%s", msg);
        g_free(msg);
}
END_TEST

/* --dry-run says what it would write: a move, or a mask narrowed around the CPU the
 * kernel runs the IRQ on (nothing moves then). Both queues run on CPU 1; the plan on
 * the settled loads (the third window) keeps one there and moves the other. */
START_TEST(dry_run_tells_moves_from_narrowed_masks)
{
        const char *top = getenv("TOP_BUILDDIR") ? getenv("TOP_BUILDDIR") : TOP_BUILDDIR;
        char *bin = g_strdup_printf("%s/irqbald", top), *log, *msg, *mask, *path;
        char *argv[] = { bin, "--root", root, "--topology=synthetic:pu:4", "--dry-run",
                         "--interval=3600", NULL };
        char **envp = g_environ_setenv(g_get_environ(), "NOTIFY_SOCKET", notify_path, TRUE);
        GString *err = g_string_new(NULL);
        char buf[4096];
        int err_fd, status;
        ssize_t n;

        for (unsigned irq = 40; irq <= 41; irq++)
                tl_write_irq_file(root, irq, "effective_affinity_list", "1\n");
        ck_assert(g_spawn_async_with_pipes(NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                           NULL, &pid, NULL, NULL, &err_fd, NULL));
        g_free(expect("READY=1"));
        for (unsigned window = 1; window <= 3; window++) {
                char cycle[32];

                write_counts(1000 + 100000 * window, 1000 + 50000 * window, 100.0 + 10.0 * window);
                kill(pid, SIGUSR1);
                snprintf(cycle, sizeof(cycle), "X_IRQBALD_CYCLE=%u", window + 1);
                g_free(expect(cycle));
        }
        kill(pid, SIGTERM);
        while ((n = read(err_fd, buf, sizeof(buf))) > 0)
                g_string_append_len(err, buf, n);
        close(err_fd);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        pid = 0;
        log = err->str;
        msg = strstr(log, "Would narrow the mask of IRQ ");
        ck_assert_msg(msg && strstr(msg, " from 0-3 (on 1) to 1: "), "%s", log);
        msg = strstr(log, "Would move IRQ ");
        ck_assert_msg(msg && strstr(msg, " from 0-3 (on 1) to ") &&
                      !g_str_has_prefix(strstr(msg, " to ") + 4, "1:"), "%s", log);
        /* Nothing written. */
        path = tl_irq_file(root, 40, "smp_affinity_list");
        mask = tl_read(path);
        ck_assert_str_eq(g_strstrip(mask), "0-3");
        g_free(mask);
        g_free(path);
        g_string_free(err, TRUE);
        g_strfreev(envp);
        g_free(bin);
}
END_TEST

START_TEST(watchdog_pings_when_systemd_asks_for_them)
{
        const char *top = getenv("TOP_BUILDDIR") ? getenv("TOP_BUILDDIR") : TOP_BUILDDIR;
        char *bin = g_strdup_printf("%s/irqbald", top);
        char *argv[] = { bin, "--root", root, "--topology=synthetic:pu:4", "--interval=3600", NULL };
        char **envp = g_environ_setenv(g_get_environ(), "NOTIFY_SOCKET", notify_path, TRUE);
        int status;

        /* WatchdogSec=0.4s: pings at least every 0.2-0.3 s, between cycles an hour apart. */
        envp = g_environ_setenv(envp, "WATCHDOG_USEC", "400000", TRUE);
        ck_assert(g_spawn_async(NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL));
        g_free(expect("READY=1"));
        g_free(expect("WATCHDOG=1"));
        g_free(expect("WATCHDOG=1"));
        kill(pid, SIGTERM);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        pid = 0;
        g_free(bin);
        g_strfreev(envp);
}
END_TEST

START_TEST(no_restore_leaves_the_placement)
{
        const char *top = getenv("TOP_BUILDDIR") ? getenv("TOP_BUILDDIR") : TOP_BUILDDIR;
        char *bin = g_strdup_printf("%s/irqbald", top), *mask;
        char *path = tl_irq_file(root, 40, "smp_affinity_list");
        char *argv[] = { bin, "--root", root, "--topology=synthetic:pu:4", "--interval=3600",
                         "--no-restore", NULL };
        char **envp = g_environ_setenv(g_get_environ(), "NOTIFY_SOCKET", notify_path, TRUE);
        int status;

        ck_assert(g_spawn_async(NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL));
        g_free(expect("READY=1"));
        kill(pid, SIGTERM);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        pid = 0;
        mask = tl_read(path);
        ck_assert_str_ne(mask, "0-3");
        g_free(mask);
        g_free(path);
        g_free(bin);
        g_strfreev(envp);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("daemon");
        TCase *tc = tcase_create("notify");

        tcase_set_timeout(tc, 90);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, ready_after_the_first_cycle_status_per_cycle_and_restore_on_stop);
        tcase_add_test(tc, no_restore_leaves_the_placement);
        tcase_add_test(tc, status_counts_the_irqs_left_to_measure);
        tcase_add_test(tc, timed_cycles_send_status_only_when_it_changes);
        tcase_add_test(tc, dry_run_tells_moves_from_narrowed_masks);
        tcase_add_test(tc, watchdog_pings_when_systemd_asks_for_them);
        suite_add_tcase(s, tc);
        return s;
}
