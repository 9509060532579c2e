/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/log.h"
#include "scenario.h"

#define SYNTHETIC_PREFIX "synthetic:"
#define DEFAULT_STEP 10.0
#define DEFAULT_COST 1.0

static const char *const class_names[] = {
        [SIM_DEV_NET] = "net",
        [SIM_DEV_STORAGE] = "storage",
        [SIM_DEV_GPU] = "gpu",
        [SIM_DEV_OTHER] = "other",
};

const char *sim_dev_class_to_string(enum sim_dev_class c)
{
        return class_names[c];
}

/* Where a value came from, for messages: "numa-nic.ini [Device eth0] Rate". */
struct ctx {
        const char *path;
        GKeyFile *kf;
        const char *group;
};

static int bad(const struct ctx *c, const char *key, const char *what)
{
        log_error("%s: [%s] %s: %s.", c->path, c->group, key, what);
        return -EINVAL;
}

static int get_string(const struct ctx *c, const char *key, const char *def, char **ret)
{
        g_autofree char *v = g_key_file_get_value(c->kf, c->group, key, NULL);

        if (v)
                g_strstrip(v);
        *ret = v ? g_strdup(v) : def ? g_strdup(def) : NULL;
        return 0;
}

static int parse_double(const struct ctx *c, const char *key, const char *s, double *ret)
{
        char *end;
        double v = g_ascii_strtod(s, &end);

        if (end == s || *end || !isfinite(v) || v < 0)
                return bad(c, key, "expected a non-negative number");
        *ret = v;
        return 0;
}

static int get_double(const struct ctx *c, const char *key, double def, double *ret)
{
        g_autofree char *v = g_key_file_get_value(c->kf, c->group, key, NULL);

        if (!v) {
                *ret = def;
                return 0;
        }
        return parse_double(c, key, g_strstrip(v), ret);
}

static int get_uint(const struct ctx *c, const char *key, long long def, unsigned *ret)
{
        g_autofree char *v = g_key_file_get_value(c->kf, c->group, key, NULL);
        char *end;
        unsigned long long n;

        if (!v) {
                if (def < 0)
                        return bad(c, key, "missing");
                *ret = (unsigned) def;
                return 0;
        }
        g_strstrip(v);
        n = g_ascii_strtoull(v, &end, 10);
        if (end == v || *end || n > 1u << 30)
                return bad(c, key, "expected a non-negative integer");
        *ret = (unsigned) n;
        return 0;
}

static int get_int(const struct ctx *c, const char *key, int def, int *ret)
{
        g_autofree char *v = g_key_file_get_value(c->kf, c->group, key, NULL);
        char *end;
        long long n;

        if (!v) {
                *ret = def;
                return 0;
        }
        g_strstrip(v);
        n = g_ascii_strtoll(v, &end, 10);
        if (end == v || *end || n < -1 || n > 1 << 20)
                return bad(c, key, "expected a node number or -1");
        *ret = (int) n;
        return 0;
}

static int get_bool(const struct ctx *c, const char *key, bool def, bool *ret)
{
        g_autofree char *v = g_key_file_get_value(c->kf, c->group, key, NULL);

        if (!v) {
                *ret = def;
                return 0;
        }
        g_strstrip(v);
        if (!g_ascii_strcasecmp(v, "yes") || !g_ascii_strcasecmp(v, "true") || !strcmp(v, "1"))
                *ret = true;
        else if (!g_ascii_strcasecmp(v, "no") || !g_ascii_strcasecmp(v, "false") || !strcmp(v, "0"))
                *ret = false;
        else
                return bad(c, key, "expected yes or no");
        return 0;
}

/* Unknown keys are errors: a typo would otherwise silently change the experiment. */
static int check_keys(const struct ctx *c, const char *const *known)
{
        g_auto(GStrv) keys = g_key_file_get_keys(c->kf, c->group, NULL, NULL);

        for (size_t i = 0; keys && keys[i]; i++)
                if (!g_strv_contains(known, keys[i]))
                        return bad(c, keys[i], "unknown key");
        return 0;
}

static int parse_machine(const struct ctx *c, struct scenario *s)
{
        static const char *const known[] = {
                "Topology", "Isolated", "NohzFull", "Offline", "Seed", "Step", "IrqTime", NULL,
        };
        g_autofree char *topo = NULL;
        unsigned seed;
        int r;

        if ((r = check_keys(c, known)) < 0 ||
            (r = get_string(c, "Topology", NULL, &topo)) < 0 ||
            (r = get_string(c, "Isolated", "", &s->isolated)) < 0 ||
            (r = get_string(c, "NohzFull", "", &s->nohz_full)) < 0 ||
            (r = get_string(c, "Offline", "", &s->offline)) < 0 ||
            (r = get_uint(c, "Seed", 1, &seed)) < 0 ||
            (r = get_double(c, "Step", DEFAULT_STEP, &s->step)) < 0 ||
            (r = get_bool(c, "IrqTime", false, &s->irq_time)) < 0)
                return r;
        s->seed = seed;
        if (s->step <= 0)
                return bad(c, "Step", "must be positive");
        /* An XML path is relative to the scenario file, so scenarios run from anywhere. */
        if (topo && !g_str_has_prefix(topo, SYNTHETIC_PREFIX) && !g_path_is_absolute(topo)) {
                g_autofree char *dir = g_path_get_dirname(s->path);

                s->topology = g_build_filename(dir, topo, NULL);
        } else {
                s->topology = g_strdup(topo);
        }
        return 0;
}

static int parse_class(const struct ctx *c, const char *v, enum sim_dev_class *ret)
{
        for (size_t i = 0; i < G_N_ELEMENTS(class_names); i++)
                if (strcmp(v, class_names[i]) == 0) {
                        *ret = (enum sim_dev_class) i;
                        return 0;
                }
        return bad(c, "Class", "expected net, storage, gpu or other");
}

static int parse_device(const struct ctx *c, const char *name, struct sc_device *d)
{
        static const char *const known[] = {
                "Address", "Node", "Class", "Driver", "Interface", "Queues", "FirstIrq",
                "Managed", "Present", "Rate", "Cost", "Mask", NULL,
        };
        g_autofree char *class = NULL;
        int r;

        d->name = g_strdup(name);
        if ((r = check_keys(c, known)) < 0 ||
            (r = get_string(c, "Address", NULL, &d->address)) < 0 ||
            (r = get_int(c, "Node", -1, &d->node)) < 0 ||
            (r = get_string(c, "Class", "other", &class)) < 0 ||
            (r = parse_class(c, class, &d->class)) < 0 ||
            (r = get_string(c, "Driver", NULL, &d->driver)) < 0 ||
            (r = get_string(c, "Interface", name, &d->interface)) < 0 ||
            (r = get_uint(c, "Queues", 1, &d->queues)) < 0 ||
            (r = get_uint(c, "FirstIrq", -1, &d->first_irq)) < 0 ||
            (r = get_bool(c, "Managed", false, &d->managed)) < 0 ||
            (r = get_bool(c, "Present", true, &d->present)) < 0 ||
            (r = get_double(c, "Rate", 0, &d->rate)) < 0 ||
            (r = get_double(c, "Cost", DEFAULT_COST, &d->cost)) < 0 ||
            (r = get_string(c, "Mask", NULL, &d->mask)) < 0)
                return r;
        if (!d->address)
                return bad(c, "Address", "missing (a PCI address such as 0000:3b:00.0)");
        if (!d->driver)
                d->driver = g_strdup(d->class == SIM_DEV_NET ? "ice" :
                                   d->class == SIM_DEV_STORAGE ? "nvme" :
                                   d->class == SIM_DEV_GPU ? "amdgpu" : "simdev");
        if (d->queues == 0)
                return bad(c, "Queues", "must be at least 1");
        return 0;
}

static int parse_irq(const struct ctx *c, const char *number, struct sc_irq *q)
{
        static const char *const known[] = {
                "Name", "Chip", "Handler", "Node", "Present", "Rate", "Cost", "Mask", NULL,
        };
        char *end;
        unsigned long n = strtoul(number, &end, 10);
        int r;

        if (end == number || *end || n > 1u << 20)
                return bad(c, "(group)", "expected [Irq N] with N an IRQ number");
        q->irq = (unsigned) n;
        if ((r = check_keys(c, known)) < 0 ||
            (r = get_string(c, "Chip", "IO-APIC", &q->chip)) < 0 ||
            (r = get_string(c, "Handler", "edge", &q->handler)) < 0 ||
            (r = get_int(c, "Node", 0, &q->node)) < 0 ||
            (r = get_bool(c, "Present", true, &q->present)) < 0 ||
            (r = get_double(c, "Rate", 0, &q->rate)) < 0 ||
            (r = get_double(c, "Cost", DEFAULT_COST, &q->cost)) < 0 ||
            (r = get_string(c, "Mask", NULL, &q->mask)) < 0)
                return r;
        q->name = g_key_file_get_value(c->kf, c->group, "Name", NULL);
        if (!q->name)
                q->name = g_strdup_printf("irq%u", q->irq);
        return 0;
}

static void add_event(struct sc_phase *p, struct sc_event ev)
{
        p->events = g_renew(struct sc_event, p->events, p->n_events + 1);
        p->events[p->n_events++] = ev;
}

/* "TARGET:VALUE;TARGET:VALUE" → one event each; VALUE is a rate or a cpulist. */
static int parse_pairs(const struct ctx *c, const char *key, const char *v,
                       enum sc_event_kind kind, struct sc_phase *p)
{
        g_auto(GStrv) items = g_strsplit(v, ";", -1);

        for (size_t i = 0; items[i]; i++) {
                char *item = g_strstrip(items[i]), *colon = strchr(item, ':');
                struct sc_event ev = { .kind = kind };
                int r;

                if (!*item)
                        continue;
                if (!colon || colon == item)
                        return bad(c, key, "expected TARGET:VALUE");
                *colon = 0;
                if (kind == SC_EV_PIN) {
                        ev.cpus = g_strdup(g_strstrip(colon + 1));
                } else {
                        r = parse_double(c, key, g_strstrip(colon + 1), &ev.value);
                        if (r < 0)
                                return r;
                }
                ev.target = g_strdup(g_strstrip(item));
                add_event(p, ev);
        }
        return 0;
}

static int parse_targets(const struct ctx *c, const char *key, const char *v,
                         enum sc_event_kind kind, struct sc_phase *p)
{
        g_auto(GStrv) items = g_strsplit(v, ";", -1);
        size_t before = p->n_events;

        for (size_t i = 0; items[i]; i++) {
                char *item = g_strstrip(items[i]);

                if (*item)
                        add_event(p, (struct sc_event) { .kind = kind, .target = g_strdup(item) });
        }
        if (p->n_events == before)
                return bad(c, key, "expected a device name or IRQ number");
        return 0;
}

static int parse_phase_key(const struct ctx *c, const char *key, const char *v, struct sc_phase *p)
{
        if (g_str_has_prefix(key, "Rate.")) {
                struct sc_event ev = { .kind = SC_EV_RATE, .target = g_strdup(key + 5) };
                int r = parse_double(c, key, v, &ev.value);

                if (r < 0) {
                        g_free(ev.target);
                        return r;
                }
                add_event(p, ev);
                return 0;
        }
        if (!strcmp(key, "Hot"))
                return parse_pairs(c, key, v, SC_EV_RATE, p);
        if (!strcmp(key, "Storm"))
                return parse_pairs(c, key, v, SC_EV_STORM, p);
        if (!strcmp(key, "Pin"))
                return parse_pairs(c, key, v, SC_EV_PIN, p);
        if (!strcmp(key, "AddIrq"))
                return parse_targets(c, key, v, SC_EV_ADD, p);
        if (!strcmp(key, "RemoveIrq"))
                return parse_targets(c, key, v, SC_EV_REMOVE, p);
        if (!strcmp(key, "Offline") || !strcmp(key, "Online") || !strcmp(key, "VectorsFull")) {
                enum sc_event_kind k = key[1] == 'f' ? SC_EV_OFFLINE :
                                       key[1] == 'n' ? SC_EV_ONLINE : SC_EV_VECTORS_FULL;

                add_event(p, (struct sc_event) { .kind = k, .cpus = g_strdup(v) });
                return 0;
        }
        return bad(c, key, "unknown key");
}

static int parse_phase(const struct ctx *c, const char *name, double step, struct sc_phase *p)
{
        g_auto(GStrv) keys = g_key_file_get_keys(c->kf, c->group, NULL, NULL);
        bool has_steps = false;
        double duration;
        int r;

        p->name = g_strdup(name);
        for (size_t i = 0; keys && keys[i]; i++) {
                g_autofree char *v = g_key_file_get_value(c->kf, c->group, keys[i], NULL);

                g_strstrip(v);
                if (!strcmp(keys[i], "Steps")) {
                        r = get_uint(c, "Steps", -1, &p->steps);
                        has_steps = true;
                } else if (!strcmp(keys[i], "Duration")) {
                        r = parse_double(c, keys[i], v, &duration);
                        p->steps = (unsigned) ceil(duration / step);
                        has_steps = true;
                } else if (!strcmp(keys[i], "Noise")) {
                        r = parse_double(c, keys[i], v, &p->noise);
                        if (r == 0 && p->noise > 1)
                                r = bad(c, keys[i], "expected a fraction between 0 and 1");
                } else if (!strcmp(keys[i], "Reload")) {
                        r = get_bool(c, keys[i], false, &p->reload);
                } else {
                        r = parse_phase_key(c, keys[i], v, p);
                }
                if (r < 0)
                        return r;
        }
        if (!has_steps || p->steps == 0)
                return bad(c, "Steps", "missing or 0 (give Steps= or Duration= in seconds)");
        return 0;
}

/* irqbald reads its configuration from these trees under --root; a scenario may put
 * files there and nowhere else, so it cannot clobber the simulated kernel's files. */
static const char *const config_trees[] = {
        "/etc/irqbald/", "/run/irqbald/", "/usr/lib/irqbald/", "/usr/local/lib/irqbald/", NULL,
};

static int check_file_path(const struct ctx *c, const char *path)
{
        g_auto(GStrv) parts = NULL;
        bool under = false;

        for (size_t i = 0; config_trees[i]; i++)
                under = under || g_str_has_prefix(path, config_trees[i]);
        if (!under)
                return bad(c, "(group)", "the path must be absolute and under /etc/irqbald/, "
                           "/run/irqbald/, /usr/lib/irqbald/ or /usr/local/lib/irqbald/");
        parts = g_strsplit(path + 1, "/", -1);
        for (size_t i = 0; parts[i]; i++) {
                if (!strcmp(parts[i], ".."))
                        return bad(c, "(group)", "the path must not contain \"..\"");
                if (!*parts[i] || !strcmp(parts[i], "."))
                        return bad(c, "(group)", "the path must name a file, without \".\" or "
                                   "empty components");
        }
        return 0;
}

static int find_phase(const struct scenario *s, const char *name)
{
        for (size_t i = 0; i < s->n_phases; i++)
                if (!strcmp(s->phases[i].name, name))
                        return (int) i;
        return -1;
}

/* "[File PATH]" or "[File PATH @LABEL]": GKeyFile merges groups of the same name, so
 * a label is what lets several groups write the same path in different phases. */
static int parse_file(const struct ctx *c, const char *spec, const struct scenario *s, struct sc_file *f)
{
        static const char *const known[] = { "Content", "Mode", "Phase", "Remove", NULL };
        g_autofree char *path = g_strstrip(g_strdup(spec)), *mode = NULL, *phase = NULL;
        g_autoptr(GError) error = NULL;
        char *space = strpbrk(path, " \t");
        int r;

        f->group = g_strdup(c->group);
        f->phase = -1;
        f->mode = 0644;
        if (space) {
                *space = 0;
                if (*g_strchug(space + 1) != '@' || !space[2])
                        return bad(c, "(group)", "a path cannot contain spaces (to name a path in "
                                   "several groups, write [File PATH @LABEL])");
        }
        if ((r = check_keys(c, known)) < 0 ||
            (r = check_file_path(c, path)) < 0 ||
            (r = get_bool(c, "Remove", false, &f->remove)) < 0 ||
            (r = get_string(c, "Mode", NULL, &mode)) < 0 ||
            (r = get_string(c, "Phase", NULL, &phase)) < 0)
                return r;
        f->path = g_steal_pointer(&path);
        if (mode) {
                char *end;
                unsigned long m = strtoul(mode, &end, 8);

                if (*mode < '0' || *mode > '7' || *end || m > 0777)
                        return bad(c, "Mode", "expected an octal mode such as 0644");
                f->mode = (unsigned) m;
        }
        if (phase) {
                f->phase = find_phase(s, phase);
                if (f->phase < 0)
                        return bad(c, "Phase", "no [Phase] of that name");
        }
        if (f->remove) {
                if (!phase)
                        return bad(c, "Remove", "needs Phase=NAME: the file is removed at that "
                                   "phase's start (files without Phase= are written before the "
                                   "daemon starts)");
                if (g_key_file_has_key(c->kf, c->group, "Content", NULL) || mode)
                        return bad(c, "Remove", "a removed file takes no Content= or Mode=");
                return 0;
        }
        if (!g_key_file_has_key(c->kf, c->group, "Content", NULL))
                return bad(c, "Content", "missing (the file's text, \\n for a line break; or "
                           "Remove=yes with Phase=)");
        /* The string form: \n, \t, \s and \\ escapes, so a whole file fits in one value.
         * GKeyFile reports a bad escape only to a caller that asks for errors. */
        f->content = g_key_file_get_string(c->kf, c->group, "Content", &error);
        if (error)
                return bad(c, "Content", "invalid escape sequence (GKeyFile strings know \\n, \\t, "
                           "\\r, \\s and \\\\)");
        return 0;
}

/* At most one group per path and time, and nothing removed that is not there then. */
static int check_files(const struct scenario *s, GKeyFile *kf)
{
        for (size_t i = 0; i < s->n_files; i++) {
                const struct sc_file *f = &s->files[i], *before = NULL;
                struct ctx c = { .path = s->path, .kf = kf, .group = f->group };

                for (size_t j = 0; j < s->n_files; j++) {
                        const struct sc_file *o = &s->files[j];

                        if (j == i || strcmp(o->path, f->path))
                                continue;
                        if (o->phase == f->phase && j < i) {
                                g_autofree char *what = g_strdup_printf(
                                        "[%s] already writes or removes this path %s%s", o->group,
                                        f->phase < 0 ? "before the daemon starts" : "in phase ",
                                        f->phase < 0 ? "" : s->phases[f->phase].name);

                                return bad(&c, f->phase < 0 ? "(group)" : "Phase", what);
                        }
                        if (o->phase < f->phase && (!before || o->phase > before->phase))
                                before = o;
                }
                if (f->remove && (!before || before->remove))
                        return bad(&c, "Remove", "the file does not exist then (no [File] group of "
                                   "an earlier phase writes it)");
        }
        return 0;
}

static int parse_groups(GKeyFile *kf, struct scenario *s)
{
        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
        struct ctx c = { .path = s->path, .kf = kf, .group = "Machine" };
        int r;

        if (!g_key_file_has_group(kf, "Machine"))
                return bad(&c, "(group)", "missing");
        r = parse_machine(&c, s);
        if (r < 0)
                return r;
        for (size_t i = 0; groups[i]; i++) {
                const char *g = groups[i];

                c.group = g;
                if (!strcmp(g, "Machine") || g_str_has_prefix(g, "File ")) {
                        continue;
                } else if (g_str_has_prefix(g, "Device ")) {
                        s->devices = g_renew(struct sc_device, s->devices, s->n_devices + 1);
                        memset(&s->devices[s->n_devices], 0, sizeof(*s->devices));
                        r = parse_device(&c, g + 7, &s->devices[s->n_devices++]);
                } else if (g_str_has_prefix(g, "Irq ")) {
                        s->irqs = g_renew(struct sc_irq, s->irqs, s->n_irqs + 1);
                        memset(&s->irqs[s->n_irqs], 0, sizeof(*s->irqs));
                        r = parse_irq(&c, g + 4, &s->irqs[s->n_irqs++]);
                } else if (g_str_has_prefix(g, "Phase ")) {
                        s->phases = g_renew(struct sc_phase, s->phases, s->n_phases + 1);
                        memset(&s->phases[s->n_phases], 0, sizeof(*s->phases));
                        r = parse_phase(&c, g + 6, s->step, &s->phases[s->n_phases++]);
                } else {
                        r = bad(&c, "(group)", "unknown group (Machine, Device NAME, Irq N, Phase NAME, "
                                "File PATH)");
                }
                if (r < 0)
                        return r;
        }
        if (s->n_phases == 0) {
                c.group = "Phase";
                return bad(&c, "(group)", "at least one [Phase NAME] is needed");
        }
        /* Files last: their Phase= may name a phase further down the file. */
        for (size_t i = 0; groups[i]; i++) {
                if (!g_str_has_prefix(groups[i], "File "))
                        continue;
                c.group = groups[i];
                s->files = g_renew(struct sc_file, s->files, s->n_files + 1);
                memset(&s->files[s->n_files], 0, sizeof(*s->files));
                r = parse_file(&c, groups[i] + 5, s, &s->files[s->n_files++]);
                if (r < 0)
                        return r;
        }
        return check_files(s, kf);
}

/* GKeyFile silently merges a group that appears twice into one: two [File PATH] groups
 * meant for two phases would become one file. Refuse it, naming the line. */
static int check_duplicate_groups(const char *path, const char *text)
{
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (size_t i = 0; lines[i]; i++) {
                char *l = g_strchug(lines[i]), *end;
                char *name;

                if (*l != '[' || !(end = strchr(l, ']')))
                        continue;
                name = g_strndup(l + 1, (gsize) (end - l - 1));
                if (g_hash_table_contains(seen, name)) {
                        log_error("%s:%zu: [%s] appears twice (GKeyFile would merge the two)%s",
                                  path, i + 1, name, g_str_has_prefix(name, "File ") ?
                                  "; to write the same file in several phases, name it [File PATH "
                                  "@LABEL] in all but one." : ".");
                        g_free(name);
                        return -EINVAL;
                }
                g_hash_table_add(seen, name);
        }
        return 0;
}

int scenario_load(const char *path, struct scenario **ret)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        struct scenario *s;
        gsize len;
        int r;

        if (!g_file_get_contents(path, &text, &len, &error))
                return log_error_errno(ENOENT, "Failed to load scenario %s: %s", path, error->message);
        if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &error))
                return log_error_errno(EINVAL, "Failed to load scenario %s: %s", path, error->message);
        r = check_duplicate_groups(path, text);
        if (r < 0)
                return r;
        s = g_new0(struct scenario, 1);
        s->path = g_strdup(path);
        r = parse_groups(kf, s);
        if (r < 0) {
                scenario_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void scenario_free(struct scenario *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_devices; i++) {
                struct sc_device *d = &s->devices[i];

                g_free(d->name);
                g_free(d->address);
                g_free(d->driver);
                g_free(d->interface);
                g_free(d->mask);
        }
        for (size_t i = 0; i < s->n_irqs; i++) {
                g_free(s->irqs[i].name);
                g_free(s->irqs[i].chip);
                g_free(s->irqs[i].handler);
                g_free(s->irqs[i].mask);
        }
        for (size_t i = 0; i < s->n_phases; i++) {
                for (size_t j = 0; j < s->phases[i].n_events; j++) {
                        g_free(s->phases[i].events[j].target);
                        g_free(s->phases[i].events[j].cpus);
                }
                g_free(s->phases[i].events);
                g_free(s->phases[i].name);
        }
        for (size_t i = 0; i < s->n_files; i++) {
                g_free(s->files[i].group);
                g_free(s->files[i].path);
                g_free(s->files[i].content);
        }
        g_free(s->files);
        g_free(s->devices);
        g_free(s->irqs);
        g_free(s->phases);
        g_free(s->topology);
        g_free(s->path);
        g_free(s->isolated);
        g_free(s->nohz_full);
        g_free(s->offline);
        g_free(s);
}
