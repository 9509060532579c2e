/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The D-Bus API and irqbalctl against the real thing: a private dbus-daemon configured
 * like the system bus (with our policy file), irqbald on a fake root attached to it,
 * DBUS_SYSTEM_BUS_ADDRESS pointing both there. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include <time.h>
#include <unistd.h>

#include "irqbal/bus.h"
#include "irqbal/polkit.h"
#include "jsonq.h"
#include "testlib.h"

#define NOBODY 65534

static char *dir, *root, *socket_path, *log_path;
static GPid dbus_pid, daemon_pid;
static sd_bus *bus;

static const char *builddir(void)
{
        return getenv("TOP_BUILDDIR") ? getenv("TOP_BUILDDIR") : TOP_BUILDDIR;
}

static const char *srcdir(void)
{
        return getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : TOP_SRCDIR;
}

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

/* The daemon's log, for failure messages. */
static char *daemon_log(void)
{
        gchar *s = NULL;

        if (!log_path || !g_file_get_contents(log_path, &s, NULL, NULL))
                return g_strdup("(no log)");
        return s;
}

static void write_counts(unsigned c40, unsigned c41, double uptime)
{
        tl_write(root, "proc/interrupts",
                 "           CPU0       CPU1       CPU2       CPU3       \n"
                 " 40: %10u          0          0          0  PCI-MSIX-0000:00:04.0   0-edge      eth0-rx-0\n"
                 " 41: %10u          0          0          0  PCI-MSIX-0000:00:04.0   1-edge      eth0-rx-1\n",
                 c40, c41);
        tl_write(root, "proc/uptime", "%.2f 0.00\n", uptime);
}

static void make_root(void)
{
        root = g_strdup_printf("%s/root", dir);
        tl_write(root, "sys/devices/system/cpu/online", "0-3\n");
        for (unsigned irq = 40; irq <= 41; irq++)
                tl_write_irq_masks(root, irq, "0-3", "f");
        write_counts(1000, 1000, 100.0);
}

/* A system-bus-like configuration: the stock default policy of system.conf, and our
 * policy file from the source tree. */
static void write_bus_config(void)
{
        char *policy = g_strdup_printf("%s/systemd/io.github.irqbald1.conf", srcdir());
        char *include;

        if (access(policy, R_OK) == 0)
                include = g_strdup_printf("<include>%s</include>", policy);
        else
                /* Without the policy file (a tree that lacks it) everyone may talk to it. */
                include = g_strdup("<policy user=\"root\"><allow own=\"" BUS_NAME "\"/></policy>"
                                   "<policy context=\"default\"><allow send_destination=\""
                                   BUS_NAME "\"/></policy>");
        tl_write(dir, "bus.conf",
                 "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
                 " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                 "<busconfig>\n"
                 "  <type>system</type>\n"
                 "  <listen>unix:path=%s</listen>\n"
                 "  <auth>EXTERNAL</auth>\n"
                 "  <policy context=\"default\">\n"
                 "    <allow user=\"*\"/>\n"
                 "    <deny own=\"*\"/>\n"
                 "    <deny send_type=\"method_call\"/>\n"
                 "    <allow send_type=\"signal\"/>\n"
                 "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
                 "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
                 "    <allow receive_type=\"method_call\"/>\n"
                 "    <allow receive_type=\"method_return\"/>\n"
                 "    <allow receive_type=\"error\"/>\n"
                 "    <allow receive_type=\"signal\"/>\n"
                 "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
                 "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
                 "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
                 "  </policy>\n"
                 "  %s\n"
                 /* As polkit's own bus policy: root owns its name, everyone may ask. */
                 "  <policy user=\"root\"><allow own=\"" POLKIT_NAME "\"/></policy>\n"
                 "  <policy context=\"default\"><allow send_destination=\"" POLKIT_NAME "\"/></policy>\n"
                 "</busconfig>\n", socket_path, include);
        g_free(include);
        g_free(policy);
}

static void start_bus(void)
{
        char *conf = g_strdup_printf("--config-file=%s/bus.conf", dir);
        char *argv[] = { "dbus-daemon", conf, "--nofork", "--nopidfile", "--print-address", NULL };
        GError *error = NULL;
        char line[512] = "", *address;
        size_t len = 0;
        int out = -1;

        write_bus_config();
        ck_assert_msg(g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
                                               G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                               NULL, NULL, &dbus_pid, NULL, &out, NULL, &error),
                      "cannot start dbus-daemon: %s", error ? error->message : "?");
        /* It prints its address once it listens: connecting earlier can be refused. */
        while (len < sizeof(line) - 1 && !strchr(line, '\n')) {
                struct pollfd p = { .fd = out, .events = POLLIN };
                ssize_t n;

                ck_assert_msg(poll(&p, 1, 10000) == 1, "dbus-daemon did not start listening");
                n = read(out, line + len, sizeof(line) - 1 - len);
                ck_assert_msg(n > 0, "dbus-daemon exited before listening");
                len += (size_t) n;
                line[len] = 0;
        }
        close(out);
        /* Callers that are not root must be able to connect. */
        chmod(socket_path, 0777);
        address = g_strdup_printf("unix:path=%s", socket_path);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1);
        g_free(address);
        g_free(conf);
}

static void spawn_daemon(const char *const *extra)
{
        char *bin = g_strdup_printf("%s/irqbald", builddir());
        GPtrArray *argv = g_ptr_array_new();
        GError *error = NULL;
        int fd;

        g_ptr_array_add(argv, bin);
        g_ptr_array_add(argv, "--root");
        g_ptr_array_add(argv, root);
        g_ptr_array_add(argv, "--topology=synthetic:pu:4");
        g_ptr_array_add(argv, "--interval=3600");
        for (; extra && *extra; extra++)
                g_ptr_array_add(argv, (char *) *extra);
        g_ptr_array_add(argv, NULL);
        fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_msg(g_spawn_async_with_fds(NULL, (char **) argv->pdata, NULL,
                                             G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &daemon_pid,
                                             -1, fd, fd, &error),
                      "spawn irqbald: %s", error ? error->message : "?");
        close(fd);
        g_ptr_array_free(argv, TRUE);
        g_free(bin);
}

static char *get_string(const char *path, const char *iface, const char *name, sd_bus_error *error)
{
        char *s = NULL;

        if (sd_bus_get_property_string(bus, BUS_NAME, path, iface, name, error, &s) < 0)
                return NULL;
        return s;
}

static uint64_t get_t(const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t v = 0;
        int r = sd_bus_get_property_trivial(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, name, &error, 't', &v);

        ck_assert_msg(r >= 0, "%s: %s", name, error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        return v;
}

static uint32_t get_u(const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t v = 0;
        int r = sd_bus_get_property_trivial(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, name, &error, 'u', &v);

        ck_assert_msg(r >= 0, "%s: %s", name, error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        return v;
}

static char *get_s(const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *s = get_string(BUS_PATH, BUS_INTERFACE, name, &error);

        ck_assert_msg(s, "%s: %s", name, error.message ? error.message : "?");
        sd_bus_error_free(&error);
        return s;
}

static char **get_strv(const char *name)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char **v = NULL;
        int r = sd_bus_get_property_strv(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, name, &error, &v);

        ck_assert_msg(r >= 0, "%s: %s", name, error.message ? error.message : strerror(-r));
        sd_bus_error_free(&error);
        /* sd-bus reads an empty array as NULL. */
        return v ? v : g_new0(char *, 1);
}

/* REL under the daemon's root, or NULL when there is no such file. */
static char *root_file(const char *rel)
{
        char *path = g_strdup_printf("%s/%s", root, rel), *s = NULL;

        if (!g_file_get_contents(path, &s, NULL, NULL))
                s = NULL;
        g_free(path);
        return s;
}

/* Waits until irqbald owns its name and reports State "running". */
static void wait_running(void)
{
        for (int i = 0; i < 400; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                char *state = get_string(BUS_PATH, BUS_INTERFACE, "State", &error);
                bool running = state && strcmp(state, "running") == 0;

                free(state);
                sd_bus_error_free(&error);
                if (running)
                        return;
                sleep_ms(50);
        }
        ck_abort_msg("irqbald never came up on the bus; its log:\n%s", daemon_log());
}

static void stop(GPid *pid);

/* Starts irqbald again with EXTRA options and waits until it runs. */
static void restart_daemon(const char *const *extra)
{
        stop(&daemon_pid);
        spawn_daemon(extra);
        wait_running();
}

static void setup(void)
{
        dir = tl_mkdtemp();
        ck_assert_int_eq(chmod(dir, 0755), 0);
        socket_path = g_strdup_printf("%s/bus.sock", dir);
        log_path = g_strdup_printf("%s/irqbald.log", dir);
        make_root();
        start_bus();
        spawn_daemon(NULL);
        ck_assert_int_ge(sd_bus_open_system(&bus), 0);
        wait_running();
}

static void stop(GPid *pid)
{
        if (*pid > 0) {
                kill(*pid, SIGKILL);
                waitpid(*pid, NULL, 0);
        }
        *pid = 0;
}

static void teardown(void)
{
        bus = sd_bus_flush_close_unref(bus);
        stop(&daemon_pid);
        stop(&dbus_pid);
        tl_rmtree(dir);
        g_free(dir);
        g_free(root);
        g_free(socket_path);
        g_free(log_path);
}

/* Calls a Manager method; returns the reply or NULL with *error set. */
static sd_bus_message *call(sd_bus_error *error, const char *method, const char *types, ...)
{
        sd_bus_message *msg = NULL, *reply = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &msg, BUS_NAME, BUS_PATH, BUS_INTERFACE, method);
        ck_assert_int_ge(r, 0);
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
                ck_assert_int_ge(r, 0);
        }
        r = sd_bus_call(bus, msg, 0, error, &reply);
        sd_bus_message_unref(msg);
        return r < 0 ? NULL : reply;
}

static sd_bus_message *call_ok(const char *method, const char *types, ...)
{
        sd_bus_message *msg = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        ck_assert_int_ge(sd_bus_message_new_method_call(bus, &msg, BUS_NAME, BUS_PATH,
                                                        BUS_INTERFACE, method), 0);
        if (types) {
                va_start(ap, types);
                ck_assert_int_ge(sd_bus_message_appendv(msg, types, ap), 0);
                va_end(ap);
        }
        r = sd_bus_call(bus, msg, 0, &error, &reply);
        sd_bus_message_unref(msg);
        ck_assert_msg(r >= 0, "%s failed: %s: %s", method, error.name, error.message);
        return reply;
}

START_TEST(every_property_has_its_value_and_type)
{
        sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct timespec now;
        uint64_t realtime;
        double peak = -1;
        unsigned n = 0;
        char *s, **v;

        s = get_s("Version");
        ck_assert_str_eq(s, PACKAGE_VERSION);
        free(s);
        s = get_s("Policy");
        ck_assert_str_eq(s, "balanced");
        free(s);
        s = get_s("State");
        ck_assert_str_eq(s, "running");
        free(s);
        s = get_s("UsableCPUs");
        ck_assert_str_eq(s, "0-3");
        free(s);
        s = get_s("BannedCPUs");
        ck_assert_str_eq(s, "");
        free(s);
        /* The fake root has no policy files. */
        v = get_strv("ConfigFiles");
        ck_assert_ptr_nonnull(v);
        ck_assert_ptr_null(v[0]);
        g_strfreev(v);
        ck_assert_uint_eq(get_t("IntervalUSec"), 3600000000ULL);
        ck_assert_uint_eq(get_t("Cycles"), 1);
        ck_assert_uint_lt(get_t("LastCycleUSec"), 10000000);
        clock_gettime(CLOCK_REALTIME, &now);
        realtime = (uint64_t) now.tv_sec * 1000000ULL;
        ck_assert_uint_le(get_t("LastCycleTimestamp"), realtime + 1000000);
        ck_assert_uint_gt(get_t("LastCycleTimestamp"), realtime - 60000000ULL);
        ck_assert_uint_eq(get_u("Irqs"), 2);
        ck_assert_uint_eq(get_u("MovableIrqs"), 2);
        ck_assert_uint_eq(get_u("UnmovableIrqs"), 0);
        ck_assert_uint_eq(get_u("MeasuringIrqs"), 0);
        ck_assert_uint_ge(get_t("Moves"), 1);
        ck_assert_uint_eq(get_t("FailedMoves"), 0);
        ck_assert_int_ge(sd_bus_get_property_trivial(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE,
                                                     "PeakLoad", &error, 'd', &peak), 0);
        ck_assert(peak >= 0);

        /* A wrong type is refused: the types are the API. */
        ck_assert_int_lt(sd_bus_get_property_trivial(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE,
                                                     "Cycles", &error, 'u', &n), 0);
        sd_bus_error_free(&error);

        /* GetAll has the seventeen of them. */
        ck_assert_int_ge(sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties",
                                            "GetAll", &error, &reply, "s", BUS_INTERFACE), 0);
        n = 0;
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "{sv}"), 0);
        while (sd_bus_message_skip(reply, "{sv}") > 0)
                n++;
        ck_assert_uint_eq(n, 17);
        sd_bus_message_unref(reply);
}
END_TEST

struct changed {
        unsigned signals;
        GPtrArray *names;
};

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct changed *c = userdata;
        const char *iface, *name;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || strcmp(iface, BUS_INTERFACE) != 0)
                return 0;
        c->signals++;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) < 0)
                        break;
                g_ptr_array_add(c->names, g_strdup(name));
                sd_bus_message_skip(m, "v");
                sd_bus_message_exit_container(m);
        }
        return 0;
}

static bool has_name(const struct changed *c, const char *name)
{
        for (size_t i = 0; i < c->names->len; i++)
                if (strcmp(c->names->pdata[i], name) == 0)
                        return true;
        return false;
}

static void wait_signal(struct changed *c, unsigned count)
{
        for (int i = 0; i < 200 && c->signals < count; i++) {
                int r = sd_bus_process(bus, NULL);

                ck_assert_int_ge(r, 0);
                if (r == 0)
                        sd_bus_wait(bus, 100000);
        }
        ck_assert_msg(c->signals >= count, "no PropertiesChanged after a cycle; log:\n%s", daemon_log());
}

START_TEST(one_properties_changed_per_cycle_from_sigusr1_and_rebalance)
{
        struct changed c = { .names = g_ptr_array_new_with_free_func(g_free) };
        sd_bus_slot *slot = NULL;
        sd_bus_message *reply;
        uint64_t cycle;

        ck_assert_int_ge(sd_bus_match_signal(bus, &slot, BUS_NAME, BUS_PATH,
                                             "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                             on_properties_changed, &c), 0);
        write_counts(101000, 1000, 110.0);
        kill(daemon_pid, SIGUSR1);
        wait_signal(&c, 1);
        ck_assert_uint_eq(c.signals, 1);
        ck_assert(has_name(&c, "Cycles"));
        ck_assert(has_name(&c, "LastCycleTimestamp"));
        ck_assert(!has_name(&c, "Version"));
        /* Only what changed: the policy did not. */
        ck_assert(!has_name(&c, "Policy"));
        ck_assert_uint_eq(get_t("Cycles"), 2);

        /* Rebalance() runs a cycle and says which. */
        g_ptr_array_set_size(c.names, 0);
        write_counts(201000, 1000, 120.0);
        reply = call_ok("Rebalance", NULL);
        ck_assert_int_ge(sd_bus_message_read(reply, "t", &cycle), 0);
        sd_bus_message_unref(reply);
        ck_assert_uint_eq(cycle, 3);
        ck_assert_uint_eq(get_t("Cycles"), 3);
        wait_signal(&c, 2);
        ck_assert(has_name(&c, "Cycles"));

        /* No time passed on the machine's clock: nothing to learn, the same cycle. */
        reply = call_ok("Rebalance", NULL);
        ck_assert_int_ge(sd_bus_message_read(reply, "t", &cycle), 0);
        sd_bus_message_unref(reply);
        ck_assert_uint_eq(cycle, 3);

        sd_bus_slot_unref(slot);
        g_ptr_array_free(c.names, TRUE);
}
END_TEST

START_TEST(list_irqs_cpus_topology_explain_and_plan)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply;
        const char *name, *device, *driver, *class, *reason, *affinity, *effective, *state, *text;
        const char *from, *to, *set, *bans;
        uint32_t irq, cpu, seen = 0, cpus = 0, irqs_on_cpus = 0;
        int32_t node, package, core, id;
        int movable;
        double rate, load;

        reply = call_ok("ListIrqs", NULL);
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "(ussssibsssdds)"), 0);
        while (sd_bus_message_read(reply, "(ussssibsssdds)", &irq, &name, &device, &driver, &class,
                                   &node, &movable, &reason, &affinity, &effective, &rate, &load,
                                   &state) > 0) {
                ck_assert(irq == 40 || irq == 41);
                ck_assert_str_eq(name, irq == 40 ? "eth0-rx-0" : "eth0-rx-1");
                ck_assert(movable);
                ck_assert_str_eq(reason, "");
                ck_assert_str_eq(state, "balanced");
                /* The first cycle placed it on one CPU; the list shows what is there now. */
                ck_assert_msg(strlen(affinity) == 1, "IRQ %u affinity %s", irq, affinity);
                ck_assert(rate >= 0 && load >= 0);
                seen++;
        }
        ck_assert_uint_eq(seen, 2);
        sd_bus_message_unref(reply);

        reply = call_ok("ListCPUs", NULL);
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "(uiiidaus)"), 0);
        while (sd_bus_message_enter_container(reply, 'r', "uiiidaus") > 0) {
                ck_assert_int_ge(sd_bus_message_read(reply, "uiiid", &cpu, &node, &package, &core, &load), 0);
                ck_assert_uint_eq(cpu, cpus);
                ck_assert_int_eq(node, 0);
                ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "u"), 0);
                while (sd_bus_message_read(reply, "u", &irq) > 0)
                        irqs_on_cpus++;
                ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
                ck_assert_int_ge(sd_bus_message_read(reply, "s", &bans), 0);
                ck_assert_str_eq(bans, "");
                ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
                cpus++;
        }
        ck_assert_uint_eq(cpus, 4);
        ck_assert_uint_eq(irqs_on_cpus, 2);
        sd_bus_message_unref(reply);

        reply = call_ok("GetTopology", NULL);
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "(is)"), 0);
        ck_assert_int_gt(sd_bus_message_read(reply, "(is)", &id, &set), 0);
        ck_assert_int_eq(id, 0);
        ck_assert_str_eq(set, "0-3");
        ck_assert_int_ge(sd_bus_message_exit_container(reply), 0);
        ck_assert_int_ge(sd_bus_message_skip(reply, "a(is)a(iiis)"), 0);
        ck_assert_int_ge(sd_bus_message_read(reply, "s", &set), 0);
        ck_assert_str_eq(set, "0-3");
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "(us)"), 0);
        ck_assert_int_eq(sd_bus_message_read(reply, "(us)", &cpu, &set), 0);  /* none banned */
        sd_bus_message_unref(reply);

        reply = call_ok("Explain", "u", 40);
        ck_assert_int_ge(sd_bus_message_read(reply, "s", &text), 0);
        ck_assert_msg(strstr(text, "IRQ 40 (eth0-rx-0)") && strstr(text, "Balanced:  yes") &&
                      strstr(text, "Policy:    balanced") && strstr(text, "Placement: CPU"), "%s", text);
        sd_bus_message_unref(reply);

        ck_assert(!call(&error, "Explain", "u", 99));
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        ck_assert_msg(strstr(error.message, "IRQ 99"), "%s", error.message);
        sd_bus_error_free(&error);

        /* The IRQs already sit where the plan wants them: no moves, nothing written. */
        reply = call_ok("Plan", NULL);
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "(ussss)"), 0);
        ck_assert_int_eq(sd_bus_message_read(reply, "(ussss)", &irq, &name, &from, &to, &reason), 0);
        sd_bus_message_unref(reply);
        ck_assert_uint_eq(get_t("Cycles"), 1);
}
END_TEST

START_TEST(plan_previews_without_writing)
{
        char *path = tl_irq_file(root, 41, "smp_affinity_list"), *before, *after;
        sd_bus_message *reply;
        const char *name, *from, *to, *reason;
        uint32_t irq;
        unsigned moves = 0;

        /* Someone puts IRQ 41 back on every CPU: the next cycle would place it again. */
        tl_write(root, "proc/irq/41/smp_affinity_list", "0-3\n");
        before = tl_read(path);
        reply = call_ok("Plan", NULL);
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "(ussss)"), 0);
        while (sd_bus_message_read(reply, "(ussss)", &irq, &name, &from, &to, &reason) > 0) {
                ck_assert_uint_eq(irq, 41);
                ck_assert_str_eq(from, "0-3");
                ck_assert_uint_eq(strlen(to), 1);
                ck_assert_str_ne(reason, "");
                moves++;
        }
        sd_bus_message_unref(reply);
        after = tl_read(path);
        ck_assert_str_eq(before, after);
        ck_assert_uint_le(moves, 1);
        g_free(before);
        g_free(after);
        g_free(path);
}
END_TEST

START_TEST(set_policy_and_interval_and_refuse_bad_arguments)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *s, **v;

        /* A runtime change is a drop-in in /run, and the configuration now has it. */
        sd_bus_message_unref(call_ok("SetPolicy", "s", "numa-local"));
        s = get_s("Policy");
        ck_assert_str_eq(s, "numa-local");
        free(s);
        s = root_file("run/irqbald/policy.d/95-irqbalctl-policy.conf");
        ck_assert_msg(s && strstr(s, "[Daemon]") && strstr(s, "\nPolicy=numa-local\n"), "%s", s);
        g_free(s);
        v = get_strv("ConfigFiles");
        ck_assert_msg(v[0] && !strcmp(v[0], "/run/irqbald/policy.d/95-irqbalctl-policy.conf") &&
                      !v[1], "%s", v[0]);
        g_strfreev(v);

        /* Persistent: under /etc, and the /run file, which would win, is gone. */
        sd_bus_message_unref(call_ok("SetPolicyEx", "sb", "pack", 1));
        s = get_s("Policy");
        ck_assert_str_eq(s, "pack");
        free(s);
        s = root_file("etc/irqbald/policy.d/90-irqbalctl-policy.conf");
        ck_assert_msg(s && strstr(s, "\nPolicy=pack\n"), "%s", s);
        g_free(s);
        ck_assert_ptr_null(root_file("run/irqbald/policy.d/95-irqbalctl-policy.conf"));
        sd_bus_message_unref(call_ok("SetPolicyEx", "sb", "numa-local", 0));
        s = get_s("Policy");
        ck_assert_str_eq(s, "numa-local");
        free(s);

        ck_assert(!call(&error, "SetPolicy", "s", "nope"));
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        ck_assert_msg(strstr(error.message, "'nope'") && strstr(error.message, "balanced"),
                      "%s", error.message);
        sd_bus_error_free(&error);
        ck_assert(!call(&error, "SetPolicyEx", "sb", "nope", 1));
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        sd_bus_error_free(&error);
        /* An unknown name wrote nothing. */
        s = root_file("run/irqbald/policy.d/95-irqbalctl-policy.conf");
        ck_assert_msg(s && strstr(s, "\nPolicy=numa-local\n"), "%s", s);
        g_free(s);

        sd_bus_message_unref(call_ok("SetInterval", "t", (uint64_t) 5000000));
        ck_assert_uint_eq(get_t("IntervalUSec"), 5000000);
        ck_assert(!call(&error, "SetInterval", "t", (uint64_t) 0));
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        sd_bus_error_free(&error);
        ck_assert(!call(&error, "SetInterval", "t", (uint64_t) 7200000000ULL));
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        sd_bus_error_free(&error);
        ck_assert_uint_eq(get_t("IntervalUSec"), 5000000);

        sd_bus_message_unref(call_ok("Reload", NULL));
        /* Still there, still the same. */
        s = get_s("Policy");
        ck_assert_str_eq(s, "numa-local");
        free(s);
        ck_assert_uint_eq(get_u("Irqs"), 2);
}
END_TEST

/* Runs the rest of the test body as uid/gid nobody in a child with its own
 * connection; the child's exit status is the number of the first failed check. */
static int as_nobody(int (*fn)(sd_bus *b))
{
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                sd_bus *b = NULL;

                if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
                    setresuid(NOBODY, NOBODY, NOBODY) < 0)
                        _exit(100);
                if (sd_bus_open_system(&b) < 0)
                        _exit(101);
                _exit(fn(b));
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static bool denied(sd_bus *b, const char *method, const char *types, ...)
{
        sd_bus_message *msg = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        bool ok;

        if (sd_bus_message_new_method_call(b, &msg, BUS_NAME, BUS_PATH, BUS_INTERFACE, method) < 0)
                return false;
        if (types) {
                va_start(ap, types);
                sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
        }
        ok = sd_bus_call(b, msg, 0, &error, &reply) < 0 &&
             sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) &&
             strstr(error.message, "Only root may");
        sd_bus_message_unref(msg);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
        return ok;
}

static int nobody_checks(sd_bus *b)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        uint64_t cycles = 0;

        if (sd_bus_get_property_trivial(b, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Cycles", &error,
                                        't', &cycles) < 0 || cycles != 1)
                return 1;
        if (sd_bus_call_method(b, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ListIrqs", &error, &reply, NULL) < 0)
                return 2;
        reply = sd_bus_message_unref(reply);
        if (sd_bus_call_method(b, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Explain", &error, &reply, "u", 40) < 0)
                return 3;
        reply = sd_bus_message_unref(reply);
        if (!denied(b, "SetPolicy", "s", "pack"))
                return 4;
        if (!denied(b, "Rebalance", NULL))
                return 5;
        if (!denied(b, "Reload", NULL))
                return 6;
        if (!denied(b, "SetInterval", "t", (uint64_t) 1000000))
                return 7;
        if (sd_bus_set_property(b, BUS_NAME, BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE,
                                "LogLevel", &error, "s", "debug") >= 0 ||
            !sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED))
                return 8;
        sd_bus_error_free(&error);
        /* The policy files: checking is a read, every change is root's. */
        if (sd_bus_call_method(b, BUS_NAME, BUS_PATH, BUS_INTERFACE, "CheckConfig", &error,
                               &reply, NULL) < 0)
                return 9;
        reply = sd_bus_message_unref(reply);
        if (!denied(b, "SetPolicyEx", "sb", "pack", 1))
                return 10;
        if (!denied(b, "BanIrq", "ub", 40, 0))
                return 11;
        if (!denied(b, "UnbanIrq", "ub", 40, 0))
                return 12;
        if (!denied(b, "BanCPUs", "sb", "2-3", 1))
                return 13;
        /* Refused before it is parsed: a stranger learns nothing from it. */
        if (!denied(b, "BanCPUs", "sb", "junk", 0))
                return 14;
        return 0;
}

START_TEST(a_caller_that_is_not_root_reads_but_cannot_change)
{
        char *s;

        ck_assert_int_eq(as_nobody(nobody_checks), 0);
        /* Nothing changed, no file written. */
        s = get_s("Policy");
        ck_assert_str_eq(s, "balanced");
        free(s);
        s = get_s("BannedCPUs");
        ck_assert_str_eq(s, "");
        free(s);
        ck_assert_ptr_null(root_file("run/irqbald/policy.d/95-irqbalctl-banned-irqs.conf"));
        ck_assert_ptr_null(root_file("etc/irqbald/policy.d/90-irqbalctl-policy.conf"));
        ck_assert_uint_eq(get_t("Cycles"), 1);
        ck_assert_uint_eq(get_t("IntervalUSec"), 3600000000ULL);
}
END_TEST

/* A stand-in for polkitd on the private bus, with polkit's D-Bus interface: it allows
 * POLKIT_ACTION_REBALANCE and refuses everything else, and counts the questions. */
static int authority_check(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *kind, *action;
        int r;

        r = sd_bus_message_enter_container(msg, 'r', "sa{sv}");
        if (r >= 0)
                r = sd_bus_message_read(msg, "s", &kind);
        if (r >= 0)
                r = sd_bus_message_skip(msg, "a{sv}");
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_read(msg, "s", &action);
        if (r < 0)
                return r;
        (*(unsigned *) userdata)++;
        return sd_bus_reply_method_return(msg, "(bba{ss})",
                                          strcmp(kind, "system-bus-name") == 0 &&
                                          strcmp(action, "io.github.irqbald1.rebalance") == 0, 0, 0);
}

static const sd_bus_vtable authority_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", authority_check, 0),
        SD_BUS_VTABLE_END,
};

static pid_t start_authority(void)
{
        int ready[2];
        pid_t pid;
        char c;

        ck_assert_int_eq(pipe(ready), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                static unsigned questions;
                sd_bus *b = NULL;

                close(ready[0]);
                if (sd_bus_open_system(&b) < 0 ||
                    sd_bus_add_object_vtable(b, NULL, "/org/freedesktop/PolicyKit1/Authority",
                                             "org.freedesktop.PolicyKit1.Authority",
                                             authority_vtable, &questions) < 0 ||
                    sd_bus_request_name(b, POLKIT_NAME, 0) < 0)
                        _exit(1);
                (void) !write(ready[1], "r", 1);
                for (;;) {
                        if (sd_bus_process(b, NULL) > 0)
                                continue;
                        if (sd_bus_wait(b, UINT64_MAX) < 0)
                                _exit(2);
                }
        }
        close(ready[1]);
        ck_assert_msg(read(ready[0], &c, 1) == 1, "the polkit stand-in did not start");
        close(ready[0]);
        return pid;
}

static int polkit_checks(sd_bus *b)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int ok;

        /* Allowed: the call waits for the answer and then runs. */
        if (sd_bus_call_method(b, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Rebalance", &error, &reply,
                               NULL) < 0)
                return 1;
        reply = sd_bus_message_unref(reply);
        if (sd_bus_call_method(b, BUS_NAME, BUS_PATH, BUS_INTERFACE, "SetPolicy", &error, &reply,
                               "s", "pack") >= 0)
                return 2;
        ok = sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) &&
             strstr(error.message, "polkit does not allow uid 65534 to change the policy");
        sd_bus_error_free(&error);
        if (!ok)
                return 3;
        /* Property writes cannot wait for polkit: root only. */
        if (sd_bus_set_property(b, BUS_NAME, BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE,
                                "LogLevel", &error, "s", "debug") >= 0)
                return 4;
        sd_bus_error_free(&error);
        return 0;
}

START_TEST(polkit_decides_for_callers_that_are_not_root)
{
        pid_t authority = start_authority();
        uint64_t cycles = get_t("Cycles");
        char *s;
        int status;

        /* The root's clock moves, so that a rebalance has something new to learn. */
        write_counts(101000, 1000, 110.0);
        ck_assert_int_eq(as_nobody(polkit_checks), 0);
        ck_assert_msg(get_t("Cycles") == cycles + 1, "no cycle:\n%s", daemon_log());
        s = get_s("Policy");
        ck_assert_str_eq(s, "balanced");
        free(s);
        /* Root is never asked about. */
        write_counts(201000, 1000, 120.0);
        sd_bus_message_unref(call_ok("Rebalance", NULL));
        ck_assert_uint_eq(get_t("Cycles"), cycles + 2);
        /* SIGKILL: the fork inherited Check's SIGTERM handler, which signals the group. */
        kill(authority, SIGKILL);
        ck_assert_int_eq(waitpid(authority, &status, 0), authority);
}
END_TEST

START_TEST(log_control_reads_and_sets_level_and_target)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *s;

        s = get_string(BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE, "LogLevel", &error);
        ck_assert_str_eq(s, "info");
        free(s);
        s = get_string(BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE, "SyslogIdentifier", &error);
        ck_assert_str_eq(s, "irqbald");
        free(s);
        ck_assert_int_ge(sd_bus_set_property(bus, BUS_NAME, BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE,
                                             "LogLevel", &error, "s", "debug"), 0);
        s = get_string(BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE, "LogLevel", &error);
        ck_assert_str_eq(s, "debug");
        free(s);
        ck_assert_int_lt(sd_bus_set_property(bus, BUS_NAME, BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE,
                                             "LogLevel", &error, "s", "loud"), 0);
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        sd_bus_error_free(&error);

        for (const char *const *t = (const char *const[]) { "null", "journal", "console", NULL }; *t; t++) {
                ck_assert_int_ge(sd_bus_set_property(bus, BUS_NAME, BUS_LOG_CONTROL_PATH,
                                                     BUS_LOG_CONTROL_INTERFACE, "LogTarget", &error,
                                                     "s", *t), 0);
                s = get_string(BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE, "LogTarget", &error);
                ck_assert_str_eq(s, *t);
                free(s);
        }
        ck_assert_int_lt(sd_bus_set_property(bus, BUS_NAME, BUS_LOG_CONTROL_PATH, BUS_LOG_CONTROL_INTERFACE,
                                             "LogTarget", &error, "s", "paper"), 0);
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        sd_bus_error_free(&error);
}
END_TEST

/* ---- introspection ------------------------------------------------------------- */

struct members {
        bool in_manager;
        char *method;
        GPtrArray *lines;       /* "method X", "arg X in u irq", "property P t read", … */
};

static const char *attr(const char **names, const char **values, const char *name)
{
        for (size_t i = 0; names[i]; i++)
                if (strcmp(names[i], name) == 0)
                        return values[i];
        return "";
}

static void on_start(GMarkupParseContext *ctx, const char *element, const char **names,
                     const char **values, void *userdata, GError **error)
{
        struct members *m = userdata;

        if (strcmp(element, "interface") == 0)
                m->in_manager = strcmp(attr(names, values, "name"), BUS_INTERFACE) == 0;
        if (!m->in_manager)
                return;
        if (strcmp(element, "method") == 0 || strcmp(element, "signal") == 0) {
                g_free(m->method);
                m->method = g_strdup(attr(names, values, "name"));
                g_ptr_array_add(m->lines, g_strdup_printf("%s %s", element, m->method));
        } else if (strcmp(element, "arg") == 0)
                g_ptr_array_add(m->lines, g_strdup_printf("arg %s %s %s %s", m->method,
                                                          attr(names, values, "direction"),
                                                          attr(names, values, "type"),
                                                          attr(names, values, "name")));
        else if (strcmp(element, "property") == 0)
                g_ptr_array_add(m->lines, g_strdup_printf("property %s %s %s",
                                                          attr(names, values, "name"),
                                                          attr(names, values, "type"),
                                                          attr(names, values, "access")));
}

static void on_end(GMarkupParseContext *ctx, const char *element, void *userdata, GError **error)
{
        struct members *m = userdata;

        if (strcmp(element, "interface") == 0)
                m->in_manager = false;
}

static int cmp_lines(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The Manager interface's members as sorted lines; whitespace, comments and
 * annotations do not count. */
static GPtrArray *members_of(const char *xml)
{
        static const GMarkupParser parser = { .start_element = on_start, .end_element = on_end };
        struct members m = { .lines = g_ptr_array_new_with_free_func(g_free) };
        GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &m, NULL);
        GError *error = NULL;

        ck_assert_msg(g_markup_parse_context_parse(ctx, xml, -1, &error) &&
                      g_markup_parse_context_end_parse(ctx, &error),
                      "bad XML: %s", error ? error->message : "?");
        g_markup_parse_context_free(ctx);
        g_free(m.method);
        g_ptr_array_sort(m.lines, cmp_lines);
        return m.lines;
}

START_TEST(checked_in_introspection_matches_the_live_one)
{
        char *path = g_strdup_printf("%s/data/io.github.irqbald1.xml", srcdir());
        char *file = tl_read(path);
        sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *live;
        GPtrArray *want, *got;

        ck_assert_int_ge(sd_bus_call_method(bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Introspectable",
                                            "Introspect", &error, &reply, NULL), 0);
        ck_assert_int_ge(sd_bus_message_read(reply, "s", &live), 0);
        want = members_of(file);
        got = members_of(live);
        ck_assert_uint_gt(want->len, 30);
        for (size_t i = 0; i < want->len || i < got->len; i++)
                ck_assert_msg(i < want->len && i < got->len &&
                              strcmp(want->pdata[i], got->pdata[i]) == 0,
                              "data/io.github.irqbald1.xml and the live introspection differ at "
                              "'%s' vs '%s'", i < want->len ? (char *) want->pdata[i] : "(end)",
                              i < got->len ? (char *) got->pdata[i] : "(end)");
        g_ptr_array_free(want, TRUE);
        g_ptr_array_free(got, TRUE);
        sd_bus_message_unref(reply);
        g_free(file);
        g_free(path);
}
END_TEST

/* ---- irqbalctl ----------------------------------------------------------------- */

/* Runs irqbalctl ARGS… (NULL-terminated), optionally as nobody; returns its exit
 * status, *out and *err its output. */
static int ctl_as(bool nobody, char **out, char **err, ...)
{
        char *bin = g_strdup_printf("%s/irqbalctl", builddir());
        GPtrArray *argv = g_ptr_array_new();
        GError *error = NULL;
        va_list ap;
        int status;

        if (nobody) {
                g_ptr_array_add(argv, "setpriv");
                g_ptr_array_add(argv, "--reuid=65534");
                g_ptr_array_add(argv, "--regid=65534");
                g_ptr_array_add(argv, "--clear-groups");
        }
        g_ptr_array_add(argv, bin);
        va_start(ap, err);
        for (char *a; (a = va_arg(ap, char *));)
                g_ptr_array_add(argv, a);
        va_end(ap);
        g_ptr_array_add(argv, NULL);
        ck_assert_msg(g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
                                   NULL, out, err, &status, &error),
                      "spawn irqbalctl: %s", error ? error->message : "?");
        g_ptr_array_free(argv, TRUE);
        g_free(bin);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define ctl(out, err, ...) ctl_as(false, out, err, __VA_ARGS__, NULL)

static struct jv *parse_json(const char *text)
{
        struct jv *v = NULL;
        char msg[256];

        ck_assert_msg(jv_parse(text, &v, msg, sizeof(msg)) == 0, "not JSON (%s): %s", msg, text);
        return v;
}

START_TEST(irqbalctl_verbs_in_text_and_json)
{
        char *out = NULL, *err = NULL, *s;
        struct jv *v;

        /* status is the default verb. */
        ck_assert_int_eq(ctl(&out, &err, "--no-pager"), 0);
        ck_assert_msg(strstr(out, "irqbald " PACKAGE_VERSION ": running") &&
                      strstr(out, "Policy: balanced, every 3600 s") &&
                      strstr(out, "IRQs: 2 (2 balanced, 0 left alone)") &&
                      strstr(out, "usable 0-3, not usable none") && strstr(out, "Cycles: 1,") &&
                      strstr(out, "\n     Writes: 2 (0 failed)\n"),
                      "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "status", "--json=short"), 0);
        v = parse_json(out);
        ck_assert_str_eq(jv_str(jv_get(v, "state")), "running");
        ck_assert_int_eq(jv_int(jv_get(v, "cycles")), 1);
        ck_assert_int_eq(jv_int(jv_get(v, "irqs")), 2);
        ck_assert_str_eq(jv_str(jv_get(v, "usable_cpus")), "0-3");
        ck_assert_int_eq(jv_int(jv_get(v, "interval_usec")), 3600000000LL);
        ck_assert(!strchr(out, '\n') || strchr(out, '\n') == out + strlen(out) - 1);
        jv_free(v);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--json=pretty", "status"), 0);
        ck_assert(strstr(out, "\n  \"policy\": \"balanced\""));
        g_free(out), g_free(err);

        ck_assert_int_eq(ctl(&out, &err, "irqs"), 0);
        ck_assert_msg(g_str_has_prefix(out, "IRQ  NAME       DEVICE  NODE  CPUS  RATE/s    LOAD  STATE\n") &&
                      strstr(out, " 40  eth0-rx-0  -          0") && strstr(out, "balanced\n"), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "irqs", "--no-legend"), 0);
        ck_assert_msg(g_str_has_prefix(out, "40  eth0-rx-0  -  0  "), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--json=short", "irqs"), 0);
        v = parse_json(out);
        ck_assert_uint_eq(jv_len(v), 2);
        ck_assert_str_eq(jv_str(jv_path(v, "[1].name")), "eth0-rx-1");
        ck_assert(jv_bool(jv_path(v, "[0].movable")));
        ck_assert(jv_is_null(jv_path(v, "[0].device")));
        ck_assert_str_eq(jv_str(jv_path(v, "[0].state")), "balanced");
        ck_assert_int_eq(jv_int(jv_path(v, "[0].node")), 0);
        jv_free(v);
        g_free(out), g_free(err);

        ck_assert_int_eq(ctl(&out, &err, "cpus"), 0);
        ck_assert_msg(g_str_has_prefix(out, "Node 0:\nCPU    LOAD") && strstr(out, "  3  0.") &&
                      strstr(out, "[") && strstr(out, "busiest CPU"), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "cpus", "--json=short"), 0);
        v = parse_json(out);
        ck_assert_uint_eq(jv_len(v), 4);
        ck_assert_int_eq(jv_int(jv_path(v, "[2].cpu")), 2);
        ck_assert_uint_eq(jv_len(jv_path(v, "[0].irqs")) + jv_len(jv_path(v, "[1].irqs")) +
                          jv_len(jv_path(v, "[2].irqs")) + jv_len(jv_path(v, "[3].irqs")), 2);
        ck_assert_uint_eq(jv_len(jv_path(v, "[0].bans")), 0);
        jv_free(v);
        g_free(out), g_free(err);

        ck_assert_int_eq(ctl(&out, &err, "topology"), 0);
        ck_assert_msg(strstr(out, "Node 0: CPUs 0-3\n") && strstr(out, "Usable CPUs: 0-3\n"), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "topology", "--json=short"), 0);
        v = parse_json(out);
        ck_assert_str_eq(jv_str(jv_path(v, "nodes[0].cpus")), "0-3");
        ck_assert_str_eq(jv_str(jv_get(v, "usable_cpus")), "0-3");
        ck_assert_uint_eq(jv_len(jv_get(v, "banned_cpus")), 0);
        jv_free(v);
        g_free(out), g_free(err);

        ck_assert_int_eq(ctl(&out, &err, "explain", "40"), 0);
        ck_assert_msg(g_str_has_prefix(out, "IRQ 40 (eth0-rx-0)\n") && strstr(out, "Balanced:  yes") &&
                      strstr(out, "\n  Writes:    1 by irqbald, 0 failed\n"), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "explain", "40", "--json=short"), 0);
        v = parse_json(out);
        ck_assert_int_eq(jv_int(jv_get(v, "irq")), 40);
        ck_assert(strstr(jv_str(jv_get(v, "text")), "Policy:    balanced"));
        jv_free(v);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "explain", "99"), 1);
        ck_assert_msg(strstr(err, "IRQ 99 does not exist") && strchr(err, '\n') == err + strlen(err) - 1,
                      "%s", err);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "explain", "forty"), 2);
        g_free(out), g_free(err);

        ck_assert_int_eq(ctl(&out, &err, "plan"), 0);
        ck_assert_str_eq(out, "0 moves planned for the next cycle.\n");
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "plan", "--json=short"), 0);
        ck_assert_str_eq(out, "[]\n");
        g_free(out), g_free(err);

        ck_assert_int_eq(ctl(&out, &err, "policies"), 0);
        ck_assert_msg(g_str_has_prefix(out, "POLICY") && strstr(out, "\nbalanced ") &&
                      strstr(out, "(default)") && strstr(out, "\nnuma-local "), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "policies", "--json=short"), 0);
        v = parse_json(out);
        ck_assert_str_eq(jv_str(jv_path(v, "[0].name")), "balanced");
        ck_assert(jv_bool(jv_path(v, "[0].default")));
        jv_free(v);
        g_free(out), g_free(err);

        /* Changes, as root. */
        write_counts(101000, 1000, 110.0);
        ck_assert_int_eq(ctl(&out, &err, "rebalance"), 0);
        ck_assert_str_eq(out, "Cycle 2 done.\n");
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "rebalance", "--json=short"), 0);
        ck_assert_str_eq(out, "{\"cycle\":2}\n");
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "set-policy", "pack"), 0);
        ck_assert_str_eq(out, "Policy set to pack from the next cycle on.\n"
                         "Written to /run/irqbald/policy.d/95-irqbalctl-policy.conf (gone after a "
                         "reboot; --persistent writes to /etc/irqbald/policy.d).\n");
        g_free(out), g_free(err);
        s = get_s("Policy");
        ck_assert_str_eq(s, "pack");
        free(s);
        s = root_file("run/irqbald/policy.d/95-irqbalctl-policy.conf");
        ck_assert_msg(s && strstr(s, "\nPolicy=pack\n"), "%s", s);
        g_free(s);
        ck_assert_int_eq(ctl(&out, &err, "set-policy", "--persistent", "balanced", "--json=short"), 0);
        ck_assert_str_eq(out, "{\"policy\":\"balanced\",\"persistent\":true,\"file\":"
                         "\"/etc/irqbald/policy.d/90-irqbalctl-policy.conf\"}\n");
        g_free(out), g_free(err);
        s = get_s("Policy");
        ck_assert_str_eq(s, "balanced");
        free(s);
        ck_assert_ptr_null(root_file("run/irqbald/policy.d/95-irqbalctl-policy.conf"));
        ck_assert_int_eq(ctl(&out, &err, "set-policy", "nope"), 1);
        ck_assert_msg(strstr(err, "Unknown policy 'nope'"), "%s", err);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "set-interval", "2.5", "--json=short"), 0);
        ck_assert_str_eq(out, "{\"interval_usec\":2500000}\n");
        g_free(out), g_free(err);
        ck_assert_uint_eq(get_t("IntervalUSec"), 2500000);
        ck_assert_int_eq(ctl(&out, &err, "set-interval", "0"), 2);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "set-interval", "0.01"), 1);
        ck_assert_msg(strstr(err, "out of range"), "%s", err);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "reload"), 0);
        ck_assert_str_eq(out, "Reloaded the policy files, the topology and the CPU bans.\n");
        g_free(out), g_free(err);

        /* Usage errors. */
        ck_assert_int_eq(ctl(&out, &err, "frobnicate"), 2);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "explain"), 2);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--json=loud"), 2);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "ban-irq"), 2);
        ck_assert_msg(strstr(err, "one or more arguments; usage: irqbalctl ban-irq IRQ...\n"),
                      "%s", err);
        g_free(out), g_free(err);
        /* A typo anywhere changes nothing. */
        ck_assert_int_eq(ctl(&out, &err, "ban-irq", "40", "forty-one"), 2);
        g_free(out), g_free(err);
        ck_assert_ptr_null(root_file("run/irqbald/policy.d/95-irqbalctl-banned-irqs.conf"));
        ck_assert_int_eq(ctl(&out, &err, "ban-cpus", "1", "2"), 2);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--persistent", "irqs"), 2);
        ck_assert_msg(strstr(err, "--persistent is for the verbs that write policy files"), "%s", err);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--version"), 0);
        ck_assert_str_eq(out, "irqbalctl " PACKAGE_VERSION "\n");
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--help"), 0);
        ck_assert(strstr(out, "set-interval SEC") && strstr(out, "ban-irq IRQ...") &&
                  strstr(out, "check-config") && strstr(out, "--persistent"));
        g_free(out), g_free(err);
}
END_TEST

/* Runs irqbalctl ARGS… (NULL-terminated) on a pseudo-terminal ROWS high, with ENV's
 * "VAR=value" set and "VAR" unset; returns its exit status, *out what the terminal
 * showed (without the terminal's carriage returns). */
static int ctl_tty(unsigned rows, const char *const *env, char **out, ...)
{
        struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = 200 };
        char *bin = g_strdup_printf("%s/irqbalctl", builddir());
        GPtrArray *argv = g_ptr_array_new();
        GString *s = g_string_new(NULL);
        gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
        int master, slave, status;
        char **sp;
        va_list ap;
        pid_t pid;

        g_ptr_array_add(argv, bin);
        va_start(ap, out);
        for (char *a; (a = va_arg(ap, char *));)
                g_ptr_array_add(argv, a);
        va_end(ap);
        g_ptr_array_add(argv, NULL);
        ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                /* The terminal is the controlling one, as in a login: less reads keys
                 * from /dev/tty. */
                setsid();
                ioctl(slave, TIOCSCTTY, 0);
                dup2(slave, STDIN_FILENO);
                dup2(slave, STDOUT_FILENO);
                dup2(slave, STDERR_FILENO);
                close(master);
                close(slave);
                for (; env && *env; env++) {
                        const char *eq = strchr(*env, '=');

                        if (eq) {
                                char *name = g_strndup(*env, (size_t) (eq - *env));

                                setenv(name, eq + 1, 1);
                        } else {
                                unsetenv(*env);
                        }
                }
                execv(bin, (char **) argv->pdata);
                _exit(127);
        }
        close(slave);
        /* Until every holder of the terminal (irqbalctl, its pager) is gone: EIO. */
        for (;;) {
                struct pollfd p = { .fd = master, .events = POLLIN };
                char buf[4096];
                ssize_t n;

                ck_assert_msg(g_get_monotonic_time() < end, "irqbalctl on a terminal hangs: %s",
                              s->str);
                if (poll(&p, 1, 1000) <= 0)
                        continue;
                n = read(master, buf, sizeof(buf));
                if (n <= 0)
                        break;
                g_string_append_len(s, buf, n);
        }
        close(master);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        sp = g_strsplit(s->str, "\r", -1);
        *out = g_strjoinv("", sp);
        g_strfreev(sp);
        g_string_free(s, TRUE);
        g_ptr_array_free(argv, TRUE);
        g_free(bin);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Every line of S starts with PREFIX. */
static bool all_lines_start_with(const char *s, const char *prefix)
{
        char **lines = g_strsplit(s, "\n", -1);
        bool ok = lines[0] && *lines[0];

        for (char **l = lines; *l; l++)
                if (**l && !g_str_has_prefix(*l, prefix))
                        ok = false;
        g_strfreev(lines);
        return ok;
}

#define PAGER_SED "IRQBALCTL_PAGER=sed s/^/PAGED:/"

START_TEST(irqbalctl_pages_on_a_terminal_only)
{
        /* A trusted pager (secure mode would only run less), and none of the caller's. */
        const char *const sed[] = { PAGER_SED, "IRQBALCTL_PAGERSECURE=0", "SYSTEMD_PAGER",
                                    "PAGER", "LESS", NULL };
        const char *const systemd_pager[] = { "IRQBALCTL_PAGER", "IRQBALCTL_PAGERSECURE=0",
                                              "SYSTEMD_PAGER=sed s/^/SYSTEMD:/",
                                              "PAGER=sed s/^/PAGER:/", NULL };
        const char *const pager_only[] = { "IRQBALCTL_PAGER", "IRQBALCTL_PAGERSECURE=0",
                                           "SYSTEMD_PAGER", "PAGER=sed s/^/PAGER:/", NULL };
        const char *const cat[] = { "IRQBALCTL_PAGER=cat", "IRQBALCTL_PAGERSECURE=0",
                                    "SYSTEMD_PAGER=sed s/^/SYSTEMD:/", NULL };
        const char *const secure[] = { PAGER_SED, "IRQBALCTL_PAGERSECURE", "SYSTEMD_PAGERSECURE",
                                       NULL };
        char *out = NULL, *err = NULL;
        uid_t owner;

        /* Tables go through the pager, every line of them. */
        ck_assert_int_eq(ctl_tty(50, sed, &out, "irqs", NULL), 0);
        ck_assert_msg(g_str_has_prefix(out, "PAGED:IRQ  NAME") && strstr(out, "PAGED: 40  eth0-rx-0") &&
                      all_lines_start_with(out, "PAGED:"), "%s", out);
        g_free(out);
        /* JSON on a terminal too. */
        ck_assert_int_eq(ctl_tty(50, sed, &out, "--json=short", "cpus", NULL), 0);
        ck_assert_msg(g_str_has_prefix(out, "PAGED:[{"), "%s", out);
        g_free(out);
        ck_assert_int_eq(ctl_tty(50, sed, &out, "--no-pager", "irqs", NULL), 0);
        ck_assert_msg(g_str_has_prefix(out, "IRQ  NAME") && !strstr(out, "PAGED:"), "%s", out);
        g_free(out);

        /* status pages only when it does not fit. */
        ck_assert_int_eq(ctl_tty(50, sed, &out, "status", NULL), 0);
        ck_assert_msg(strstr(out, "Policy: balanced") && !strstr(out, "PAGED:"), "%s", out);
        g_free(out);
        ck_assert_int_eq(ctl_tty(3, sed, &out, "status", NULL), 0);
        ck_assert_msg(strstr(out, "PAGED:") && all_lines_start_with(out, "PAGED:"), "%s", out);
        g_free(out);

        /* Errors stay out of the pager, and nothing is paged when there is no output. */
        ck_assert_int_eq(ctl_tty(50, sed, &out, "explain", "999", NULL), 1);
        ck_assert_msg(!strstr(out, "PAGED:"), "%s", out);
        g_free(out);

        /* Which pager: IRQBALCTL_PAGER, then SYSTEMD_PAGER, then PAGER; "cat" is none. */
        ck_assert_int_eq(ctl_tty(50, systemd_pager, &out, "irqs", NULL), 0);
        ck_assert_msg(g_str_has_prefix(out, "SYSTEMD:IRQ"), "%s", out);
        g_free(out);
        ck_assert_int_eq(ctl_tty(50, pager_only, &out, "irqs", NULL), 0);
        ck_assert_msg(g_str_has_prefix(out, "PAGER:IRQ"), "%s", out);
        g_free(out);
        ck_assert_int_eq(ctl_tty(50, cat, &out, "irqs", NULL), 0);
        ck_assert_msg(g_str_has_prefix(out, "IRQ  NAME"), "%s", out);
        g_free(out);

        /* Root for someone else (sudo), or for nobody known (no logind session of root):
         * secure mode runs only less, never the environment's pager. */
        ck_assert_int_eq(ctl_tty(50, secure, &out, "irqs", NULL), 0);
        if (geteuid() == 0 && (sd_pid_get_owner_uid(0, &owner) < 0 || owner != 0))
                ck_assert_msg(strstr(out, "eth0-rx-0") && !strstr(out, "PAGED:"), "%s", out);
        else
                ck_assert_msg(g_str_has_prefix(out, "PAGED:IRQ"), "%s", out);
        g_free(out);

        /* Not a terminal: never paged, whatever the environment says. */
        setenv("IRQBALCTL_PAGER", "sed s/^/PAGED:/", 1);
        setenv("IRQBALCTL_PAGERSECURE", "0", 1);
        ck_assert_int_eq(ctl(&out, &err, "irqs"), 0);
        ck_assert_msg(g_str_has_prefix(out, "IRQ  NAME") && !strstr(out, "PAGED:"), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--json=short", "irqs"), 0);
        ck_assert_msg(g_str_has_prefix(out, "[{") && !strstr(out, "PAGED:"), "%s", out);
        g_free(out), g_free(err);
}
END_TEST

START_TEST(irqbalctl_permission_denied_and_not_running)
{
        char *out = NULL, *err = NULL;
        char *setpriv = g_find_program_in_path("setpriv");

        if (setpriv && geteuid() == 0) {
                ck_assert_int_eq(ctl_as(true, &out, &err, "status", NULL), 0);
                g_free(out), g_free(err);
                ck_assert_int_eq(ctl_as(true, &out, &err, "set-policy", "pack", NULL), 4);
                ck_assert_msg(g_str_has_prefix(err, "Permission denied: Only root may change the policy") &&
                              strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
                g_free(out), g_free(err);
                ck_assert_int_eq(ctl_as(true, &out, &err, "rebalance", NULL), 4);
                g_free(out), g_free(err);
                ck_assert_int_eq(ctl_as(true, &out, &err, "reload", NULL), 4);
                g_free(out), g_free(err);
                ck_assert_int_eq(ctl_as(true, &out, &err, "ban-irq", "40", NULL), 4);
                ck_assert_msg(g_str_has_prefix(err, "Permission denied: Only root may ban IRQs") &&
                              strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
                g_free(out), g_free(err);
                ck_assert_int_eq(ctl_as(true, &out, &err, "unban-irq", "40", NULL), 4);
                g_free(out), g_free(err);
                ck_assert_int_eq(ctl_as(true, &out, &err, "--persistent", "ban-cpus", "2-3", NULL), 4);
                ck_assert_msg(g_str_has_prefix(err, "Permission denied: Only root may ban CPUs"),
                              "%s", err);
                g_free(out), g_free(err);
                ck_assert_ptr_null(root_file("run/irqbald/policy.d/95-irqbalctl-banned-irqs.conf"));
                ck_assert_ptr_null(root_file("etc/irqbald/policy.d/90-irqbalctl-banned-cpus.conf"));
                /* Checking the files is a read. */
                ck_assert_int_eq(ctl_as(true, &out, &err, "check-config", NULL), 0);
                g_free(out), g_free(err);
        }
        g_free(setpriv);

        /* The bus is there, the daemon is not. */
        stop(&daemon_pid);
        for (int i = 0; i < 2; i++) {
                ck_assert_int_eq(ctl(&out, &err, i ? "irqs" : "status"), 3);
                ck_assert_msg(g_str_has_prefix(err, "irqbald is not running: nobody owns "
                                               "io.github.irqbald1") &&
                              strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
                g_free(out), g_free(err);
        }
        /* No bus at all. */
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/irqbald-test-bus", 1);
        ck_assert_int_eq(ctl(&out, &err, "status"), 3);
        ck_assert_msg(g_str_has_prefix(err, "irqbald is not running: no system bus"), "%s", err);
        g_free(out), g_free(err);
        /* policies needs no daemon. */
        ck_assert_int_eq(ctl(&out, &err, "policies"), 0);
        g_free(out), g_free(err);
}
END_TEST

/* ---- policy files -------------------------------------------------------------- */

#define RUNTIME_BANNED_IRQS "run/irqbald/policy.d/95-irqbalctl-banned-irqs.conf"
#define PERSISTENT_BANNED_IRQS "etc/irqbald/policy.d/90-irqbalctl-banned-irqs.conf"
#define RUNTIME_BANNED_CPUS "run/irqbald/policy.d/95-irqbalctl-banned-cpus.conf"
#define PERSISTENT_BANNED_CPUS "etc/irqbald/policy.d/90-irqbalctl-banned-cpus.conf"
#define WRITTEN_TO_RUN(kind) \
        "Written to /run/irqbald/policy.d/95-irqbalctl-" kind ".conf (gone after a reboot; " \
        "--persistent writes to /etc/irqbald/policy.d).\n"

/* Lets the machine's clock and IRQ 40's counter move, and runs a cycle. */
static void run_cycle(void)
{
        static unsigned n;
        char *out = NULL, *err = NULL;

        n++;
        write_counts(1000 + 100000 * n, 1000 + 1000 * n, 100.0 + 10.0 * n);
        ck_assert_msg(ctl(&out, &err, "rebalance") == 0, "%s", err);
        g_free(out), g_free(err);
}

/* IRQ's state in irqbalctl's table. */
static char *irq_state(unsigned irq)
{
        char *out = NULL, *err = NULL, *state;
        struct jv *v;

        ck_assert_int_eq(ctl(&out, &err, "--json=short", "irqs"), 0);
        v = parse_json(out);
        ck_assert_ptr_nonnull(jv_find(v, "irq", irq));
        state = g_strdup(jv_str(jv_get(jv_find(v, "irq", irq), "state")));
        jv_free(v);
        g_free(out), g_free(err);
        return state;
}

static void assert_irq_state(unsigned irq, const char *want)
{
        char *state = irq_state(irq);

        ck_assert_msg(strcmp(state, want) == 0, "IRQ %u is %s, not %s; log:\n%s", irq, state,
                      want, daemon_log());
        g_free(state);
}

/* The one file of the configuration in force, or NULL when there is none. */
static char *only_config_file(void)
{
        char **v = get_strv("ConfigFiles"), *f;

        ck_assert_msg(!v[0] || !v[1], "more than one file: %s, %s", v[0], v[1]);
        f = g_strdup(v[0]);
        g_strfreev(v);
        return f;
}

/* irqbalctl plan tells a move from a mask narrowed around the CPU the IRQ runs on:
 * someone widens IRQ 41's mask while the kernel keeps it on its CPU, then while the
 * kernel runs it beside the busy IRQ 40. */
START_TEST(irqbalctl_plan_tells_moves_from_narrowed_masks)
{
        char *out = NULL, *err = NULL, *cpu40, *cpu41;
        const struct jv *entry;
        struct jv *v;

        for (unsigned window = 0; window < 3; window++)
                run_cycle();
        cpu40 = g_strstrip(root_file("proc/irq/40/smp_affinity_list"));
        cpu41 = g_strstrip(root_file("proc/irq/41/smp_affinity_list"));
        ck_assert_str_ne(cpu40, cpu41);

        tl_write_irq_masks(root, 41, "0-3", "f");
        tl_write_irq_file(root, 41, "effective_affinity_list", "%s\n", cpu41);
        ck_assert_int_eq(ctl(&out, &err, "plan", "--json=short"), 0);
        v = parse_json(out);
        ck_assert_uint_eq(jv_len(v), 1);
        entry = jv_at(v, 0);
        ck_assert_int_eq(jv_int(jv_get(entry, "irq")), 41);
        ck_assert_str_eq(jv_str(jv_get(entry, "from")), "0-3");
        ck_assert_str_eq(jv_str(jv_get(entry, "runs_on")), cpu41);
        ck_assert_str_eq(jv_str(jv_get(entry, "to")), cpu41);
        ck_assert(!jv_bool(jv_get(entry, "moves")));
        jv_free(v);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "plan"), 0);
        ck_assert_msg(g_str_has_prefix(out, "IRQ  NAME       FROM  RUNS ON  TO  REASON\n") &&
                      g_str_has_suffix(out, "\n0 moves planned for the next cycle; 1 IRQ keeps its "
                                            "CPU, with a narrower mask.\n"), "%s", out);
        g_free(out), g_free(err);

        tl_write_irq_file(root, 41, "effective_affinity_list", "%s\n", cpu40);
        ck_assert_int_eq(ctl(&out, &err, "plan", "--json=short"), 0);
        v = parse_json(out);
        ck_assert_uint_eq(jv_len(v), 1);
        entry = jv_at(v, 0);
        ck_assert_str_eq(jv_str(jv_get(entry, "runs_on")), cpu40);
        ck_assert_str_ne(jv_str(jv_get(entry, "to")), cpu40);
        ck_assert(jv_bool(jv_get(entry, "moves")));
        jv_free(v);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "plan"), 0);
        ck_assert_msg(g_str_has_suffix(out, "\n1 move planned for the next cycle.\n"), "%s", out);
        g_free(out), g_free(err);
        g_free(cpu40);
        g_free(cpu41);
}
END_TEST

/* At start an IRQ the kernel placed (a mask of every CPU, one effective CPU) stays
 * where it is until its load is measured: "measuring", explained, its mask untouched,
 * while one without a known effective CPU is placed at once; the plan on the settled
 * loads (the third window) places it. */
START_TEST(an_irq_the_kernel_placed_waits_for_its_load)
{
        char *out = NULL, *err = NULL, *s;

        /* As the kernel left it: the daemon of setup() has narrowed the mask since. */
        tl_write_irq_masks(root, 41, "0-3", "f");
        tl_write_irq_file(root, 41, "effective_affinity_list", "2\n");
        restart_daemon(NULL);
        ck_assert_int_eq(ctl(&out, &err, "explain", "41"), 0);
        ck_assert_msg(strstr(out, "  Balanced:  not yet: its load is measured first; until then "
                             "it stays where the kernel put it\n"), "%s", out);
        g_free(out), g_free(err);
        for (unsigned window = 0; window < 3; window++) {
                assert_irq_state(41, "measuring");
                assert_irq_state(40, "balanced");
                ck_assert_uint_eq(get_u("MeasuringIrqs"), 1);
                ck_assert_uint_eq(get_u("UnmovableIrqs"), 1);
                ck_assert_int_eq(ctl(&out, &err, "status"), 0);
                ck_assert_msg(strstr(out, "IRQs: 2 (1 balanced, 1 measuring, 0 left alone)\n"),
                              "%s", out);
                g_free(out), g_free(err);
                s = root_file("proc/irq/41/smp_affinity_list");
                ck_assert_str_eq(s, "0-3\n");
                g_free(s);
                run_cycle();
        }
        ck_assert_int_eq(ctl(&out, &err, "explain", "41"), 0);
        ck_assert_msg(strstr(out, "  Balanced:  yes\n"), "%s", out);
        g_free(out), g_free(err);
        assert_irq_state(41, "balanced");
        ck_assert_uint_eq(get_u("MeasuringIrqs"), 0);
        ck_assert_int_eq(ctl(&out, &err, "status", "--json=short"), 0);
        ck_assert_msg(strstr(out, "\"movable_irqs\":2,\"unmovable_irqs\":0,\"measuring_irqs\":0,"),
                      "%s", out);
        g_free(out), g_free(err);
        s = root_file("proc/irq/41/smp_affinity_list");
        ck_assert_msg(strlen(g_strstrip(s)) == 1, "IRQ 41 not placed: %s", s);
        g_free(s);
}
END_TEST

START_TEST(ban_irq_and_unban_irq_write_irqbalctls_dropin)
{
        char *out = NULL, *err = NULL, *s;

        ck_assert_int_eq(ctl(&out, &err, "ban-irq", "40"), 0);
        ck_assert_str_eq(out, "IRQ 40 banned: irqbald leaves it where it is from now on.\n"
                         WRITTEN_TO_RUN("banned-irqs"));
        g_free(out), g_free(err);
        s = root_file(RUNTIME_BANNED_IRQS);
        ck_assert_msg(s && strstr(s, "[Match]\nIrq=40\n") && strstr(s, "[Placement]\nBan=yes\n"),
                      "%s", s);
        g_free(s);
        s = only_config_file();
        ck_assert_str_eq(s, "/" RUNTIME_BANNED_IRQS);
        g_free(s);

        /* Someone spreads IRQ 40 over every CPU again: a banned IRQ stays as it is. */
        tl_write(root, "proc/irq/40/smp_affinity_list", "0-3\n");
        run_cycle();
        assert_irq_state(40, "banned");
        assert_irq_state(41, "balanced");
        s = root_file("proc/irq/40/smp_affinity_list");
        ck_assert_str_eq(s, "0-3\n");
        g_free(s);

        ck_assert_int_eq(ctl(&out, &err, "--json=short", "ban-irq", "41"), 0);
        ck_assert_str_eq(out, "{\"banned_irqs\":[41],\"persistent\":false,\"file\":"
                         "\"/run/irqbald/policy.d/95-irqbalctl-banned-irqs.conf\"}\n");
        g_free(out), g_free(err);
        s = root_file(RUNTIME_BANNED_IRQS);
        ck_assert_msg(s && strstr(s, "\nIrq=40-41\n"), "%s", s);
        g_free(s);

        ck_assert_int_eq(ctl(&out, &err, "unban-irq", "40"), 0);
        ck_assert_str_eq(out, "IRQ 40 unbanned: irqbald balances it from the next cycle on.\n"
                         WRITTEN_TO_RUN("banned-irqs"));
        g_free(out), g_free(err);
        s = root_file(RUNTIME_BANNED_IRQS);
        ck_assert_msg(s && strstr(s, "\nIrq=41\n") && !strstr(s, "Irq=40"), "%s", s);
        g_free(s);
        run_cycle();
        assert_irq_state(40, "balanced");
        assert_irq_state(41, "banned");
        s = root_file("proc/irq/40/smp_affinity_list");
        ck_assert_msg(strlen(g_strstrip(s)) == 1, "IRQ 40 not placed again: %s", s);
        g_free(s);

        /* Persistent: under /etc, taking in the runtime bans, whose file goes. */
        ck_assert_int_eq(ctl(&out, &err, "--persistent", "ban-irq", "40"), 0);
        ck_assert_str_eq(out, "IRQ 40 banned: irqbald leaves it where it is from now on.\n"
                         "Written to /etc/irqbald/policy.d/90-irqbalctl-banned-irqs.conf.\n");
        g_free(out), g_free(err);
        s = root_file(PERSISTENT_BANNED_IRQS);
        ck_assert_msg(s && strstr(s, "\nIrq=40-41\n") && strstr(s, "\nBan=yes\n"), "%s", s);
        g_free(s);
        ck_assert_ptr_null(root_file(RUNTIME_BANNED_IRQS));
        s = only_config_file();
        ck_assert_str_eq(s, "/" PERSISTENT_BANNED_IRQS);
        g_free(s);
        run_cycle();
        assert_irq_state(40, "banned");

        /* Several at once. */
        ck_assert_int_eq(ctl(&out, &err, "--persistent", "unban-irq", "40", "41"), 0);
        ck_assert_msg(strstr(out, "IRQ 40 unbanned") && strstr(out, "IRQ 41 unbanned"), "%s", out);
        g_free(out), g_free(err);
        s = root_file(PERSISTENT_BANNED_IRQS);
        ck_assert_msg(!s || !strstr(s, "Irq="), "%s", s);
        g_free(s);
        run_cycle();
        assert_irq_state(40, "balanced");
        assert_irq_state(41, "balanced");
}
END_TEST

START_TEST(ban_irq_on_an_irq_that_does_not_exist_is_refused)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *out = NULL, *err = NULL;

        ck_assert(!call(&error, "BanIrq", "ub", 99, 0));
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        ck_assert_msg(strstr(error.message, "No IRQ 99 on this machine"), "%s", error.message);
        sd_bus_error_free(&error);
        ck_assert_int_eq(ctl(&out, &err, "ban-irq", "99"), 1);
        ck_assert_msg(g_str_has_prefix(err, "Failed to ban IRQ 99: No IRQ 99 on this machine") &&
                      strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
        g_free(out), g_free(err);
        /* The ones before a failure stand; the daemon stops at the bad one. */
        ck_assert_int_eq(ctl(&out, &err, "ban-irq", "41", "99", "40"), 1);
        ck_assert_str_eq(out, "IRQ 41 banned: irqbald leaves it where it is from now on.\n");
        g_free(out), g_free(err);
        ck_assert(!call(&error, "BanIrq", "ub", 99, 1));
        sd_bus_error_free(&error);
        ck_assert_ptr_null(root_file(PERSISTENT_BANNED_IRQS));
        {
                char *s = root_file(RUNTIME_BANNED_IRQS);

                ck_assert_msg(s && strstr(s, "\nIrq=41\n"), "%s", s);
                g_free(s);
        }
        /* Unbanning one that is not banned does no harm. */
        sd_bus_message_unref(call_ok("UnbanIrq", "ub", 40, 0));
        /* Still there. */
        ck_assert_uint_eq(get_u("Irqs"), 2);
        run_cycle();
        ck_assert_uint_eq(get_t("Cycles"), 2);
}
END_TEST

START_TEST(unban_irq_names_the_file_that_still_bans_it)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *out = NULL, *err = NULL, *s;

        tl_write(root, "etc/irqbald/policy.d/50-keep-40.conf",
                 "# IRQ 40 stays where it is.\n[Match]\nIrq=40\n\n[Placement]\nBan=yes\n");
        sd_bus_message_unref(call_ok("Reload", NULL));
        sd_bus_message_unref(call_ok("BanIrq", "ub", 40, 0));
        ck_assert(!call(&error, "UnbanIrq", "ub", 40, 0));
        ck_assert_str_eq(error.name, BUS_ERROR_STILL_BANNED);
        ck_assert_msg(strstr(error.message, "IRQ 40 stays banned") &&
                      strstr(error.message, "\n/etc/irqbald/policy.d/50-keep-40.conf:6: "),
                      "%s", error.message);
        sd_bus_error_free(&error);
        /* irqbalctl's own ban is gone all the same. */
        ck_assert_ptr_null(root_file(RUNTIME_BANNED_IRQS));

        ck_assert_int_eq(ctl(&out, &err, "ban-irq", "40"), 0);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "unban-irq", "40"), 1);
        ck_assert_msg(g_str_has_prefix(err, "Failed to unban IRQ 40: IRQ 40 stays banned") &&
                      strstr(err, "\n/etc/irqbald/policy.d/50-keep-40.conf:6: ") &&
                      !strstr(err, "\n\n") && err[strlen(err) - 1] == '\n', "%s", err);
        g_free(out), g_free(err);
        /* irqbalctl's own persistent ban is one such file. */
        ck_assert_int_eq(ctl(&out, &err, "--persistent", "ban-irq", "41"), 0);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "unban-irq", "41"), 1);
        ck_assert_msg(strstr(err, "\n/etc/irqbald/policy.d/90-irqbalctl-banned-irqs.conf:") &&
                      strstr(err, "irqbalctl --persistent unban-irq lifts it.\n"), "%s", err);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--persistent", "unban-irq", "41"), 0);
        g_free(out), g_free(err);

        run_cycle();
        assert_irq_state(40, "banned");
        assert_irq_state(41, "balanced");
        /* The table says which file bans it. */
        ck_assert_int_eq(ctl(&out, &err, "irqs"), 0);
        ck_assert_msg(strstr(out, "  banned by /etc/irqbald/policy.d/50-keep-40.conf:6 (Ban=yes)\n"),
                      "%s", out);
        g_free(out), g_free(err);

        /* explain names every rule that matched and where each value came from; a later
         * file wins key by key. */
        tl_write(root, "usr/lib/irqbald/policy.d/10-vendor.conf",
                 "[Match]\nIrq=40-41\n[Placement]\nWeight=3\nCPUs=0-3\n");
        tl_write(root, "etc/irqbald/policy.d/60-two-cpus.conf",
                 "[Match]\nIrq=41\n[Placement]\nCPUs=1-2\n");
        sd_bus_message_unref(call_ok("Reload", NULL));
        ck_assert_int_eq(ctl(&out, &err, "explain", "41"), 0);
        ck_assert_msg(strstr(out, "  Rules:     /usr/lib/irqbald/policy.d/10-vendor.conf:1 matched\n"
                                  "             /etc/irqbald/policy.d/60-two-cpus.conf:1 matched\n") &&
                      strstr(out, "CPUs=1-2 from /etc/irqbald/policy.d/60-two-cpus.conf:4\n") &&
                      strstr(out, "Weight=3 from /usr/lib/irqbald/policy.d/10-vendor.conf:4\n") &&
                      !strstr(out, "Ban=yes"), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "explain", "40"), 0);
        ck_assert_msg(strstr(out, "/etc/irqbald/policy.d/50-keep-40.conf:2 matched\n") &&
                      strstr(out, "Ban=yes from /etc/irqbald/policy.d/50-keep-40.conf:6: irqbald "
                                  "leaves it alone\n"), "%s", out);
        g_free(out), g_free(err);
        run_cycle();
        s = root_file("proc/irq/41/smp_affinity_list");
        ck_assert_msg(strcmp(g_strstrip(s), "1") == 0 || strcmp(s, "2") == 0, "IRQ 41 on %s", s);
        g_free(s);
}
END_TEST

START_TEST(ban_cpus_writes_banned_cpus_and_the_property_follows)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *out = NULL, *err = NULL, *s;

        ck_assert_int_eq(ctl(&out, &err, "ban-cpus", "2-3"), 0);
        ck_assert_str_eq(out, "CPUs 2-3 banned: irqbald moves IRQs off them from the next cycle on.\n"
                         WRITTEN_TO_RUN("banned-cpus"));
        g_free(out), g_free(err);
        s = root_file(RUNTIME_BANNED_CPUS);
        ck_assert_msg(s && strstr(s, "[Daemon]\nBannedCPUs=2-3\n"), "%s", s);
        g_free(s);
        s = get_s("BannedCPUs");
        ck_assert_str_eq(s, "2-3");
        free(s);
        s = get_s("UsableCPUs");
        ck_assert_str_eq(s, "0-1");
        free(s);
        /* Whatever sat on CPU 2 or 3 moves off. */
        run_cycle();
        for (unsigned irq = 40; irq <= 41; irq++) {
                char rel[64];

                snprintf(rel, sizeof(rel), "proc/irq/%u/smp_affinity_list", irq);
                s = g_strstrip(root_file(rel));
                ck_assert_msg(!strcmp(s, "0") || !strcmp(s, "1"), "IRQ %u on %s", irq, s);
                g_free(s);
        }

        ck_assert_int_eq(ctl(&out, &err, "--json=short", "ban-cpus", "none"), 0);
        ck_assert_str_eq(out, "{\"banned_cpus\":\"\",\"persistent\":false,\"file\":"
                         "\"/run/irqbald/policy.d/95-irqbalctl-banned-cpus.conf\"}\n");
        g_free(out), g_free(err);
        s = get_s("BannedCPUs");
        ck_assert_str_eq(s, "");
        free(s);

        /* Refused: every CPU, a malformed list. Nothing changes. */
        ck_assert_int_eq(ctl(&out, &err, "ban-cpus", "0-3"), 1);
        ck_assert_msg(strstr(err, "would leave no CPU"), "%s", err);
        g_free(out), g_free(err);
        ck_assert(!call(&error, "BanCPUs", "sb", "2-x", 0));
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        ck_assert_msg(strstr(error.message, "write it like 2-5,8"), "%s", error.message);
        sd_bus_error_free(&error);
        ck_assert_int_eq(ctl(&out, &err, "ban-cpus", "two"), 1);
        ck_assert_msg(strstr(err, "'two'") && strstr(err, "write it like 2-5,8"), "%s", err);
        g_free(out), g_free(err);
        s = get_s("BannedCPUs");
        ck_assert_str_eq(s, "");
        free(s);

        /* Persistent: under /etc, and the /run file goes. */
        ck_assert_int_eq(ctl(&out, &err, "--persistent", "ban-cpus", "3"), 0);
        g_free(out), g_free(err);
        s = root_file(PERSISTENT_BANNED_CPUS);
        ck_assert_msg(s && strstr(s, "\nBannedCPUs=3\n"), "%s", s);
        g_free(s);
        ck_assert_ptr_null(root_file(RUNTIME_BANNED_CPUS));
        s = get_s("BannedCPUs");
        ck_assert_str_eq(s, "3");
        free(s);
}
END_TEST

START_TEST(a_bad_policy_file_fails_reload_and_keeps_the_old_configuration)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *out = NULL, *err = NULL, *s;
        const struct jv *f;
        struct jv *v;

        tl_write(root, "etc/irqbald/policy.d/50-pack.conf", "[Daemon]\nPolicy=pack\n");
        ck_assert_int_eq(ctl(&out, &err, "reload"), 0);
        g_free(out), g_free(err);
        s = get_s("Policy");
        ck_assert_str_eq(s, "pack");
        free(s);
        ck_assert_int_eq(ctl(&out, &err, "check-config"), 0);
        ck_assert_str_eq(out, "No problems found in 1 file.\n");
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--json=short", "check-config"), 0);
        ck_assert_str_eq(out, "{\"ok\":true,\"findings\":[]}\n");
        g_free(out), g_free(err);

        /* Taken half, this file would switch the policy and ban IRQ 40; line 9 is wrong. */
        tl_write(root, "etc/irqbald/policy.d/60-bad.conf",
                 "[Daemon]\nPolicy=balanced\n\n[Match]\nIrq=40\n\n[Placement]\nBan=yes\nCPUs=two\n");
        ck_assert_int_eq(ctl(&out, &err, "reload"), 1);
        ck_assert_msg(g_str_has_prefix(err, "Reload failed; the old configuration stays in force:\n") &&
                      strstr(err, "\n/etc/irqbald/policy.d/60-bad.conf:9: error: ") &&
                      !strstr(err, "\n\n") && err[strlen(err) - 1] == '\n', "%s", err);
        g_free(out), g_free(err);
        ck_assert(!call(&error, "Reload", NULL));
        ck_assert_str_eq(error.name, BUS_ERROR_INVALID_CONFIG);
        ck_assert_msg(g_str_has_prefix(error.message, "Reload failed; the old configuration stays "
                                       "in force:\n") &&
                      strstr(error.message, "60-bad.conf:9: error: "), "%s", error.message);
        sd_bus_error_free(&error);

        /* The old configuration, whole: the policy, the files, the behaviour. */
        s = get_s("Policy");
        ck_assert_str_eq(s, "pack");
        free(s);
        s = only_config_file();
        ck_assert_str_eq(s, "/etc/irqbald/policy.d/50-pack.conf");
        g_free(s);
        tl_write(root, "proc/irq/40/smp_affinity_list", "0-3\n");
        run_cycle();
        assert_irq_state(40, "balanced");
        s = root_file("proc/irq/40/smp_affinity_list");
        ck_assert_msg(strlen(g_strstrip(s)) == 1, "IRQ 40 not placed: %s", s);
        g_free(s);

        ck_assert_int_eq(ctl(&out, &err, "check-config"), 1);
        ck_assert_msg(strstr(out, "/etc/irqbald/policy.d/60-bad.conf:9: error: ") &&
                      strstr(out, "irqbald would refuse this configuration.\n"), "%s", out);
        g_free(out), g_free(err);
        ck_assert_int_eq(ctl(&out, &err, "--json=short", "check-config"), 1);
        v = parse_json(out);
        ck_assert(!jv_bool(jv_get(v, "ok")));
        ck_assert_uint_ge(jv_len(jv_get(v, "findings")), 1);
        f = NULL;
        for (size_t i = 0; i < jv_len(jv_get(v, "findings")); i++) {
                const struct jv *x = jv_at(jv_get(v, "findings"), i);

                if (!strcmp(jv_str(jv_get(x, "severity")), "error"))
                        f = x;
        }
        ck_assert_msg(f, "no error in %s", out);
        ck_assert_str_eq(jv_str(jv_get(f, "file")), "/etc/irqbald/policy.d/60-bad.conf");
        ck_assert_int_eq(jv_int(jv_get(f, "line")), 9);
        ck_assert_str_ne(jv_str(jv_get(f, "message")), "");
        jv_free(v);
        g_free(out), g_free(err);

        /* A change while the files are bad is refused whole, its file put back. */
        ck_assert_int_eq(ctl(&out, &err, "ban-irq", "41"), 1);
        ck_assert_msg(g_str_has_prefix(err, "Banning IRQ 41 failed; the old configuration stays "
                                       "in force:\n") && strstr(err, "60-bad.conf:9: error: "),
                      "%s", err);
        g_free(out), g_free(err);
        ck_assert_ptr_null(root_file(RUNTIME_BANNED_IRQS));
        ck_assert(!call(&error, "SetPolicy", "s", "numa-local"));
        ck_assert_str_eq(error.name, BUS_ERROR_INVALID_CONFIG);
        sd_bus_error_free(&error);
        ck_assert_ptr_null(root_file("run/irqbald/policy.d/95-irqbalctl-policy.conf"));
        s = get_s("Policy");
        ck_assert_str_eq(s, "pack");
        free(s);

        /* Mended: the reload takes it. */
        tl_write(root, "etc/irqbald/policy.d/60-bad.conf",
                 "[Daemon]\nPolicy=balanced\n\n[Match]\nIrq=40\n\n[Placement]\nBan=yes\nCPUs=2\n");
        ck_assert_int_eq(ctl(&out, &err, "reload"), 0);
        g_free(out), g_free(err);
        s = get_s("Policy");
        ck_assert_str_eq(s, "balanced");
        free(s);
}
END_TEST

START_TEST(the_command_line_wins_over_set_policy_and_ban_cpus)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *out = NULL, *err = NULL, *s;

        restart_daemon((const char *const[]) { "--policy=pack", "--ban-cpus=3", NULL });
        s = get_s("Policy");
        ck_assert_str_eq(s, "pack");
        free(s);
        for (int ex = 0; ex < 2; ex++) {
                ck_assert(ex ? !call(&error, "SetPolicyEx", "sb", "balanced", 1)
                             : !call(&error, "SetPolicy", "s", "balanced"));
                ck_assert_str_eq(error.name, BUS_ERROR_OVERRIDDEN_BY_COMMAND_LINE);
                ck_assert_msg(strstr(error.message, "started with --policy") &&
                              strstr(error.message, "(ExecStart=)"), "%s", error.message);
                sd_bus_error_free(&error);
        }
        ck_assert(!call(&error, "BanCPUs", "sb", "2", 0));
        ck_assert_str_eq(error.name, BUS_ERROR_OVERRIDDEN_BY_COMMAND_LINE);
        ck_assert_msg(strstr(error.message, "started with --ban-cpus"), "%s", error.message);
        sd_bus_error_free(&error);
        ck_assert_int_eq(ctl(&out, &err, "set-policy", "balanced"), 1);
        ck_assert_str_eq(err, "Failed to set the policy: irqbald was started with --policy, which "
                         "wins over policy files; remove it from the command line (ExecStart=) to "
                         "change this at runtime.\n");
        g_free(out), g_free(err);
        s = get_s("Policy");
        ck_assert_str_eq(s, "pack");
        free(s);
        s = get_s("BannedCPUs");
        ck_assert_str_eq(s, "3");
        free(s);
        ck_assert_ptr_null(root_file("run/irqbald/policy.d/95-irqbalctl-policy.conf"));
        ck_assert_ptr_null(root_file("etc/irqbald/policy.d/90-irqbalctl-policy.conf"));
        ck_assert_ptr_null(root_file(RUNTIME_BANNED_CPUS));
        /* What the command line does not set stays changeable. */
        sd_bus_message_unref(call_ok("BanIrq", "ub", 40, 0));
}
END_TEST

START_TEST(without_a_system_bus_the_daemon_says_so_once_and_balances)
{
        char *path = tl_irq_file(root, 40, "smp_affinity_list"), *log = NULL, *mask;

        stop(&daemon_pid);
        tl_write(root, "proc/irq/40/smp_affinity_list", "0-3\n");
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/irqbald-test-bus", 1);
        spawn_daemon(NULL);
        for (int i = 0; i < 200; i++) {
                g_free(log);
                log = daemon_log();
                if (strstr(log, "started"))
                        break;
                sleep_ms(50);
        }
        ck_assert_msg(strstr(log, "started"), "irqbald did not start without a bus:\n%s", log);
        ck_assert_msg(strstr(log, "No system bus") && strstr(log, "running without D-Bus"), "%s", log);
        ck_assert_msg(strstr(log, "No system bus") == g_strrstr(log, "No system bus"), "%s", log);
        mask = tl_read(path);
        ck_assert_msg(strlen(mask) == 1, "IRQ 40 not placed: %s", mask);
        g_free(mask);
        g_free(log);
        g_free(path);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("bus");
        TCase *tc = tcase_create("bus");

        char *dbus_daemon = g_find_program_in_path("dbus-daemon");

        tcase_set_timeout(tc, 120);
        tcase_add_checked_fixture(tc, setup, teardown);
        suite_add_tcase(s, tc);
        if (!dbus_daemon) {
                fprintf(stderr, "# dbus-daemon is not installed: no D-Bus tests.\n");
                return s;
        }
        g_free(dbus_daemon);
        tcase_add_test(tc, every_property_has_its_value_and_type);
        tcase_add_test(tc, one_properties_changed_per_cycle_from_sigusr1_and_rebalance);
        tcase_add_test(tc, list_irqs_cpus_topology_explain_and_plan);
        tcase_add_test(tc, plan_previews_without_writing);
        tcase_add_test(tc, set_policy_and_interval_and_refuse_bad_arguments);
        /* Becoming nobody takes root. */
        if (geteuid() == 0)
                tcase_add_test(tc, a_caller_that_is_not_root_reads_but_cannot_change);
        tcase_add_test(tc, log_control_reads_and_sets_level_and_target);
        if (geteuid() == 0)
                tcase_add_test(tc, polkit_decides_for_callers_that_are_not_root);
        tcase_add_test(tc, checked_in_introspection_matches_the_live_one);
        tcase_add_test(tc, irqbalctl_verbs_in_text_and_json);
        tcase_add_test(tc, irqbalctl_pages_on_a_terminal_only);
        tcase_add_test(tc, irqbalctl_permission_denied_and_not_running);
        tcase_add_test(tc, an_irq_the_kernel_placed_waits_for_its_load);
        tcase_add_test(tc, irqbalctl_plan_tells_moves_from_narrowed_masks);
        tcase_add_test(tc, ban_irq_and_unban_irq_write_irqbalctls_dropin);
        tcase_add_test(tc, ban_irq_on_an_irq_that_does_not_exist_is_refused);
        tcase_add_test(tc, unban_irq_names_the_file_that_still_bans_it);
        tcase_add_test(tc, ban_cpus_writes_banned_cpus_and_the_property_follows);
        tcase_add_test(tc, a_bad_policy_file_fails_reload_and_keeps_the_old_configuration);
        tcase_add_test(tc, the_command_line_wins_over_set_policy_and_ban_cpus);
        tcase_add_test(tc, without_a_system_bus_the_daemon_says_so_once_and_balances);
        return s;
}
