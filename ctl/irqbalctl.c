/* SPDX-License-Identifier: GPL-2.0-or-later */
/* irqbalctl: asks irqbald over D-Bus (io.github.irqbald1, data/io.github.irqbald1.xml)
 * and prints the answer for a person or as JSON. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "irqbal/bus.h"
#include "irqbal/config.h"
#include "irqbal/cpuset.h"
#include "irqbal/json.h"
#include "irqbal/policy.h"
#include "output.h"
#include "pager.h"

/* Exit codes (irqbalctl(1)). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3
#define EXIT_DENIED 4

struct ctl {
        enum json_mode json;
        bool legend;
        bool pager;             /* --no-pager turns it off */
        bool persistent;        /* --persistent: changes go to /etc, not /run */
        sd_bus *bus;
};

/* Width of the bar in `irqbalctl cpus`. */
#define BAR_WIDTH 20

static int connect_bus(struct ctl *c)
{
        int r;

        if (c->bus)
                return EXIT_OK;
        r = sd_bus_open_system(&c->bus);
        if (r < 0) {
                fprintf(stderr, "irqbald is not running: no system bus (%s).\n", strerror(-r));
                return EXIT_NOT_RUNNING;
        }
        return EXIT_OK;
}

/* irqbalctl's persistent banned-irqs drop-in (manager.h names them). */
#define PERSISTENT_BANNED_IRQS CONFIG_PERSISTENT_DIR "/90-irqbalctl-banned-irqs.conf"

/* The daemon's message without its trailing newline (findings end in one). */
static int message_len(const char *s)
{
        size_t n = strlen(s);

        while (n > 0 && s[n - 1] == '\n')
                n--;
        return (int) n;
}

/* Maps a failed call to an exit code with a one-line reason; InvalidConfig says more:
 * one line per finding in the policy files. */
static int call_failed(const char *what, const sd_bus_error *e, int r)
{
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                   SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_DISCONNECTED) ||
            (!sd_bus_error_is_set(e) && (r == -ENOTCONN || r == -ECONNRESET || r == -ENOENT ||
                                         r == -ECONNREFUSED))) {
                fprintf(stderr, "irqbald is not running: nobody owns %s on the system bus "
                        "(start it with systemctl start irqbald).\n", BUS_NAME);
                return EXIT_NOT_RUNNING;
        }
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) || r == -EACCES || r == -EPERM) {
                fprintf(stderr, "Permission denied: %s\n",
                        e->message ? e->message : "run irqbalctl as root to change irqbald.");
                return EXIT_DENIED;
        }
        /* Its message already says what failed, and lists the findings. */
        if (sd_bus_error_has_name(e, BUS_ERROR_INVALID_CONFIG) && e->message) {
                fprintf(stderr, "%.*s\n", message_len(e->message), e->message);
                return EXIT_FAIL;
        }
        if (e->message)
                fprintf(stderr, "Failed to %s: %.*s\n", what, message_len(e->message), e->message);
        else
                fprintf(stderr, "Failed to %s: %s\n", what, strerror(-r));
        /* The other file may be irqbalctl's own persistent one: say how to change it. */
        if (sd_bus_error_has_name(e, BUS_ERROR_STILL_BANNED) && e->message &&
            strstr(e->message, PERSISTENT_BANNED_IRQS ":"))
                fprintf(stderr, "%s is irqbalctl's persistent ban: irqbalctl --persistent "
                        "unban-irq lifts it.\n", PERSISTENT_BANNED_IRQS);
        return EXIT_FAIL;
}

/* Calls METHOD on the Manager; *RET_REPLY gets the reply. */
static int call(struct ctl *c, const char *what, const char *method, sd_bus_message **ret_reply,
                const char *types, ...)
{
        sd_bus_message *msg = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        va_list ap;
        int r, ret;

        ret = connect_bus(c);
        if (ret != EXIT_OK)
                return ret;
        r = sd_bus_message_new_method_call(c->bus, &msg, BUS_NAME, BUS_PATH, BUS_INTERFACE, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(c->bus, msg, 0, &error, ret_reply);
        sd_bus_message_unref(msg);
        ret = r < 0 ? call_failed(what, &error, r) : EXIT_OK;
        sd_bus_error_free(&error);
        return ret;
}

static int parse_failed(int r)
{
        fprintf(stderr, "Failed to parse irqbald's reply: %s; is irqbalctl the same version as "
                "irqbald?\n", strerror(-r));
        return EXIT_FAIL;
}

static void print_json(GString *s)
{
        fputs(s->str, stdout);
        fputc('\n', stdout);
}

static void json_start(const struct ctl *c, struct json_writer *w, GString *s)
{
        json_writer_init(w, s, c->json == JSON_PRETTY);
}

/* "" and -1 are "none" on the bus; null in JSON. */
static void json_str_or_null(struct json_writer *w, const char *s)
{
        if (s && *s)
                json_string(w, s);
        else
                json_null(w);
}

static void json_int_or_null(struct json_writer *w, int v)
{
        if (v >= 0)
                json_int(w, v);
        else
                json_null(w);
}

/* The comma-separated ban reasons as a JSON array. */
static void json_reasons(struct json_writer *w, const char *reasons)
{
        char **v = g_strsplit(reasons, ",", -1);

        json_begin_array(w);
        for (char **p = v; *p; p++)
                if (**p)
                        json_string(w, *p);
        json_end_array(w);
        g_strfreev(v);
}

/* ---- status ---------------------------------------------------------------------- */

struct status {
        char *version, *policy, *state, *usable, *banned;
        uint64_t interval, cycles, last_usec, last_ts, moves, failed;
        uint32_t irqs, movable, unmovable, measuring;
        double peak;
};

static int read_status(sd_bus_message *reply, struct status *s)
{
        const char *name;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *str = NULL;
                char **dst = NULL;
                uint64_t *t = NULL;
                uint32_t *u = NULL;

                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        break;
#define S(n, f) else if (strcmp(name, n) == 0) dst = &s->f
#define T(n, f) else if (strcmp(name, n) == 0) t = &s->f
#define U(n, f) else if (strcmp(name, n) == 0) u = &s->f
                if (0) {}
                S("Version", version); S("Policy", policy); S("State", state);
                S("UsableCPUs", usable); S("BannedCPUs", banned);
                T("IntervalUSec", interval); T("Cycles", cycles); T("LastCycleUSec", last_usec);
                T("LastCycleTimestamp", last_ts); T("Moves", moves); T("FailedMoves", failed);
                U("Irqs", irqs); U("MovableIrqs", movable); U("UnmovableIrqs", unmovable);
                U("MeasuringIrqs", measuring);
#undef S
#undef T
#undef U
                if (dst) {
                        r = sd_bus_message_read(reply, "v", "s", &str);
                        if (r >= 0)
                                *dst = g_strdup(str);
                } else if (t)
                        r = sd_bus_message_read(reply, "v", "t", t);
                else if (u)
                        r = sd_bus_message_read(reply, "v", "u", u);
                else if (strcmp(name, "PeakLoad") == 0)
                        r = sd_bus_message_read(reply, "v", "d", &s->peak);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0 && (!s->version || !s->policy || !s->state || !s->usable || !s->banned))
                r = -EBADMSG;
        return r;
}

static void status_done(struct status *s)
{
        g_free(s->version);
        g_free(s->policy);
        g_free(s->state);
        g_free(s->usable);
        g_free(s->banned);
}

static void print_status_json(const struct ctl *c, const struct status *s)
{
        GString *out = g_string_new(NULL);
        struct json_writer w;

        json_start(c, &w, out);
        json_begin_object(&w);
        json_key(&w, "version");            json_string(&w, s->version);
        json_key(&w, "state");              json_string(&w, s->state);
        json_key(&w, "policy");             json_string(&w, s->policy);
        json_key(&w, "interval_usec");      json_uint(&w, s->interval);
        json_key(&w, "cycles");             json_uint(&w, s->cycles);
        json_key(&w, "last_cycle_usec");    json_uint(&w, s->last_usec);
        json_key(&w, "last_cycle_timestamp"); json_uint(&w, s->last_ts);
        json_key(&w, "irqs");               json_uint(&w, s->irqs);
        json_key(&w, "movable_irqs");       json_uint(&w, s->movable);
        json_key(&w, "unmovable_irqs");     json_uint(&w, s->unmovable);
        json_key(&w, "measuring_irqs");     json_uint(&w, s->measuring);
        json_key(&w, "usable_cpus");        json_string(&w, s->usable);
        json_key(&w, "banned_cpus");        json_string(&w, s->banned);
        json_key(&w, "moves");              json_uint(&w, s->moves);
        json_key(&w, "failed_moves");       json_uint(&w, s->failed);
        json_key(&w, "peak_load");          json_double(&w, s->peak);
        json_end_object(&w);
        print_json(out);
        g_string_free(out, TRUE);
}

static void print_status_text(const struct status *s)
{
        /* Measuring IRQs are among the unmovable ones on the bus; said apart here. */
        uint32_t measuring = s->measuring <= s->unmovable ? s->measuring : 0;
        char when[64] = "never";

        if (s->last_ts) {
                time_t t = (time_t) (s->last_ts / 1000000);
                struct tm tm;

                if (localtime_r(&t, &tm))
                        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
        }
        printf("irqbald %s: %s\n", s->version, s->state);
        printf("     Policy: %s, every %g s\n", s->policy, (double) s->interval / 1e6);
        printf("     Cycles: %" PRIu64 ", the last at %s took %.1f ms\n", s->cycles, when,
               (double) s->last_usec / 1e3);
        printf("       IRQs: %" PRIu32 " (%" PRIu32 " balanced, ", s->irqs, s->movable);
        if (measuring)
                printf("%" PRIu32 " measuring, ", measuring);
        printf("%" PRIu32 " left alone)\n", s->unmovable - measuring);
        printf("       CPUs: usable %s, not usable %s\n", *s->usable ? s->usable : "none",
               *s->banned ? s->banned : "none");
        /* Affinity writes: a mask narrowed to the CPU an IRQ runs on counts, though
         * nothing moved (the Moves property). */
        printf("     Writes: %" PRIu64 " (%" PRIu64 " failed)\n", s->moves, s->failed);
        printf("  Peak load: %.3f of a CPU\n", s->peak);
}

static int verb_status(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct status s = {};
        int r, ret;

        ret = connect_bus(c);
        if (ret != EXIT_OK)
                return ret;
        r = sd_bus_call_method(c->bus, BUS_NAME, BUS_PATH, "org.freedesktop.DBus.Properties",
                               "GetAll", &error, &reply, "s", BUS_INTERFACE);
        if (r < 0) {
                ret = call_failed("read irqbald's status", &error, r);
                sd_bus_error_free(&error);
                return ret;
        }
        r = read_status(reply, &s);
        sd_bus_message_unref(reply);
        if (r < 0) {
                status_done(&s);
                return parse_failed(r);
        }
        if (c->json != JSON_OFF)
                print_status_json(c, &s);
        else
                print_status_text(&s);
        status_done(&s);
        return EXIT_OK;
}

/* ---- irqs ------------------------------------------------------------------------ */

struct irq_row {
        uint32_t irq;
        const char *name, *device, *driver, *class, *reason, *affinity, *effective, *state;
        int32_t node;
        int movable;
        double rate, load;
};

/* The next row of ListIrqs' array: > 0, 0 at its end, or -errno. */
static int read_irq_row(sd_bus_message *reply, struct irq_row *i)
{
        return sd_bus_message_read(reply, "(ussssibsssdds)", &i->irq, &i->name, &i->device,
                                   &i->driver, &i->class, &i->node, &i->movable, &i->reason,
                                   &i->affinity, &i->effective, &i->rate, &i->load, &i->state);
}

static int verb_irqs(struct ctl *c, int argc, char **argv)
{
        static const char *const headers[] = {
                "IRQ", "NAME", "DEVICE", "NODE", "CPUS", "RATE/s", "LOAD", "STATE",
        };
        sd_bus_message *reply = NULL;
        struct table *t = table_new(ELEMENTSOF(headers), headers, "10011110");
        GString *out = g_string_new(NULL);
        struct json_writer w;
        struct irq_row i;
        int r, ret;

        ret = call(c, "list the IRQs", "ListIrqs", &reply, NULL);
        if (ret != EXIT_OK)
                goto finish;
        json_start(c, &w, out);
        json_begin_array(&w);
        r = sd_bus_message_enter_container(reply, 'a', "(ussssibsssdds)");
        while (r >= 0 && (r = read_irq_row(reply, &i)) > 0) {
                json_begin_object(&w);
                json_key(&w, "irq");            json_uint(&w, i.irq);
                json_key(&w, "name");           json_string(&w, i.name);
                json_key(&w, "device");         json_str_or_null(&w, i.device);
                json_key(&w, "driver");         json_str_or_null(&w, i.driver);
                json_key(&w, "class");          json_string(&w, i.class);
                json_key(&w, "node");           json_int_or_null(&w, i.node);
                json_key(&w, "movable");        json_bool(&w, i.movable);
                json_key(&w, "reason");         json_str_or_null(&w, i.reason);
                json_key(&w, "affinity");       json_string(&w, i.affinity);
                json_key(&w, "effective");      json_str_or_null(&w, i.effective);
                json_key(&w, "rate");           json_double(&w, i.rate);
                json_key(&w, "load");           json_double(&w, i.load);
                json_key(&w, "state");          json_string(&w, i.state);
                json_end_object(&w);

                table_add(t, "%" PRIu32, i.irq);
                table_add(t, "%s", *i.name ? i.name : "-");
                table_add(t, "%s", *i.device ? i.device : "-");
                if (i.node >= 0)
                        table_add(t, "%" PRIi32, i.node);
                else
                        table_add(t, "-");
                table_add(t, "%s", *i.effective ? i.effective : i.affinity);
                table_add(t, "%.1f", i.rate);
                table_add(t, "%.4f", i.load);
                /* "banned by FILE:LINE (Ban=yes)" already starts with the state. */
                if (g_str_has_prefix(i.reason, i.state) && i.reason[strlen(i.state)] == ' ')
                        table_add(t, "%s", i.reason);
                else
                        table_add(t, "%s%s%s%s", i.state, *i.reason ? " (" : "", i.reason,
                                  *i.reason ? ")" : "");
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        json_end_array(&w);
        if (r < 0) {
                ret = parse_failed(r);
                goto finish;
        }
        if (c->json != JSON_OFF)
                print_json(out);
        else
                table_print(t, c->legend, stdout);
finish:
        sd_bus_message_unref(reply);
        table_free(t);
        g_string_free(out, TRUE);
        return ret;
}

/* ---- cpus ------------------------------------------------------------------------ */

struct cpu_row {
        uint32_t cpu;
        int32_t node, package, core;
        double load;
        GArray *irqs;   /* uint32_t */
        char *bans;
};

static void cpu_rows_free(GArray *rows)
{
        for (size_t i = 0; i < rows->len; i++) {
                struct cpu_row *row = &g_array_index(rows, struct cpu_row, i);

                g_array_unref(row->irqs);
                g_free(row->bans);
        }
        g_array_unref(rows);
}

static int read_cpus(sd_bus_message *reply, GArray *rows)
{
        int r = sd_bus_message_enter_container(reply, 'a', "(uiiidaus)");

        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "uiiidaus")) > 0) {
                struct cpu_row row = { .irqs = g_array_new(FALSE, FALSE, sizeof(uint32_t)) };
                const char *bans = "";
                uint32_t irq;

                r = sd_bus_message_read(reply, "uiiid", &row.cpu, &row.node, &row.package,
                                        &row.core, &row.load);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "u");
                while (r >= 0 && (r = sd_bus_message_read(reply, "u", &irq)) > 0)
                        g_array_append_val(row.irqs, irq);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &bans);
                row.bans = g_strdup(bans);
                g_array_append_val(rows, row);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r;
}

static int cmp_cpu_rows(const void *a, const void *b)
{
        const struct cpu_row *x = a, *y = b;

        if (x->node != y->node)
                return x->node < y->node ? -1 : 1;
        if (x->package != y->package)
                return x->package < y->package ? -1 : 1;
        return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

static char *irq_list(const GArray *irqs)
{
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < irqs->len; i++)
                g_string_append_printf(s, "%s%" PRIu32, i ? "," : "", g_array_index(irqs, uint32_t, i));
        if (!irqs->len)
                g_string_append_c(s, '-');
        return g_string_free(s, FALSE);
}

static void print_cpus_json(const struct ctl *c, GArray *rows)
{
        GString *out = g_string_new(NULL);
        struct json_writer w;

        json_start(c, &w, out);
        json_begin_array(&w);
        for (size_t i = 0; i < rows->len; i++) {
                const struct cpu_row *row = &g_array_index(rows, struct cpu_row, i);

                json_begin_object(&w);
                json_key(&w, "cpu");            json_uint(&w, row->cpu);
                json_key(&w, "node");           json_int_or_null(&w, row->node);
                json_key(&w, "package");        json_int_or_null(&w, row->package);
                json_key(&w, "core");           json_int_or_null(&w, row->core);
                json_key(&w, "load");           json_double(&w, row->load);
                json_key(&w, "irqs");
                json_begin_array(&w);
                for (size_t j = 0; j < row->irqs->len; j++)
                        json_uint(&w, g_array_index(row->irqs, uint32_t, j));
                json_end_array(&w);
                json_key(&w, "bans");
                json_reasons(&w, row->bans);
                json_end_object(&w);
        }
        json_end_array(&w);
        print_json(out);
        g_string_free(out, TRUE);
}

/* Grouped by node and package; the bar is relative to the busiest CPU. */
static void print_cpus_text(const struct ctl *c, GArray *rows)
{
        static const char *const headers[] = { "CPU", "LOAD", "", "IRQS", "NOTE" };
        double peak = 0;

        for (size_t i = 0; i < rows->len; i++)
                peak = fmax(peak, g_array_index(rows, struct cpu_row, i).load);
        for (size_t i = 0; i < rows->len;) {
                const struct cpu_row *first = &g_array_index(rows, struct cpu_row, i);
                struct table *t = table_new(ELEMENTSOF(headers), headers, "11000");
                char node[16] = "-", package[16] = "-";

                if (first->node >= 0)
                        snprintf(node, sizeof(node), "%" PRIi32, first->node);
                if (first->package >= 0)
                        snprintf(package, sizeof(package), "%" PRIi32, first->package);
                if (first->package >= 0)
                        printf("%sNode %s, package %s:\n", i ? "\n" : "", node, package);
                else
                        printf("%sNode %s:\n", i ? "\n" : "", node);
                for (; i < rows->len; i++) {
                        const struct cpu_row *row = &g_array_index(rows, struct cpu_row, i);
                        char *bar, *list;

                        if (row->node != first->node || row->package != first->package)
                                break;
                        bar = load_bar(peak > 0 ? row->load / peak : 0, BAR_WIDTH);
                        list = irq_list(row->irqs);
                        table_add(t, "%" PRIu32, row->cpu);
                        table_add(t, "%.4f", row->load);
                        table_add(t, "%s", bar);
                        table_add(t, "%s", list);
                        table_add(t, "%s%s", *row->bans ? "not usable: " : "", row->bans);
                        g_free(bar);
                        g_free(list);
                }
                table_print(t, c->legend, stdout);
                table_free(t);
        }
        if (c->legend)
                printf("\nLoads are shares of one CPU under the current plan; bars are "
                       "relative to the busiest CPU (%.4f).\n", peak);
}

static int verb_cpus(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct cpu_row));
        int r, ret;

        ret = call(c, "list the CPUs", "ListCPUs", &reply, NULL);
        if (ret == EXIT_OK) {
                r = read_cpus(reply, rows);
                if (r < 0)
                        ret = parse_failed(r);
        }
        sd_bus_message_unref(reply);
        if (ret == EXIT_OK) {
                g_array_sort(rows, cmp_cpu_rows);
                if (c->json != JSON_OFF)
                        print_cpus_json(c, rows);
                else
                        print_cpus_text(c, rows);
        }
        cpu_rows_free(rows);
        return ret;
}

/* ---- topology -------------------------------------------------------------------- */

static int verb_topology(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        GString *out = g_string_new(NULL), *text = g_string_new(NULL);
        struct json_writer w;
        const char *set, *usable = "";
        int32_t id, package, node;
        uint32_t cpu;
        int r, ret;

        ret = call(c, "read the topology", "GetTopology", &reply, NULL);
        if (ret != EXIT_OK)
                goto finish;
        json_start(c, &w, out);
        json_begin_object(&w);
        for (int k = 0; k < 2; k++) {
                json_key(&w, k == 0 ? "nodes" : "packages");
                json_begin_array(&w);
                r = sd_bus_message_enter_container(reply, 'a', "(is)");
                while (r >= 0 && (r = sd_bus_message_read(reply, "(is)", &id, &set)) > 0) {
                        json_begin_object(&w);
                        json_key(&w, "id");     json_int_or_null(&w, id);
                        json_key(&w, "cpus");   json_string(&w, set);
                        json_end_object(&w);
                        if (id >= 0)
                                g_string_append_printf(text, "%s %" PRIi32 ": CPUs %s\n",
                                                       k == 0 ? "Node" : "Package", id, set);
                        else
                                g_string_append_printf(text, "%s ?: CPUs %s\n",
                                                       k == 0 ? "Node" : "Package", set);
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                json_end_array(&w);
                if (r < 0)
                        goto fail;
        }
        json_key(&w, "cores");
        json_begin_array(&w);
        r = sd_bus_message_enter_container(reply, 'a', "(iiis)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(iiis)", &package, &node, &id, &set)) > 0) {
                json_begin_object(&w);
                json_key(&w, "package");        json_int_or_null(&w, package);
                json_key(&w, "node");           json_int_or_null(&w, node);
                json_key(&w, "id");             json_int_or_null(&w, id);
                json_key(&w, "pus");            json_string(&w, set);
                json_end_object(&w);
                g_string_append_printf(text, "Core %" PRIi32 " (package %" PRIi32 ", node %" PRIi32
                                       "): CPUs %s\n", id, package, node, set);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        json_end_array(&w);
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &usable);
        if (r < 0)
                goto fail;
        json_key(&w, "usable_cpus");
        json_string(&w, usable);
        g_string_append_printf(text, "Usable CPUs: %s\n", *usable ? usable : "none");
        json_key(&w, "banned_cpus");
        json_begin_array(&w);
        r = sd_bus_message_enter_container(reply, 'a', "(us)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(us)", &cpu, &set)) > 0) {
                json_begin_object(&w);
                json_key(&w, "cpu");            json_uint(&w, cpu);
                json_key(&w, "reasons");        json_reasons(&w, set);
                json_end_object(&w);
                g_string_append_printf(text, "Not usable: CPU %" PRIu32 " (%s)\n", cpu, set);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        json_end_array(&w);
        json_end_object(&w);
        if (r < 0)
                goto fail;
        if (c->json != JSON_OFF)
                print_json(out);
        else
                fputs(text->str, stdout);
        goto finish;
fail:
        ret = parse_failed(r);
finish:
        sd_bus_message_unref(reply);
        g_string_free(out, TRUE);
        g_string_free(text, TRUE);
        return ret;
}

/* ---- explain, plan --------------------------------------------------------------- */

static int parse_irq(const char *s, uint32_t *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (!*s || *end || errno || v > UINT32_MAX || s[0] == '-') {
                fprintf(stderr, "Not an IRQ number: '%s'; give the number from "
                        "/proc/interrupts or irqbalctl irqs.\n", s);
                return EXIT_USAGE;
        }
        *ret = (uint32_t) v;
        return EXIT_OK;
}

static int verb_explain(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        const char *text;
        uint32_t irq;
        int r, ret = parse_irq(argv[1], &irq);

        if (ret != EXIT_OK)
                return ret;
        ret = call(c, "explain the IRQ", "Explain", &reply, "u", irq);
        if (ret != EXIT_OK)
                return ret;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                ret = parse_failed(r);
        else if (c->json != JSON_OFF) {
                GString *out = g_string_new(NULL);
                struct json_writer w;

                json_start(c, &w, out);
                json_begin_object(&w);
                json_key(&w, "irq");    json_uint(&w, irq);
                json_key(&w, "text");   json_string(&w, text);
                json_end_object(&w);
                print_json(out);
                g_string_free(out, TRUE);
        } else
                fputs(text, stdout);
        sd_bus_message_unref(reply);
        return ret;
}

/* IRQ number → the CPUs it runs on (ListIrqs' effective affinity, when the kernel
 * tells it), to tell a planned move from a mask narrowed around the CPU it runs on. */
static int read_running_cpus(struct ctl *c, GHashTable **ret_running)
{
        GHashTable *running = g_hash_table_new_full(NULL, NULL, NULL, g_free);
        sd_bus_message *reply = NULL;
        struct irq_row i;
        int r, ret;

        ret = call(c, "list the IRQs", "ListIrqs", &reply, NULL);
        if (ret != EXIT_OK)
                goto finish;
        r = sd_bus_message_enter_container(reply, 'a', "(ussssibsssdds)");
        while (r >= 0 && (r = read_irq_row(reply, &i)) > 0)
                if (*i.effective)
                        g_hash_table_insert(running, GUINT_TO_POINTER(i.irq), g_strdup(i.effective));
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                ret = parse_failed(r);
finish:
        sd_bus_message_unref(reply);
        if (ret == EXIT_OK)
                *ret_running = running;
        else
                g_hash_table_unref(running);
        return ret;
}

/* Whether an IRQ running on RUNNING stays there when its mask becomes TO: the kernel
 * keeps an interrupt on its CPU while that CPU is in the mask (irq_stays_on_its_cpu()). */
static bool stays_on_its_cpu(const char *running, const char *to)
{
        hwloc_bitmap_t on = hwloc_bitmap_alloc(), dest = hwloc_bitmap_alloc();
        bool stays = running && on && dest && cpulist_parse(running, on) >= 0 &&
                     cpulist_parse(to, dest) >= 0 && !hwloc_bitmap_iszero(on) &&
                     hwloc_bitmap_isincluded(on, dest);

        hwloc_bitmap_free(on);
        hwloc_bitmap_free(dest);
        return stays;
}

static int verb_plan(struct ctl *c, int argc, char **argv)
{
        static const char *const headers[] = { "IRQ", "NAME", "FROM", "RUNS ON", "TO", "REASON" };
        sd_bus_message *reply = NULL;
        struct table *t = table_new(ELEMENTSOF(headers), headers, "100000");
        GString *out = g_string_new(NULL);
        GHashTable *running = NULL;
        struct json_writer w;
        const char *name, *from, *to, *reason;
        uint32_t irq;
        unsigned moves = 0, narrowed = 0;
        int r, ret;

        ret = call(c, "preview the plan", "Plan", &reply, NULL);
        if (ret != EXIT_OK)
                goto finish;
        ret = read_running_cpus(c, &running);
        if (ret != EXIT_OK)
                goto finish;
        json_start(c, &w, out);
        json_begin_array(&w);
        r = sd_bus_message_enter_container(reply, 'a', "(ussss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ussss)", &irq, &name, &from, &to, &reason)) > 0) {
                const char *on = g_hash_table_lookup(running, GUINT_TO_POINTER(irq));
                bool stays = stays_on_its_cpu(on, to);

                json_begin_object(&w);
                json_key(&w, "irq");     json_uint(&w, irq);
                json_key(&w, "name");    json_string(&w, name);
                json_key(&w, "from");    json_string(&w, from);
                json_key(&w, "runs_on"); json_str_or_null(&w, on);
                json_key(&w, "to");      json_string(&w, to);
                json_key(&w, "moves");   json_bool(&w, !stays);
                json_key(&w, "reason");  json_string(&w, reason);
                json_end_object(&w);
                table_add(t, "%" PRIu32, irq);
                table_add(t, "%s", *name ? name : "-");
                table_add(t, "%s", from);
                table_add(t, "%s", on ? on : "-");
                table_add(t, "%s", to);
                table_add(t, "%s", reason);
                if (stays)
                        narrowed++;
                else
                        moves++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        json_end_array(&w);
        if (r < 0) {
                ret = parse_failed(r);
                goto finish;
        }
        if (c->json != JSON_OFF)
                print_json(out);
        else {
                if (moves + narrowed)
                        table_print(t, c->legend, stdout);
                if (c->legend) {
                        printf("%s%u move%s planned for the next cycle", moves + narrowed ? "\n" : "",
                               moves, moves == 1 ? "" : "s");
                        if (narrowed)
                                printf("; %u IRQ%s keep%s %s CPU, with a narrower mask", narrowed,
                                       narrowed == 1 ? "" : "s", narrowed == 1 ? "s" : "",
                                       narrowed == 1 ? "its" : "their");
                        printf(".\n");
                }
        }
finish:
        sd_bus_message_unref(reply);
        if (running)
                g_hash_table_unref(running);
        table_free(t);
        g_string_free(out, TRUE);
        return ret;
}

/* ---- actions --------------------------------------------------------------------- */

/* In JSON mode an action prints one object with what it did. */
static void print_action_json(const struct ctl *c, const char *key, const char *s, uint64_t u)
{
        GString *out = g_string_new(NULL);
        struct json_writer w;

        json_start(c, &w, out);
        json_begin_object(&w);
        if (key) {
                json_key(&w, key);
                if (s)
                        json_string(&w, s);
                else
                        json_uint(&w, u);
        }
        json_end_object(&w);
        print_json(out);
        g_string_free(out, TRUE);
}

static int verb_rebalance(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        uint64_t cycle;
        int r, ret = call(c, "rebalance", "Rebalance", &reply, NULL);

        if (ret != EXIT_OK)
                return ret;
        r = sd_bus_message_read(reply, "t", &cycle);
        sd_bus_message_unref(reply);
        if (r < 0)
                return parse_failed(r);
        if (c->json != JSON_OFF)
                print_action_json(c, "cycle", NULL, cycle);
        else
                printf("Cycle %" PRIu64 " done.\n", cycle);
        return EXIT_OK;
}

static int verb_reload(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        int ret = call(c, "reload", "Reload", &reply, NULL);

        sd_bus_message_unref(reply);
        if (ret != EXIT_OK)
                return ret;
        if (c->json != JSON_OFF)
                print_action_json(c, NULL, NULL, 0);
        else
                printf("Reloaded the policy files, the topology and the CPU bans.\n");
        return EXIT_OK;
}

/* ---- policy files ------------------------------------------------------------------ */

/* The drop-in irqbald writes for a change of KIND ("policy", "banned-irqs",
 * "banned-cpus"; enum manager_dropin): the names manager.h gives. Malloc'd. */
static char *dropin_path(const struct ctl *c, const char *kind)
{
        return g_strdup_printf("%s/%s-irqbalctl-%s.conf",
                               c->persistent ? CONFIG_PERSISTENT_DIR : CONFIG_RUNTIME_DIR,
                               c->persistent ? "90" : "95", kind);
}

/* Where a change went, so that the operator can find, edit or delete it. */
static void print_written(const struct ctl *c, const char *kind)
{
        char *path = dropin_path(c, kind);

        if (c->legend)
                printf("Written to %s%s.\n", path,
                       c->persistent ? "" : " (gone after a reboot; --persistent writes to "
                       CONFIG_PERSISTENT_DIR ")");
        g_free(path);
}

/* In JSON mode a change prints what it set, whether it lasts and the file written. */
static void print_change_json(const struct ctl *c, const char *key, const char *s,
                              const GArray *irqs, const char *kind)
{
        GString *out = g_string_new(NULL);
        char *path = dropin_path(c, kind);
        struct json_writer w;

        json_start(c, &w, out);
        json_begin_object(&w);
        json_key(&w, key);
        if (irqs) {
                json_begin_array(&w);
                for (size_t i = 0; i < irqs->len; i++)
                        json_uint(&w, g_array_index(irqs, uint32_t, i));
                json_end_array(&w);
        } else
                json_string(&w, s);
        json_key(&w, "persistent");     json_bool(&w, c->persistent);
        json_key(&w, "file");           json_string(&w, path);
        json_end_object(&w);
        print_json(out);
        g_string_free(out, TRUE);
        g_free(path);
}

static int verb_set_policy(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        int ret;

        /* SetPolicyEx only when needed: plain SetPolicy is the older, wider API. */
        if (c->persistent)
                ret = call(c, "set the policy", "SetPolicyEx", &reply, "sb", argv[1], 1);
        else
                ret = call(c, "set the policy", "SetPolicy", &reply, "s", argv[1]);
        sd_bus_message_unref(reply);
        if (ret != EXIT_OK)
                return ret;
        if (c->json != JSON_OFF)
                print_change_json(c, "policy", argv[1], NULL, "policy");
        else {
                printf("Policy set to %s from the next cycle on.\n", argv[1]);
                print_written(c, "policy");
        }
        return EXIT_OK;
}

/* ban-irq IRQ… and unban-irq IRQ…: every argument is checked before the first call, so
 * that a typo changes nothing; a failed call stops there (the earlier ones stand). */
static int ban_irqs(struct ctl *c, int argc, char **argv, bool ban)
{
        GArray *irqs = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        int ret = EXIT_OK;

        for (int i = 1; i < argc && ret == EXIT_OK; i++) {
                uint32_t irq;

                ret = parse_irq(argv[i], &irq);
                if (ret == EXIT_OK)
                        g_array_append_val(irqs, irq);
        }
        for (size_t i = 0; i < irqs->len && ret == EXIT_OK; i++) {
                uint32_t irq = g_array_index(irqs, uint32_t, i);
                sd_bus_message *reply = NULL;
                char what[64];

                snprintf(what, sizeof(what), "%s IRQ %" PRIu32, ban ? "ban" : "unban", irq);
                ret = call(c, what, ban ? "BanIrq" : "UnbanIrq", &reply, "ub", irq,
                           (int) c->persistent);
                sd_bus_message_unref(reply);
                if (ret == EXIT_OK && c->json == JSON_OFF)
                        printf(ban ? "IRQ %" PRIu32 " banned: irqbald leaves it where it is from "
                               "now on.\n" : "IRQ %" PRIu32 " unbanned: irqbald balances it "
                               "from the next cycle on.\n", irq);
        }
        if (ret == EXIT_OK) {
                if (c->json != JSON_OFF)
                        print_change_json(c, ban ? "banned_irqs" : "unbanned_irqs", NULL, irqs,
                                          "banned-irqs");
                else
                        print_written(c, "banned-irqs");
        }
        g_array_unref(irqs);
        return ret;
}

static int verb_ban_irq(struct ctl *c, int argc, char **argv)
{
        return ban_irqs(c, argc, argv, true);
}

static int verb_unban_irq(struct ctl *c, int argc, char **argv)
{
        return ban_irqs(c, argc, argv, false);
}

static int verb_ban_cpus(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        /* "none" reads better on a command line than "". */
        const char *list = strcmp(argv[1], "none") == 0 ? "" : argv[1];
        int ret = call(c, "ban the CPUs", "BanCPUs", &reply, "sb", list, (int) c->persistent);

        sd_bus_message_unref(reply);
        if (ret != EXIT_OK)
                return ret;
        if (c->json != JSON_OFF)
                print_change_json(c, "banned_cpus", list, NULL, "banned-cpus");
        else {
                if (strpbrk(list, ",-"))
                        printf("CPUs %s banned: irqbald moves IRQs off them from the next cycle "
                               "on.\n", list);
                else if (*list)
                        printf("CPU %s banned: irqbald moves IRQs off it from the next cycle "
                               "on.\n", list);
                else
                        printf("irqbalctl bans no CPUs any more.\n");
                print_written(c, "banned-cpus");
        }
        return EXIT_OK;
}

/* The number of files in the configuration in force, or -1 when unknown. */
static int count_config_files(struct ctl *c)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char **files = NULL;
        int n = -1;

        if (sd_bus_get_property_strv(c->bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ConfigFiles",
                                     &error, &files) >= 0) {
                /* sd-bus gives NULL for an empty array. */
                n = files ? (int) g_strv_length(files) : 0;
                g_strfreev(files);
        }
        sd_bus_error_free(&error);
        return n;
}

static int verb_check_config(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        GString *out = g_string_new(NULL), *text = g_string_new(NULL);
        struct json_writer w;
        const char *file, *severity, *message;
        unsigned errors = 0, warnings = 0;
        uint32_t line;
        int ok = 0, r, ret;

        ret = call(c, "check the policy files", "CheckConfig", &reply, NULL);
        if (ret != EXIT_OK)
                goto finish;
        r = sd_bus_message_read(reply, "b", &ok);
        json_start(c, &w, out);
        json_begin_object(&w);
        json_key(&w, "ok");
        json_bool(&w, ok);
        json_key(&w, "findings");
        json_begin_array(&w);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(suss)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(suss)", &file, &line, &severity,
                                                  &message)) > 0) {
                json_begin_object(&w);
                json_key(&w, "file");           json_string(&w, file);
                json_key(&w, "line");
                if (line)
                        json_uint(&w, line);
                else
                        json_null(&w);
                json_key(&w, "severity");       json_string(&w, severity);
                json_key(&w, "message");        json_string(&w, message);
                json_end_object(&w);
                /* As irqbald --check-config prints them: FILE:LINE: error: MESSAGE. */
                g_string_append(text, file);
                if (line)
                        g_string_append_printf(text, ":%" PRIu32, line);
                g_string_append_printf(text, ": %s: %s\n", severity, message);
                if (strcmp(severity, "error") == 0)
                        errors++;
                else
                        warnings++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        json_end_array(&w);
        json_end_object(&w);
        if (r < 0) {
                ret = parse_failed(r);
                goto finish;
        }
        if (c->json != JSON_OFF)
                print_json(out);
        else {
                fputs(text->str, stdout);
                if (c->legend && errors + warnings > 0)
                        printf("%u error%s, %u warning%s%s\n", errors, errors == 1 ? "" : "s",
                               warnings, warnings == 1 ? "" : "s",
                               ok ? "." : "; irqbald would refuse this configuration.");
                else if (c->legend) {
                        int n = count_config_files(c);

                        if (n >= 0)
                                printf("No problems found in %d file%s.\n", n, n == 1 ? "" : "s");
                        else
                                printf("No problems found.\n");
                }
        }
        ret = ok ? EXIT_OK : EXIT_FAIL;
finish:
        sd_bus_message_unref(reply);
        g_string_free(out, TRUE);
        g_string_free(text, TRUE);
        return ret;
}

static int verb_set_interval(struct ctl *c, int argc, char **argv)
{
        sd_bus_message *reply = NULL;
        char *end;
        double sec;
        uint64_t usec;
        int ret;

        errno = 0;
        sec = strtod(argv[1], &end);
        if (end == argv[1] || *end || errno || !isfinite(sec) || sec <= 0 || sec > 1e9) {
                fprintf(stderr, "Not an interval in seconds: '%s'; give e.g. 10 or 0.5.\n", argv[1]);
                return EXIT_USAGE;
        }
        usec = (uint64_t) llround(sec * 1e6);
        ret = call(c, "set the interval", "SetInterval", &reply, "t", usec);
        sd_bus_message_unref(reply);
        if (ret != EXIT_OK)
                return ret;
        if (c->json != JSON_OFF)
                print_action_json(c, "interval_usec", NULL, usec);
        else
                printf("Interval set to %g s.\n", (double) usec / 1e6);
        return EXIT_OK;
}

/* The built-in policies: the library's table, no daemon needed. */
static int verb_policies(struct ctl *c, int argc, char **argv)
{
        static const char *const headers[] = { "POLICY", "DESCRIPTION" };
        GString *out = g_string_new(NULL);
        struct table *t = table_new(ELEMENTSOF(headers), headers, NULL);
        struct json_writer w;

        json_start(c, &w, out);
        json_begin_array(&w);
        for (size_t i = 0; irqbal_policies[i]; i++) {
                const struct irqbal_policy *p = irqbal_policies[i];

                json_begin_object(&w);
                json_key(&w, "name");           json_string(&w, p->name);
                json_key(&w, "description");    json_string(&w, p->description);
                json_key(&w, "default");        json_bool(&w, p == policy_default());
                json_end_object(&w);
                table_add(t, "%s", p->name);
                table_add(t, "%s%s", p->description, p == policy_default() ? " (default)" : "");
        }
        json_end_array(&w);
        if (c->json != JSON_OFF)
                print_json(out);
        else
                table_print(t, c->legend, stdout);
        table_free(t);
        g_string_free(out, TRUE);
        return EXIT_OK;
}

/* ---- main ------------------------------------------------------------------------ */

/* A verb's arguments: MIN to MAX of them after the verb, MAX -1 = no limit. */
#define MANY -1

static const struct verb {
        const char *name;
        int min_args, max_args;
        bool persistent;        /* takes --persistent: it writes a policy file */
        enum pager_mode pager;  /* on a terminal: tables always, the rest when long */
        const char *usage;
        int (*run)(struct ctl *c, int argc, char **argv);
} verbs[] = {
        { "status",       0, 0,    false, PAGER_IF_LONG, "status                 the daemon's state (default)", verb_status },
        { "irqs",         0, 0,    false, PAGER_ALWAYS,  "irqs                   every IRQ, where it runs and why", verb_irqs },
        { "cpus",         0, 0,    false, PAGER_ALWAYS,  "cpus                   per-CPU load and IRQs, by node and package", verb_cpus },
        { "topology",     0, 0,    false, PAGER_ALWAYS,  "topology               nodes, packages, cores and CPU bans", verb_topology },
        { "explain",      1, 1,    false, PAGER_ALWAYS,  "explain IRQ            why an IRQ is where it is", verb_explain },
        { "plan",         0, 0,    false, PAGER_ALWAYS,  "plan                   the moves the next cycle would make", verb_plan },
        { "check-config", 0, 0,    false, PAGER_IF_LONG, "check-config           check the policy files as a reload would", verb_check_config },
        { "rebalance",    0, 0,    false, PAGER_NEVER,   "rebalance              run a balancing cycle now (root)", verb_rebalance },
        { "reload",       0, 0,    false, PAGER_NEVER,   "reload                 reload the policy files, topology and CPU bans (root)", verb_reload },
        { "set-policy",   1, 1,    true,  PAGER_NEVER,   "set-policy NAME        switch the policy (root)", verb_set_policy },
        { "ban-irq",      1, MANY, true,  PAGER_NEVER,   "ban-irq IRQ...         leave IRQs where they are (root)", verb_ban_irq },
        { "unban-irq",    1, MANY, true,  PAGER_NEVER,   "unban-irq IRQ...       balance IRQs banned with ban-irq again (root)", verb_unban_irq },
        { "ban-cpus",     1, 1,    true,  PAGER_NEVER,   "ban-cpus LIST          keep IRQs off these CPUs, e.g. 2-5,8 or none (root)", verb_ban_cpus },
        { "set-interval", 1, 1,    false, PAGER_NEVER,   "set-interval SEC       set the time between cycles (root)", verb_set_interval },
        { "policies",     0, 0,    false, PAGER_IF_LONG, "policies               list the built-in policies", verb_policies },
};

static void help(FILE *f)
{
        fprintf(f, "Usage: irqbalctl [OPTIONS] [VERB [ARG...]]\n\n"
                "Query and control irqbald, the IRQ affinity daemon, over D-Bus.\n\nVerbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %s\n", verbs[i].usage);
        fprintf(f, "\nOptions:\n"
                "  --json=pretty|short|off  print JSON (--json alone: pretty)\n"
                "      --persistent         set-policy, ban-irq, unban-irq, ban-cpus: write to\n"
                "                           " CONFIG_PERSISTENT_DIR " (kept across reboots),\n"
                "                           not " CONFIG_RUNTIME_DIR "\n"
                "      --no-pager           do not pipe the output into a pager\n"
                "      --no-legend          leave out column headers and summaries\n"
                "  -h, --help               show this help\n"
                "      --version            show the version\n\n"
                "Exit status: 0 ok, 1 failure, 2 usage, 3 irqbald not running, 4 permission "
                "denied.\n");
}

/* "no arguments", "one argument", "one or more arguments". */
static const char *args_wanted(const struct verb *v)
{
        if (v->max_args == MANY)
                return "one or more arguments";
        return v->max_args ? "one argument" : "no arguments";
}

enum { ARG_JSON = 0x100, ARG_NO_PAGER, ARG_NO_LEGEND, ARG_VERSION, ARG_PERSISTENT };

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "json",      optional_argument, NULL, ARG_JSON },
                { "no-pager",  no_argument,       NULL, ARG_NO_PAGER },
                { "no-legend", no_argument,       NULL, ARG_NO_LEGEND },
                { "persistent", no_argument,      NULL, ARG_PERSISTENT },
                { "help",      no_argument,       NULL, 'h' },
                { "version",   no_argument,       NULL, ARG_VERSION },
                {}
        };
        struct ctl c = { .json = JSON_OFF, .legend = true, .pager = true };
        struct pager pager;
        const struct verb *verb = &verbs[0];
        int opt, ret, nargs;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case ARG_JSON:
                        ret = optarg ? json_mode_from_string(optarg) : JSON_PRETTY;
                        if (ret < 0) {
                                fprintf(stderr, "Unknown --json mode '%s'; give pretty, short "
                                        "or off.\n", optarg);
                                return EXIT_USAGE;
                        }
                        c.json = ret;
                        break;
                case ARG_NO_PAGER:
                        c.pager = false;
                        break;
                case ARG_NO_LEGEND:
                        c.legend = false;
                        break;
                case ARG_PERSISTENT:
                        c.persistent = true;
                        break;
                case 'h':
                        help(stdout);
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("irqbalctl %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                default:
                        fprintf(stderr, "Try irqbalctl --help.\n");
                        return EXIT_USAGE;
                }

        if (optind < argc) {
                verb = NULL;
                for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                        if (strcmp(argv[optind], verbs[i].name) == 0)
                                verb = &verbs[i];
                if (!verb) {
                        fprintf(stderr, "Unknown verb '%s'; irqbalctl --help lists them.\n",
                                argv[optind]);
                        return EXIT_USAGE;
                }
        }
        nargs = optind < argc ? argc - optind - 1 : 0;
        if (nargs < verb->min_args || (verb->max_args != MANY && nargs > verb->max_args)) {
                /* The usage column ends at the first double blank. */
                fprintf(stderr, "%s takes %s; usage: irqbalctl %.*s\n", verb->name,
                        args_wanted(verb), (int) (strstr(verb->usage, "  ") - verb->usage),
                        verb->usage);
                return EXIT_USAGE;
        }
        if (c.persistent && !verb->persistent) {
                fprintf(stderr, "--persistent is for the verbs that write policy files "
                        "(set-policy, ban-irq, unban-irq, ban-cpus), not %s.\n", verb->name);
                return EXIT_USAGE;
        }
        /* The output is collected and shown once the verb is done, so that the pager
         * never waits on the bus and errors stay outside it. */
        (void) pager_begin(&pager, c.pager ? verb->pager : PAGER_NEVER);
        ret = verb->run(&c, nargs + 1, optind < argc ? argv + optind : argv);
        sd_bus_flush_close_unref(c.bus);
        if (pager_end(&pager) < 0 && ret == EXIT_OK)
                ret = EXIT_FAIL;
        return ret;
}
