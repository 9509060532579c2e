/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "irqbal/bus.h"
#include "irqbal/polkit.h"
#include "irqbal/config.h"
#include "irqbal/cpuset.h"
#include "irqbal/log.h"
#include "irqbal/manager.h"

/* The Manager's properties, in introspection order. Each is read through read_prop(),
 * so that the getters and the change detection see the same values. */
enum prop {
        PROP_VERSION,
        PROP_POLICY,
        PROP_INTERVAL_USEC,
        PROP_STATE,
        PROP_CYCLES,
        PROP_LAST_CYCLE_USEC,
        PROP_LAST_CYCLE_TIMESTAMP,
        PROP_IRQS,
        PROP_MOVABLE_IRQS,
        PROP_UNMOVABLE_IRQS,
        PROP_MEASURING_IRQS,
        PROP_USABLE_CPUS,
        PROP_BANNED_CPUS,
        PROP_MOVES,
        PROP_FAILED_MOVES,
        PROP_PEAK_LOAD,
        PROP_CONFIG_FILES,
        _PROP_MAX,
};

static const struct {
        const char *name;
        char type;      /* 's', 't', 'u', 'd' or 'a' (as) */
} props[_PROP_MAX] = {
        [PROP_VERSION] = { "Version", 's' },
        [PROP_POLICY] = { "Policy", 's' },
        [PROP_INTERVAL_USEC] = { "IntervalUSec", 't' },
        [PROP_STATE] = { "State", 's' },
        [PROP_CYCLES] = { "Cycles", 't' },
        [PROP_LAST_CYCLE_USEC] = { "LastCycleUSec", 't' },
        [PROP_LAST_CYCLE_TIMESTAMP] = { "LastCycleTimestamp", 't' },
        [PROP_IRQS] = { "Irqs", 'u' },
        [PROP_MOVABLE_IRQS] = { "MovableIrqs", 'u' },
        [PROP_UNMOVABLE_IRQS] = { "UnmovableIrqs", 'u' },
        [PROP_MEASURING_IRQS] = { "MeasuringIrqs", 'u' },
        [PROP_USABLE_CPUS] = { "UsableCPUs", 's' },
        [PROP_BANNED_CPUS] = { "BannedCPUs", 's' },
        [PROP_MOVES] = { "Moves", 't' },
        [PROP_FAILED_MOVES] = { "FailedMoves", 't' },
        [PROP_PEAK_LOAD] = { "PeakLoad", 'd' },
        [PROP_CONFIG_FILES] = { "ConfigFiles", 'a' },
};

struct prop_value {
        uint64_t u;     /* 't' and 'u' */
        double d;
        char *s;        /* 's', malloc'd */
        char **strv;    /* 'a', malloc'd */
};

static void prop_value_done(struct prop_value *v)
{
        free(v->s);
        if (v->strv)
                for (char **p = v->strv; *p; p++)
                        free(*p);
        free(v->strv);
        *v = (struct prop_value) {};
}

/* A NULL-terminated copy of N strings; NULL on ENOMEM. */
static char **strv_copy(char *const *src, size_t n)
{
        char **v = calloc(n + 1, sizeof(char *));

        if (!v)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                v[i] = strdup(src[i]);
                if (!v[i]) {
                        while (i > 0)
                                free(v[--i]);
                        free(v);
                        return NULL;
                }
        }
        return v;
}

/* The values last sent in PropertiesChanged. */
struct bus_cache {
        struct prop_value v[_PROP_MAX];
        bool valid;
        struct polkit_registry *polkit; /* questions to polkit waiting for an answer */
};

static int read_prop(const struct manager *m, enum prop p, struct prop_value *ret)
{
        struct apply_counters c;

        *ret = (struct prop_value) {};
        switch (p) {
        case PROP_VERSION:
                ret->s = strdup(PACKAGE_VERSION);
                break;
        case PROP_POLICY:
                ret->s = strdup(m->settings.policy->name);
                break;
        case PROP_INTERVAL_USEC:
                ret->u = m->interval_usec;
                break;
        case PROP_STATE:
                ret->s = strdup(manager_state_to_string(m->state));
                break;
        case PROP_CYCLES:
                ret->u = m->cycles;
                break;
        case PROP_LAST_CYCLE_USEC:
                ret->u = m->last_cycle_usec;
                break;
        case PROP_LAST_CYCLE_TIMESTAMP:
                ret->u = m->last_cycle_timestamp;
                break;
        case PROP_IRQS:
                ret->u = m->obs.inv.n;
                break;
        case PROP_MOVABLE_IRQS:
                ret->u = manager_balanced_irqs(m);
                break;
        case PROP_UNMOVABLE_IRQS:
                ret->u = m->obs.inv.n - manager_balanced_irqs(m);
                break;
        case PROP_MEASURING_IRQS:
                ret->u = manager_measuring_irqs(m);
                break;
        case PROP_USABLE_CPUS:
                ret->s = cpulist_format(m->topo->usable);
                break;
        case PROP_BANNED_CPUS: {
                hwloc_bitmap_t banned = hwloc_bitmap_alloc();

                if (!banned)
                        return -ENOMEM;
                hwloc_bitmap_andnot(banned, m->topo->all, m->topo->usable);
                ret->s = cpulist_format(banned);
                hwloc_bitmap_free(banned);
                break;
        }
        case PROP_MOVES:
                manager_counters(m, &c);
                ret->u = c.moves;
                break;
        case PROP_FAILED_MOVES:
                manager_counters(m, &c);
                ret->u = c.failed_moves;
                break;
        case PROP_PEAK_LOAD:
                ret->d = m->peak_load;
                break;
        case PROP_CONFIG_FILES:
                ret->strv = strv_copy(m->conf.files, m->conf.n_files);
                break;
        default:
                return -EINVAL;
        }
        if ((props[p].type == 's' && !ret->s) || (props[p].type == 'a' && !ret->strv))
                return -ENOMEM;
        return 0;
}

static bool strv_equal(char *const *a, char *const *b)
{
        for (; *a && *b; a++, b++)
                if (strcmp(*a, *b) != 0)
                        return false;
        return !*a && !*b;
}

/* Whether the NULL-terminated A holds the N strings of B. */
static bool strv_equal_n(char *const *a, char *const *b, size_t n)
{
        for (size_t i = 0; i < n; i++, a++)
                if (!*a || strcmp(*a, b[i]) != 0)
                        return false;
        return !*a;
}

static bool prop_equal(enum prop p, const struct prop_value *a, const struct prop_value *b)
{
        switch (props[p].type) {
        case 's':
                return strcmp(a->s, b->s) == 0;
        case 'a':
                return strv_equal(a->strv, b->strv);
        case 'd':
                return a->d == b->d;
        default:
                return a->u == b->u;
        }
}

static int append_prop(sd_bus_message *reply, enum prop p, const struct prop_value *v)
{
        switch (props[p].type) {
        case 's':
                return sd_bus_message_append(reply, "s", v->s);
        case 'a':
                return sd_bus_message_append_strv(reply, v->strv);
        case 'd':
                return sd_bus_message_append(reply, "d", v->d);
        case 'u':
                return sd_bus_message_append(reply, "u", (uint32_t) v->u);
        default:
                return sd_bus_message_append(reply, "t", v->u);
        }
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;

        for (enum prop p = 0; p < _PROP_MAX; p++) {
                struct prop_value v;
                int r;

                if (strcmp(props[p].name, property) != 0)
                        continue;
                r = read_prop(m, p, &v);
                if (r < 0)
                        return r;
                r = append_prop(reply, p, &v);
                prop_value_done(&v);
                return r;
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY,
                                 "No property %s in %s.", property, interface);
}

void bus_emit_properties_changed(struct manager *m)
{
        struct bus_cache *cache = m->bus_cache;
        const char *changed[_PROP_MAX + 1];
        size_t n = 0;
        int r;

        if (!m->bus || !cache)
                return;
        for (enum prop p = 0; p < _PROP_MAX; p++) {
                struct prop_value v;

                /* The file list changes only when a configuration is taken into use:
                 * compare it in place rather than copy it every cycle. */
                if (p == PROP_CONFIG_FILES && cache->valid &&
                    strv_equal_n(cache->v[p].strv, m->conf.files, m->conf.n_files))
                        continue;
                if (read_prop(m, p, &v) < 0)
                        return;
                if (cache->valid && prop_equal(p, &v, &cache->v[p])) {
                        prop_value_done(&v);
                        continue;
                }
                prop_value_done(&cache->v[p]);
                cache->v[p] = v;
                /* Version never changes: it is const and not emitted. */
                if (p != PROP_VERSION)
                        changed[n++] = props[p].name;
        }
        cache->valid = true;
        if (n == 0)
                return;
        changed[n] = NULL;
        r = sd_bus_emit_properties_changed_strv(m->bus, BUS_PATH, BUS_INTERFACE, (char **) changed);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged, ignoring: %m");
}

/* Changes are for root, or whom polkit allows (DESIGN §5: reads for everyone). 0 when
 * allowed, 1 when polkit's answer is pending (the handler returns 1: the call comes
 * back when it is there), or an error. */
static int check_privileged(struct manager *m, sd_bus_message *msg, const char *action,
                            const char *what, sd_bus_error *error)
{
        return polkit_check(msg, action, what, &m->bus_cache->polkit, error);
}

static const char *class_name(const struct irq *irq)
{
        return irq_class_to_string(irq->class);
}

static int method_list_irqs(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        sd_bus_message *reply = NULL;
        int r;

        manager_refresh_placement(m);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ussssibsssdds)");
        for (size_t i = 0; r >= 0 && i < m->obs.inv.n; i++) {
                const struct irq *irq = &m->obs.inv.irqs[i];
                const char *why = irq_unbalanced_reason(irq);
                _cleanup_free_ char *affinity = cpulist_format(irq->affinity);
                _cleanup_free_ char *effective = irq->has_effective ? cpulist_format(irq->effective) : strdup("");

                if (!affinity || !effective) {
                        r = -ENOMEM;
                        break;
                }
                r = sd_bus_message_append(reply, "(ussssibsssdds)", irq->number, irq->name,
                                          irq->device ? irq->device : "",
                                          irq->driver ? irq->driver : "", class_name(irq),
                                          (int32_t) irq->node, (int) irq_is_balanced(irq),
                                          why ? why : "", affinity, effective, irq->rate, irq->load,
                                          manager_irq_state(m, irq));
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

/* Kernel ids of a CPU's node, package and core; -1 when unknown. */
static void cpu_ids(const struct topology *t, const struct topo_cpu *c, int *node, int *package, int *core)
{
        *node = c->node >= 0 ? t->nodes[c->node].os_index : -1;
        *package = c->package >= 0 ? t->packages[c->package].os_index : -1;
        *core = c->core >= 0 ? t->cores[c->core].os_index : -1;
}

/* "offline,admin": the topology's names, without blanks. */
static void ban_reasons(unsigned bans, char *buf, size_t size)
{
        char tmp[128];
        size_t j = 0;

        cpu_bans_to_string(bans, tmp, sizeof(tmp));
        for (size_t i = 0; tmp[i] && j + 1 < size; i++)
                if (tmp[i] != ' ')
                        buf[j++] = tmp[i];
        buf[j] = 0;
}

static int method_list_cpus(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        const struct topology *t = m->topo;
        sd_bus_message *reply = NULL;
        int r;

        manager_refresh_placement(m);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(uiiidaus)");
        for (size_t i = 0; r >= 0 && i < t->n_cpus; i++) {
                const struct topo_cpu *c = &t->cpus[i];
                double load = c->os_index < m->cpu_load_len ? m->cpu_load[c->os_index] : 0;
                char reasons[128];
                int node, package, core;

                cpu_ids(t, c, &node, &package, &core);
                ban_reasons(c->bans, reasons, sizeof(reasons));
                r = sd_bus_message_open_container(reply, 'r', "uiiidaus");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "uiiid", c->os_index, node, package, core, load);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "u");
                for (size_t j = 0; r >= 0 && j < m->obs.inv.n; j++) {
                        const struct irq *irq = &m->obs.inv.irqs[j];

                        if (hwloc_bitmap_isset(manager_irq_cpus(m, irq), c->os_index))
                                r = sd_bus_message_append(reply, "u", irq->number);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", reasons);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int append_id_set(sd_bus_message *reply, int id, hwloc_const_bitmap_t set)
{
        _cleanup_free_ char *s = cpulist_format(set);

        if (!s)
                return -ENOMEM;
        return sd_bus_message_append(reply, "(is)", id, s);
}

static int method_get_topology(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        const struct topology *t = m->topo;
        sd_bus_message *reply = NULL;
        _cleanup_free_ char *usable = cpulist_format(t->usable);
        int r;

        if (!usable)
                return -ENOMEM;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(is)");
        for (size_t i = 0; r >= 0 && i < t->n_nodes; i++)
                r = append_id_set(reply, t->nodes[i].os_index, t->nodes[i].cpus);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(is)");
        for (size_t i = 0; r >= 0 && i < t->n_packages; i++)
                r = append_id_set(reply, t->packages[i].os_index, t->packages[i].cpus);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(iiis)");
        for (size_t i = 0; r >= 0 && i < t->n_cores; i++) {
                const struct topo_core *c = &t->cores[i];
                _cleanup_free_ char *pus = cpulist_format(c->pus);

                if (!pus) {
                        r = -ENOMEM;
                        break;
                }
                r = sd_bus_message_append(reply, "(iiis)",
                                          c->package >= 0 ? t->packages[c->package].os_index : -1,
                                          c->node >= 0 ? t->nodes[c->node].os_index : -1,
                                          c->os_index, pus);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", usable);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(us)");
        for (size_t i = 0; r >= 0 && i < t->n_cpus; i++) {
                char reasons[128];

                if (!t->cpus[i].bans)
                        continue;
                ban_reasons(t->cpus[i].bans, reasons, sizeof(reasons));
                r = sd_bus_message_append(reply, "(us)", t->cpus[i].os_index, reasons);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_explain(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        GString *out;
        uint32_t irq;
        int r;

        r = sd_bus_message_read(msg, "u", &irq);
        if (r < 0)
                return r;
        manager_refresh_placement(m);
        out = g_string_new(NULL);
        r = manager_explain(m, irq, out);
        if (r == -ENOENT)
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                      "IRQ %u does not exist (not in /proc/interrupts at the "
                                      "last cycle); ListIrqs() shows the IRQs there are.", irq);
        else if (r >= 0)
                r = sd_bus_reply_method_return(msg, "s", out->str);
        g_string_free(out, TRUE);
        return r;
}

static int method_plan(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        sd_bus_message *reply = NULL;
        struct plan plan;
        int r;

        manager_refresh_placement(m);
        r = manager_preview_plan(m, &plan);
        if (r < 0) {
                plan_done(&plan);
                return sd_bus_error_set_errnof(error, -r, "Policy %s failed to plan: %s",
                                               m->settings.policy->name, strerror(-r));
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ussss)");
        for (size_t i = 0; r >= 0 && i < plan.n; i++) {
                const struct placement *p = &plan.items[i];
                const struct irq *irq = inventory_find(&m->obs.inv, p->irq);
                _cleanup_free_ char *from = NULL, *to = NULL;

                if (!irq || hwloc_bitmap_isequal(irq->affinity, p->cpus))
                        continue;
                from = cpulist_format(irq->affinity);
                to = cpulist_format(p->cpus);
                if (!from || !to) {
                        r = -ENOMEM;
                        break;
                }
                r = sd_bus_message_append(reply, "(ussss)", p->irq, irq->name, from, to, p->reason);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        plan_done(&plan);
        return r;
}

static int method_rebalance(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        int r = check_privileged(m, msg, POLKIT_ACTION_REBALANCE, "rebalance", error);

        if (r != 0)
                return r;
        r = manager_request_cycle(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "The cycle failed: %s; the daemon's "
                                               "log says why.", strerror(-r));
        return sd_bus_reply_method_return(msg, "t", m->cycles);
}

/* The findings as text ("FILE:LINE: error: MESSAGE" lines), or a placeholder when
 * formatting them ran out of memory: an error reply must still go out. */
static char *diags_text(const struct config_diags *diags)
{
        char *s = config_diags_format(diags);

        return s ? s : strdup("(the findings could not be formatted: out of memory)\n");
}

/* Replies to a change of the policy files that failed. Errors in the files are
 * InvalidConfig with every finding, an option given on the command line that wins
 * over the files is OverriddenByCommandLine, anything else keeps its errno. WHAT is
 * the request ("Banning IRQ 40") and OPTION the command-line option that overrides it,
 * or NULL. Callers map the errors peculiar to one method first. */
static int change_failed(sd_bus_error *error, int r, const struct config_diags *diags,
                         const char *what, const char *option)
{
        if (r == -EINVAL && diags->errors > 0) {
                _cleanup_free_ char *text = diags_text(diags);

                return sd_bus_error_setf(error, BUS_ERROR_INVALID_CONFIG,
                                         "%s failed; the old configuration stays in force:\n%s",
                                         what, text ? text : "");
        }
        if (r == -EBUSY)
                return sd_bus_error_setf(error, BUS_ERROR_OVERRIDDEN_BY_COMMAND_LINE,
                                         "irqbald was started with %s, which wins over policy "
                                         "files; remove it from the command line (ExecStart=) "
                                         "to change this at runtime.",
                                         option ? option : "--policy (or --ban-cpus)");
        return sd_bus_error_set_errnof(error, -r, "%s failed: %s; the old configuration stays "
                                       "in force.", what, strerror(-r));
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        struct config_diags diags = {};
        int r = check_privileged(m, msg, POLKIT_ACTION_REBALANCE, "reload", error);

        if (r != 0)
                return r;
        r = manager_reload(m, &diags);
        if (r < 0)
                r = change_failed(error, r, &diags, "Reload", NULL);
        else
                r = sd_bus_reply_method_return(msg, NULL);
        config_diags_done(&diags);
        return r;
}

static const char *severity_name(enum config_severity s)
{
        return s == CONFIG_ERROR ? "error" : "warning";
}

/* Reads for everyone: it checks the files as a reload would and changes nothing. */
static int method_check_config(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        struct config_diags diags = {};
        sd_bus_message *reply = NULL;
        int r, check;

        check = manager_check_config(m, &diags);
        if (check < 0 && check != -EINVAL) {
                r = sd_bus_error_set_errnof(error, -check, "Failed to check the policy files: %s",
                                            strerror(-check));
                goto finish;
        }
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "b", (int) (check >= 0 && diags.errors == 0));
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(suss)");
        for (size_t i = 0; r >= 0 && i < diags.n; i++) {
                const struct config_diag *d = &diags.items[i];

                r = sd_bus_message_append(reply, "(suss)", d->file ? d->file : "", d->line,
                                          severity_name(d->severity), d->message ? d->message : "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
finish:
        sd_bus_message_unref(reply);
        config_diags_done(&diags);
        return r;
}

static int set_policy(sd_bus_message *msg, struct manager *m, const char *name, bool persistent,
                      sd_bus_error *error)
{
        struct config_diags diags = {};
        int r;

        r = check_privileged(m, msg, POLKIT_ACTION_CONFIGURE, "change the policy", error);
        if (r != 0)
                return r;
        r = manager_set_policy(m, name, persistent, &diags);
        if (r == -EINVAL && diags.errors == 0) {
                GString *known = g_string_new(NULL);

                for (size_t i = 0; irqbal_policies[i]; i++)
                        g_string_append_printf(known, "%s%s", i ? ", " : "", irqbal_policies[i]->name);
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                      "Unknown policy '%s'; the policies are: %s.", name, known->str);
                g_string_free(known, TRUE);
        } else if (r < 0)
                r = change_failed(error, r, &diags, "Changing the policy", "--policy");
        else
                r = sd_bus_reply_method_return(msg, NULL);
        config_diags_done(&diags);
        return r;
}

static int method_set_policy(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        return set_policy(msg, userdata, name, false, error);
}

static int method_set_policy_ex(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *name;
        int persistent, r;

        r = sd_bus_message_read(msg, "sb", &name, &persistent);
        if (r < 0)
                return r;
        return set_policy(msg, userdata, name, persistent, error);
}

static int ban_irq(sd_bus_message *msg, struct manager *m, bool ban, sd_bus_error *error)
{
        struct config_diags diags = {};
        char what[64];
        uint32_t irq;
        int persistent, r;

        r = check_privileged(m, msg, POLKIT_ACTION_CONFIGURE, ban ? "ban IRQs" : "unban IRQs", error);
        if (r != 0)
                return r;
        r = sd_bus_message_read(msg, "ub", &irq, &persistent);
        if (r < 0)
                return r;
        r = manager_ban_irq(m, irq, ban, persistent, &diags);
        snprintf(what, sizeof(what), "%s IRQ %" PRIu32, ban ? "Banning" : "Unbanning", irq);
        if (r == -ENOENT && ban)
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                      "No IRQ %" PRIu32 " on this machine (it is not in "
                                      "/proc/interrupts); ListIrqs() shows the IRQs there are. "
                                      "To ban an IRQ that comes later, write a rule in "
                                      CONFIG_PERSISTENT_DIR ".", irq);
        else if (r == -EADDRINUSE) {
                _cleanup_free_ char *text = diags_text(&diags);

                r = sd_bus_error_setf(error, BUS_ERROR_STILL_BANNED,
                                      "IRQ %" PRIu32 " stays banned by another policy file; "
                                      "change or remove that rule:\n%s", irq, text ? text : "");
        } else if (r < 0)
                r = change_failed(error, r, &diags, what, NULL);
        else
                r = sd_bus_reply_method_return(msg, NULL);
        config_diags_done(&diags);
        return r;
}

static int method_ban_irq(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return ban_irq(msg, userdata, true, error);
}

static int method_unban_irq(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return ban_irq(msg, userdata, false, error);
}

static int method_ban_cpus(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        struct config_diags diags = {};
        hwloc_bitmap_t cpus = NULL;
        const char *list;
        char what[128];
        int persistent, r;

        r = check_privileged(m, msg, POLKIT_ACTION_CONFIGURE, "ban CPUs", error);
        if (r != 0)
                return r;
        r = sd_bus_message_read(msg, "sb", &list, &persistent);
        if (r < 0)
                return r;
        cpus = hwloc_bitmap_alloc();
        if (!cpus)
                return -ENOMEM;
        r = cpulist_parse(list, cpus);
        if (r == -EINVAL) {
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                      "Not a CPU list: '%s'; write it like 2-5,8 (\"\" bans none).",
                                      list);
                goto finish;
        }
        if (r < 0)
                goto finish;
        r = manager_ban_cpus(m, cpus, persistent, &diags);
        if (*list)
                snprintf(what, sizeof(what), "Banning CPUs %s", list);
        else
                snprintf(what, sizeof(what), "Lifting irqbalctl's CPU bans");
        if (r == -EINVAL && diags.errors == 0)
                r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                      "Banning CPUs %s would leave no CPU for the IRQs; ban fewer "
                                      "(UsableCPUs and BannedCPUs show the others).", list);
        else if (r < 0)
                r = change_failed(error, r, &diags, what, "--ban-cpus");
        else
                r = sd_bus_reply_method_return(msg, NULL);
finish:
        hwloc_bitmap_free(cpus);
        config_diags_done(&diags);
        return r;
}

static int method_set_interval(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        uint64_t usec;
        int r;

        r = check_privileged(m, msg, POLKIT_ACTION_CONFIGURE, "change the interval", error);
        if (r != 0)
                return r;
        r = sd_bus_message_read(msg, "t", &usec);
        if (r < 0)
                return r;
        r = manager_set_interval(m, usec);
        if (r == -ERANGE)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Interval %" PRIu64 " µs is out of range; give "
                                         "%llu µs (0.1 s) to %llu µs (1 h).", usec,
                                         MANAGER_INTERVAL_MIN_USEC, MANAGER_INTERVAL_MAX_USEC);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

/* Every method is UNPRIVILEGED for sd-bus's own check (which would refuse callers
 * without CAP_SYS_ADMIN with a bare "not permitted"): the reads are for everyone, and
 * the changes check the caller themselves, with check_privileged(). */
static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Policy", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("IntervalUSec", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Cycles", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastCycleUSec", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastCycleTimestamp", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Irqs", "u", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MovableIrqs", "u", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("UnmovableIrqs", "u", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MeasuringIrqs", "u", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("UsableCPUs", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("BannedCPUs", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Moves", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FailedMoves", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PeakLoad", "d", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ConfigFiles", "as", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("ListIrqs", NULL, ,
                                 "a(ussssibsssdds)", SD_BUS_PARAM(irqs),
                                 method_list_irqs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListCPUs", NULL, ,
                                 "a(uiiidaus)", SD_BUS_PARAM(cpus),
                                 method_list_cpus, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetTopology", NULL, ,
                                 "a(is)a(is)a(iiis)sa(us)",
                                 SD_BUS_PARAM(nodes) SD_BUS_PARAM(packages) SD_BUS_PARAM(cores)
                                 SD_BUS_PARAM(usable) SD_BUS_PARAM(banned),
                                 method_get_topology, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Explain", "u", SD_BUS_PARAM(irq),
                                 "s", SD_BUS_PARAM(text),
                                 method_explain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Plan", NULL, ,
                                 "a(ussss)", SD_BUS_PARAM(moves),
                                 method_plan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Rebalance", NULL, ,
                                 "t", SD_BUS_PARAM(cycle),
                                 method_rebalance, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", NULL, NULL, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("CheckConfig", NULL, ,
                                 "ba(suss)", SD_BUS_PARAM(ok) SD_BUS_PARAM(findings),
                                 method_check_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetPolicy", "s", SD_BUS_PARAM(name),
                                 NULL, ,
                                 method_set_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetPolicyEx", "sb", SD_BUS_PARAM(name) SD_BUS_PARAM(persistent),
                                 NULL, ,
                                 method_set_policy_ex, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("BanIrq", "ub", SD_BUS_PARAM(irq) SD_BUS_PARAM(persistent),
                                 NULL, ,
                                 method_ban_irq, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("UnbanIrq", "ub", SD_BUS_PARAM(irq) SD_BUS_PARAM(persistent),
                                 NULL, ,
                                 method_unban_irq, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("BanCPUs", "sb", SD_BUS_PARAM(cpus) SD_BUS_PARAM(persistent),
                                 NULL, ,
                                 method_ban_cpus, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetInterval", "t", SD_BUS_PARAM(usec),
                                 NULL, ,
                                 method_set_interval, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* org.freedesktop.LogControl1 (see systemd's org.freedesktop.LogControl1(5)). */
static int log_property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        if (strcmp(property, "LogLevel") == 0)
                return sd_bus_message_append(reply, "s", log_level_to_string(log_get_max_level()));
        if (strcmp(property, "LogTarget") == 0)
                return sd_bus_message_append(reply, "s", log_get_target_string());
        return sd_bus_message_append(reply, "s", "irqbald");
}

static int log_level_set(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *value, void *userdata, sd_bus_error *error)
{
        const char *s;
        int level, r;

        r = sd_bus_message_read(value, "s", &s);
        if (r < 0)
                return r;
        r = polkit_root_only(value, "change the log level", error);
        if (r < 0)
                return r;
        level = log_level_from_string(s);
        if (level < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown log level '%s'; give one of emerg, alert, "
                                         "crit, err, warning, notice, info, debug.", s);
        log_set_max_level(level);
        log_info("Log level set to %s over D-Bus.", s);
        return 0;
}

static int log_target_set(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *value, void *userdata, sd_bus_error *error)
{
        const char *s;
        int r;

        r = sd_bus_message_read(value, "s", &s);
        if (r < 0)
                return r;
        r = polkit_root_only(value, "change the log target", error);
        if (r < 0)
                return r;
        if (log_set_target_from_string(s) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown log target '%s'; give one of console, "
                                         "journal, syslog, kmsg, null.", s);
        return 0;
}

static const sd_bus_vtable log_control_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_WRITABLE_PROPERTY("LogLevel", "s", log_property_get, log_level_set, 0,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_WRITABLE_PROPERTY("LogTarget", "s", log_property_get, log_target_set, 0,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("SyslogIdentifier", "s", log_property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

static void cache_free(struct bus_cache *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < _PROP_MAX; i++)
                prop_value_done(&c->v[i]);
        polkit_registry_free(c->polkit);
        free(c);
}

int bus_connect(struct manager *m)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_full_errno(LOG_NOTICE, r, "No system bus (%m), running without D-Bus.");
                return r;
        }
        (void) sd_bus_set_description(bus, "irqbald-system-bus");
        r = sd_bus_add_object_vtable(bus, NULL, BUS_PATH, BUS_INTERFACE, manager_vtable, m);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, BUS_LOG_CONTROL_PATH,
                                             BUS_LOG_CONTROL_INTERFACE, log_control_vtable, m);
        if (r < 0) {
                log_error_errno(r, "Failed to register the D-Bus objects, running without D-Bus: %m");
                goto fail;
        }
        r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r < 0) {
                if (r == -EEXIST)
                        log_warning("Another process owns %s on the system bus (is another "
                                    "irqbald running?); running without D-Bus.", BUS_NAME);
                else
                        log_warning_errno(r, "Failed to own %s on the system bus (is the D-Bus "
                                          "policy file installed?): %m; running without D-Bus.", BUS_NAME);
                goto fail;
        }
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_error_errno(r, "Failed to attach the bus to the event loop, running without "
                                "D-Bus: %m");
                goto fail;
        }
        m->bus_cache = calloc(1, sizeof(*m->bus_cache));
        if (!m->bus_cache) {
                r = -ENOMEM;
                goto fail;
        }
        m->bus = bus;
        log_debug("Owning %s on the system bus.", BUS_NAME);
        return 0;
fail:
        sd_bus_flush_close_unref(bus);
        return r;
}

void bus_done(struct manager *m)
{
        if (m->bus) {
                (void) sd_bus_release_name(m->bus, BUS_NAME);
                (void) sd_bus_detach_event(m->bus);
                m->bus = sd_bus_flush_close_unref(m->bus);
        }
        cache_free(m->bus_cache);
        m->bus_cache = NULL;
}
