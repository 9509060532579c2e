/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device hotplug events: irqbald listens to udevd's broadcasts (sd-device monitor) and
 * runs one cycle, with a rescan, shortly after a burst of them, however long its
 * interval. There is no udevd here, so the test plays it: it broadcasts messages in
 * udevd's monitor format (a "libudev" header, then KEY=value strings) to the udev
 * netlink group. That takes root, and it happens in a private network namespace so
 * that no other listener on this machine hears a made-up device.
 *
 * The daemon runs on a fake root, never on the real machine; it watches events there
 * only because of the IRQBALD_HOTPLUG_ANY_ROOT=1 test hook (include/irqbal/hotplug.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

/* udevd's netlink group (the kernel's own uevents are group 1). */
#define UDEV_GROUP 2
#define UDEV_MONITOR_MAGIC 0xfeedcafe

/* The header udevd puts before a device's properties. Receivers check the prefix and
 * the magic, and filter in the kernel (BPF) on the subsystem hash; all numbers but
 * the lengths are in network order. */
struct udev_monitor_header {
        char prefix[8];                 /* "libudev" */
        uint32_t magic;
        uint32_t header_size;
        uint32_t properties_off;
        uint32_t properties_len;
        uint32_t filter_subsystem_hash;
        uint32_t filter_devtype_hash;
        uint32_t filter_tag_bloom_hi;
        uint32_t filter_tag_bloom_lo;
};

static char *root, *notify_path, *log_path;
static int notify_fd = -1, uevent_fd = -1;
static GPid pid;
static unsigned seqnum = 1000;

/* MurmurHash2 (Austin Appleby's 32-bit hash, seed 0): what udev hashes subsystem
 * names with for the receivers' socket filters. */
static uint32_t murmur2(const char *s)
{
        const uint32_t m = 0x5bd1e995;
        size_t len = strlen(s);
        const unsigned char *p = (const unsigned char *) s;
        uint32_t h = (uint32_t) len;

        for (; len >= 4; p += 4, len -= 4) {
                uint32_t k = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
                             (uint32_t) p[3] << 24;

                k *= m;
                k ^= k >> 24;
                k *= m;
                h = h * m ^ k;
        }
        switch (len) {
        case 3:
                h ^= (uint32_t) p[2] << 16;
                /* fall through */
        case 2:
                h ^= (uint32_t) p[1] << 8;
                /* fall through */
        case 1:
                h ^= p[0];
                h *= m;
        }
        h ^= h >> 13;
        h *= m;
        return h ^ h >> 15;
}

/* Broadcasts a device event as udevd would. */
static void send_uevent(const char *action, const char *subsystem, const char *devpath)
{
        struct udev_monitor_header hdr = {
                .prefix = "libudev",
                .magic = htonl(UDEV_MONITOR_MAGIC),
                .header_size = sizeof(hdr),
                .properties_off = sizeof(hdr),
                .filter_subsystem_hash = htonl(murmur2(subsystem)),
        };
        struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_groups = UDEV_GROUP };
        GString *props = g_string_new(NULL);
        struct iovec iov[2];
        struct msghdr msg = { .msg_name = &dst, .msg_namelen = sizeof(dst), .msg_iov = iov,
                              .msg_iovlen = 2 };
        ssize_t n;

        /* NUL-separated KEY=value; sd-device wants at least these four. */
        g_string_append_printf(props, "ACTION=%s", action);
        g_string_append_c(props, 0);
        g_string_append_printf(props, "DEVPATH=%s", devpath);
        g_string_append_c(props, 0);
        g_string_append_printf(props, "SUBSYSTEM=%s", subsystem);
        g_string_append_c(props, 0);
        g_string_append_printf(props, "SEQNUM=%u", seqnum++);
        g_string_append_c(props, 0);
        hdr.properties_len = (uint32_t) props->len;
        iov[0] = (struct iovec) { .iov_base = &hdr, .iov_len = sizeof(hdr) };
        iov[1] = (struct iovec) { .iov_base = props->str, .iov_len = props->len };
        n = sendmsg(uevent_fd, &msg, 0);
        /* Nobody listening is ECONNREFUSED, like udevd sees it. */
        ck_assert_msg(n >= 0 || errno == ECONNREFUSED, "broadcast %s %s: %s", action, devpath,
                      strerror(errno));
        g_string_free(props, TRUE);
}

static char *daemon_log(void)
{
        gchar *s = NULL;

        if (!g_file_get_contents(log_path, &s, NULL, NULL))
                return g_strdup("(no log)");
        return s;
}

static void write_irq(unsigned irq)
{
        tl_write_irq_masks(root, irq, "0-3", "f");
}

/* IRQs 40 and 41, and with THIRD a third queue (IRQ 42) of the same NIC. */
static void write_counts(unsigned count, bool third, double uptime)
{
        tl_write(root, "proc/interrupts",
                 "           CPU0       CPU1       CPU2       CPU3       \n"
                 " 40: %10u          0          0          0  PCI-MSIX-0000:00:04.0   0-edge      eth0-rx-0\n"
                 " 41: %10u          0          0          0  PCI-MSIX-0000:00:04.0   1-edge      eth0-rx-1\n"
                 "%s",
                 count, count,
                 third ? " 42:          0          0          0          0  PCI-MSIX-0000:00:04.0   2-edge      eth0-rx-2\n" : "");
        tl_write(root, "proc/uptime", "%.2f 0.00\n", uptime);
}

static void setup(void)
{

        /* Our broadcasts, and the daemon's monitor, stay in this namespace. */
        ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
        uevent_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        ck_assert_int_ge(uevent_fd, 0);

        root = tl_mkdtemp();
        tl_write(root, "sys/devices/system/cpu/online", "0-3\n");
        for (unsigned irq = 40; irq <= 42; irq++)
                write_irq(irq);
        write_counts(1000, false, 100.0);
        log_path = g_strdup_printf("%s/irqbald.log", root);

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
        if (uevent_fd >= 0)
                close(uevent_fd);
        uevent_fd = -1;
        tl_rmtree(root);
        g_free(root);
        g_free(notify_path);
        g_free(log_path);
}

static void start_daemon(bool any_root)
{
        const char *top = getenv("TOP_BUILDDIR") ? getenv("TOP_BUILDDIR") : TOP_BUILDDIR;
        char *bin = g_strdup_printf("%s/irqbald", top);
        /* An hour between cycles: every cycle but the first is the events' doing. */
        char *argv[] = { bin, "--root", root, "--topology=synthetic:pu:4", "--foreground",
                         "--interval=3600", "--log-level=debug", NULL };
        char **envp = g_environ_setenv(g_get_environ(), "NOTIFY_SOCKET", notify_path, TRUE);
        GError *error = NULL;
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        ck_assert_int_ge(fd, 0);
        /* Not the machine's bus, if it has one. */
        envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS",
                                "unix:path=/nonexistent/irqbald-test-bus", TRUE);
        if (any_root)
                envp = g_environ_setenv(envp, "IRQBALD_HOTPLUG_ANY_ROOT", "1", TRUE);
        else
                envp = g_environ_unsetenv(envp, "IRQBALD_HOTPLUG_ANY_ROOT");
        ck_assert_msg(g_spawn_async_with_fds(NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                             NULL, &pid, -1, fd, fd, &error),
                      "spawn: %s", error ? error->message : "?");
        close(fd);
        g_strfreev(envp);
        g_free(bin);
}

/* The next datagram from the daemon within TIMEOUT_MS, or NULL. */
static char *next_message(int timeout_ms)
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

/* Waits up to TIMEOUT_MS for a message containing NEEDLE and returns it. */
static char *expect_within(const char *needle, int timeout_ms)
{
        gint64 end = g_get_monotonic_time() + (gint64) timeout_ms * 1000;

        for (;;) {
                gint64 left = (end - g_get_monotonic_time()) / 1000;
                char *m = left > 0 ? next_message((int) left) : NULL;
                char *log;

                if (!m) {
                        log = daemon_log();
                        ck_abort_msg("irqbald did not send '%s' within %d ms; its log:\n%s",
                                     needle, timeout_ms, log);
                }
                if (strstr(m, needle))
                        return m;
                g_free(m);
        }
}

/* Fails if the daemon sends anything within MS: no cycle ran. */
static void expect_quiet(int ms, const char *why)
{
        char *m = next_message(ms);

        ck_assert_msg(!m, "%s, but irqbald sent: %s", why, m);
}

/* How often NEEDLE is in the daemon's log. */
static unsigned log_count(const char *needle)
{
        char *log = daemon_log();
        unsigned n = 0;

        for (const char *p = log; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        g_free(log);
        return n;
}

static void start_and_wait_ready(bool any_root)
{
        start_daemon(any_root);
        g_free(expect_within("X_IRQBALD_CYCLE=1", 30000));
        g_free(expect_within("READY=1", 30000));
}

START_TEST(a_new_device_gets_one_cycle_soon_and_its_irq_is_placed)
{
        char *msg, *mask, *path = tl_irq_file(root, 42, "smp_affinity_list");
        gint64 sent, took;

        start_and_wait_ready(true);
        ck_assert_msg(log_count("Watching device events") == 1, "monitor not set up");

        /* A third queue appears, and the NIC's driver binding says so. */
        write_counts(101000, true, 110.0);
        sent = g_get_monotonic_time();
        send_uevent("bind", "pci", "/devices/pci0000:00/0000:00:04.0");
        msg = expect_within("X_IRQBALD_CYCLE=2", 2000);
        took = g_get_monotonic_time() - sent;
        ck_assert_msg(strstr(msg, "STATUS=balanced: 3 IRQs (3 movable)"), "%s", msg);
        g_free(msg);
        /* It waited for the events to settle, and not much longer. */
        ck_assert_msg(took >= 400000, "cycle %" G_GINT64_FORMAT " µs after the event", took);
        mask = tl_read(path);
        ck_assert_msg(strlen(mask) <= 2, "the new IRQ 42 was not placed: %s", mask);
        g_free(mask);
        expect_quiet(1500, "one event makes one cycle");
        ck_assert_uint_eq(log_count("Device event: bind /devices/pci0000:00/0000:00:04.0 (pci)"),
                          1);
        g_free(path);
}
END_TEST

START_TEST(a_burst_of_events_makes_one_cycle_after_the_last)
{
        char *msg;

        start_and_wait_ready(true);

        /* 20 queues come up over 0.4 s: the settle timer restarts at each. */
        write_counts(101000, false, 110.0);
        for (unsigned i = 0; i < 20; i++) {
                char devpath[128];

                snprintf(devpath, sizeof(devpath),
                         "/devices/pci0000:00/0000:00:04.0/net/eth0/queues/rx-%u", i);
                send_uevent("add", i % 2 ? "queues" : "pci", devpath);
                expect_quiet(20, "no cycle while the events keep coming");
        }
        msg = expect_within("X_IRQBALD_CYCLE=2", 2000);
        g_free(msg);
        expect_quiet(1500, "a burst makes one cycle");
        ck_assert_uint_eq(log_count("Device event: add "), 20);
}
END_TEST

START_TEST(other_subsystems_and_change_events_make_no_cycle)
{
        start_and_wait_ready(true);
        write_counts(101000, false, 110.0);
        send_uevent("add", "block", "/devices/virtual/block/loop0");
        send_uevent("change", "pci", "/devices/pci0000:00/0000:00:04.0");
        expect_quiet(1500, "block devices and change events bring no IRQs");
        /* The subsystem filter works in the kernel: the daemon never saw the block device. */
        ck_assert_uint_eq(log_count("Device event:"), 0);
}
END_TEST

START_TEST(a_fake_root_is_not_the_machine_whose_events_arrive)
{
        char *log;

        start_and_wait_ready(false);
        write_counts(101000, false, 110.0);
        send_uevent("add", "pci", "/devices/pci0000:00/0000:00:05.0");
        expect_quiet(1500, "a fake root does not watch this machine's devices");
        log = daemon_log();
        ck_assert_msg(strstr(log, "Not watching device hotplug events: --root "), "%s", log);
        g_free(log);
}
END_TEST

/* sd-device subscribes to udevd's group only where udevd runs or could: /run/udev or
 * a devtmpfs /dev (a container has neither, and the monitor then stays deaf). */
static bool udev_group_subscribable(void)
{
        gchar *mountinfo = NULL;
        char **lines;
        bool ok = false;

        if (access("/run/udev/control", F_OK) == 0)
                return true;
        if (!g_file_get_contents("/proc/self/mountinfo", &mountinfo, NULL, NULL))
                return false;
        lines = g_strsplit(mountinfo, "\n", -1);
        for (char **l = lines; *l; l++) {
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE ... */
                char **f = g_strsplit(*l, " ", -1);
                guint n = g_strv_length(f);

                for (guint i = 6; n > 4 && strcmp(f[4], "/dev") == 0 && i + 1 < n; i++)
                        if (strcmp(f[i], "-") == 0) {
                                ok = strcmp(f[i + 1], "devtmpfs") == 0;
                                break;
                        }
                g_strfreev(f);
        }
        g_strfreev(lines);
        g_free(mountinfo);
        return ok;
}

/* Whether this process may make a network namespace (root, not too confined). */
static bool can_unshare_net(void)
{
        pid_t child = fork();
        int status;

        if (child == 0)
                _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
        return child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
               WEXITSTATUS(status) == 0;
}

Suite *test_suite(void)
{
        Suite *s = suite_create("hotplug");
        TCase *tc = tcase_create("uevents");

        tcase_set_timeout(tc, 60);
        tcase_add_checked_fixture(tc, setup, teardown);
        suite_add_tcase(s, tc);
        if (geteuid() != 0 || !can_unshare_net()) {
                fprintf(stderr, "# Broadcasting udev events in a private network namespace "
                        "takes root: no hotplug tests.\n");
                return s;
        }
        if (!udev_group_subscribable()) {
                fprintf(stderr, "# Neither /run/udev nor a devtmpfs /dev: sd-device does not "
                        "listen to udev events here, no hotplug tests.\n");
                return s;
        }
        tcase_add_test(tc, a_new_device_gets_one_cycle_soon_and_its_irq_is_placed);
        tcase_add_test(tc, a_burst_of_events_makes_one_cycle_after_the_last);
        tcase_add_test(tc, other_subsystems_and_change_events_make_no_cycle);
        tcase_add_test(tc, a_fake_root_is_not_the_machine_whose_events_arrive);
        return s;
}
