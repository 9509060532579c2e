/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's configuration in use: loading it, reloading it whole or not at all, and
 * the runtime changes irqbalctl makes by writing drop-ins. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "irqbal/bus.h"
#include "irqbal/cpuset.h"
#include "irqbal/log.h"
#include "irqbal/manager.h"

static const char *const dropin_names[] = {
        [DROPIN_POLICY] = "policy",
        [DROPIN_BANNED_IRQS] = "banned-irqs",
        [DROPIN_BANNED_CPUS] = "banned-cpus",
};

const char *manager_dropin_to_string(enum manager_dropin d)
{
        return (size_t) d < ELEMENTSOF(dropin_names) ? dropin_names[d] : "unknown";
}

void manager_log_diags(const struct config_diags *diags)
{
        for (size_t i = 0; i < diags->n; i++) {
                const struct config_diag *d = &diags->items[i];
                char where[32] = "";

                if (d->line)
                        snprintf(where, sizeof(where), ":%u", d->line);
                if (d->severity == CONFIG_ERROR)
                        log_error("%s%s: %s", d->file, where, d->message);
                else
                        log_warning("%s%s: %s", d->file, where, d->message);
        }
}

int manager_load_configuration(const struct irqbal_root *root, const struct options *opts,
                               struct config *ret_conf, struct settings *ret_settings,
                               struct topology **ret_topo, struct config_diags *diags)
{
        struct config conf = {};
        struct settings settings = {};
        struct topology *topo = NULL;
        struct topology_options topts = { .spec = opts->topology };
        int r, invalid;

        /* Files with errors are still read as far as they go and checked against the
         * machine, so that one run lists every problem. */
        invalid = config_load(root, &conf, diags);
        if (invalid < 0 && invalid != -EINVAL) {
                r = invalid;
                goto fail;
        }
        r = settings_merge(opts, &conf, &settings);
        if (r == -EINVAL && invalid == -EINVAL)
                /* A bad Policy= in a file, already among the findings. */
                goto fail;
        if (r == -EINVAL) {
                log_error("Unknown policy '%s'; irqbald --list-policies shows the policies "
                          "there are.", opts->policy);
                goto fail;
        }
        if (r < 0)
                goto fail;
        topts.banned = settings.banned;
        topts.allow_isolated = !settings.ban_isolated;
        r = topology_load(root, &topts, &topo);
        if (r < 0) {
                log_error_errno(r, "Failed to load the topology: %m");
                goto fail;
        }
        r = config_check_machine(&conf, topo, diags);
        if (r >= 0)
                r = invalid;
        if (r < 0)
                goto fail;
        if (hwloc_bitmap_iszero(topo->usable))
                log_warning("No CPU is usable for movable IRQs (all offline, isolated or "
                            "banned): irqbald will leave every IRQ where it is.");
        *ret_conf = conf;
        *ret_settings = settings;
        *ret_topo = topo;
        return 0;
fail:
        topology_free(topo);
        settings_done(&settings);
        config_done(&conf);
        return r;
}

int manager_check_config(struct manager *m, struct config_diags *diags)
{
        struct config conf = {};
        struct settings settings = {};
        struct topology *topo = NULL;
        int r = manager_load_configuration(&m->root, m->opts, &conf, &settings, &topo, diags);

        if (r < 0)
                return r;
        topology_free(topo);
        settings_done(&settings);
        config_done(&conf);
        return 0;
}

/* Takes a loaded configuration into use; nothing can fail from here on. */
static void take_configuration(struct manager *m, struct config *conf, struct settings *settings,
                               struct topology *topo)
{
        const struct irqbal_policy *old_policy = m->settings.policy;
        double old_interval = m->settings.interval;

        config_done(&m->conf);
        m->conf = *conf;
        settings_done(&m->settings);
        m->settings = *settings;
        topology_free(m->topo);
        m->topo = topo;
        m->obs.topo = topo;
        /* New PCI locality, maybe new nodes: the inventory is rebuilt at the next cycle. */
        m->obs.rescan_requested = true;
        if (old_policy && old_policy != m->settings.policy)
                log_info("Policy changed from %s to %s (%s); it plans from the next cycle on.",
                         old_policy->name, m->settings.policy->name, m->settings.policy_from);
        /* An interval set over D-Bus stands until the files change it. */
        if (old_interval != m->settings.interval)
                (void) manager_set_interval(m, (uint64_t) (m->settings.interval * 1e6));
        apply_set_respect_external_pins(m->apply, m->settings.respect_external_pins);
        m->config_generation++;
        /* So that reports between now and the next cycle show the new bans. */
        (void) manager_update_rule_effects(m);
}

int manager_reload(struct manager *m, struct config_diags *diags)
{
        struct config_diags local = {};
        struct config conf = {};
        struct settings settings = {};
        struct topology *topo = NULL;
        size_t len;
        double *load;
        int r;

        if (!diags)
                diags = &local;
        r = manager_load_configuration(&m->root, m->opts, &conf, &settings, &topo, diags);
        manager_log_diags(diags);
        if (r < 0) {
                log_error("Reload failed (%zu errors in the policy files, or see above); "
                          "the old configuration stays in force.", diags->errors);
                config_diags_done(&local);
                return r;
        }
        config_diags_done(&local);
        len = (size_t) hwloc_bitmap_last(topo->all) + 1;
        load = calloc(len, sizeof(double));
        if (!load) {
                topology_free(topo);
                settings_done(&settings);
                config_done(&conf);
                return -ENOMEM;
        }
        /* The old per-CPU loads stand until the next cycle accounts the plan again. */
        memcpy(load, m->cpu_load, (len < m->cpu_load_len ? len : m->cpu_load_len) * sizeof(double));
        free(m->cpu_load);
        m->cpu_load = load;
        m->cpu_load_len = len;
        take_configuration(m, &conf, &settings, topo);
        log_info("Reloaded: %zu policy files, %zu rules; topology %s, %d usable of %d CPUs.",
                 m->conf.n_files, m->conf.n_rules, m->topo->source,
                 hwloc_bitmap_weight(m->topo->usable), hwloc_bitmap_weight(m->topo->all));
        bus_emit_properties_changed(m);
        return 0;
}

/* The runtime drop-in of KIND, or the persistent one. */
static char *dropin_path(enum manager_dropin kind, bool persistent)
{
        char *p;

        if (asprintf(&p, "%s/%s-irqbalctl-%s.conf",
                     persistent ? CONFIG_PERSISTENT_DIR : CONFIG_RUNTIME_DIR,
                     persistent ? "90" : "95", manager_dropin_to_string(kind)) < 0)
                return NULL;
        return p;
}

/* mkdir -p under the root, 0755: drop-in directories are read by root only, but the
 * config loader refuses group- or world-writable ones. */
static int mkdir_parents(const struct irqbal_root *root, const char *abspath)
{
        _cleanup_free_ char *path = root_path(root, abspath);

        if (!path)
                return -ENOMEM;
        for (char *s = strchr(path + 1, '/'); ; s = strchr(s + 1, '/')) {
                if (s)
                        *s = '\0';
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                if (!s)
                        return 0;
                *s = '/';
        }
}

/* Replaces ABSPATH by CONTENT atomically (NULL removes it): the daemon may read the
 * directory at any time and must never see half a file. */
static int replace_file(const struct irqbal_root *root, const char *abspath, const char *content)
{
        _cleanup_free_ char *path = root_path(root, abspath), *dir = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -1;
        const char *base = strrchr(abspath, '/') + 1;
        size_t len;
        int r;

        if (!path)
                return -ENOMEM;
        if (!content)
                return unlink(path) < 0 && errno != ENOENT ? negative_errno() : 0;
        dir = strndup(abspath, (size_t) (base - 1 - abspath));
        if (!dir)
                return -ENOMEM;
        r = mkdir_parents(root, dir);
        if (r < 0)
                return r;
        /* Beside the target, so that rename() is atomic; hidden names are skipped by
         * the loader. */
        if (asprintf(&tmp, "%.*s.%s.XXXXXX", (int) (strlen(path) - strlen(base)), path, base) < 0)
                return -ENOMEM;
        fd = mkstemp(tmp);
        if (fd < 0)
                return negative_errno();
        len = strlen(content);
        if (fchmod(fd, 0644) < 0 || write(fd, content, len) != (ssize_t) len || fsync(fd) < 0 ||
            rename(tmp, path) < 0) {
                r = negative_errno();
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

/* What a drop-in holds now (NULL if none), to put it back when a change fails. */
static char *read_dropin(const struct irqbal_root *root, const char *abspath)
{
        char *s = NULL;

        return root_read_file(root, abspath, &s) < 0 ? NULL : s;
}

static char *dropin_text(const char *what, const char *body)
{
        char stamp[64] = "";
        time_t now = time(NULL);
        struct tm tm;
        char *s;

        if (localtime_r(&now, &tm))
                strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S %z", &tm);
        if (asprintf(&s, "# Written by irqbald for irqbalctl %s on %s.\n"
                     "# irqbalctl changes it; edit it or remove it by hand if you like.\n%s",
                     what, stamp, body) < 0)
                return NULL;
        return s;
}

/* Writes the drop-in of KIND (CONTENT NULL removes it), then reloads; on a failed reload
 * the files are put back as they were. With PERSISTENT the runtime drop-in of KIND is
 * removed too, or it would hide the persistent change (it sorts later). */
static int change_dropin(struct manager *m, enum manager_dropin kind, bool persistent,
                         const char *content, struct config_diags *diags)
{
        _cleanup_free_ char *path = dropin_path(kind, persistent);
        _cleanup_free_ char *runtime = persistent ? dropin_path(kind, false) : NULL;
        _cleanup_free_ char *old = NULL, *old_runtime = NULL;
        int r;

        if (!path || (persistent && !runtime))
                return -ENOMEM;
        old = read_dropin(&m->root, path);
        if (runtime)
                old_runtime = read_dropin(&m->root, runtime);
        r = replace_file(&m->root, path, content);
        if (r >= 0 && runtime)
                r = replace_file(&m->root, runtime, NULL);
        if (r < 0) {
                log_error_errno(r, "Failed to write %s%s: %m",
                                root_is_host(&m->root) ? "" : m->root.path, path);
                goto undo;
        }
        log_info("%s %s.", content ? "Wrote" : "Removed", path);
        r = manager_reload(m, diags);
        if (r >= 0)
                return 0;
undo:
        (void) replace_file(&m->root, path, old);
        if (runtime)
                (void) replace_file(&m->root, runtime, old_runtime);
        return r;
}

int manager_set_policy(struct manager *m, const char *name, bool persistent,
                       struct config_diags *diags)
{
        _cleanup_free_ char *body = NULL, *text = NULL;

        if (!policy_find(name))
                return -EINVAL;
        if (m->opts->given & OPTION_GIVEN_POLICY)
                return -EBUSY;
        if (asprintf(&body, "[Daemon]\nPolicy=%s\n", name) < 0)
                return -ENOMEM;
        text = dropin_text("set-policy", body);
        if (!text)
                return -ENOMEM;
        return change_dropin(m, DROPIN_POLICY, persistent, text, diags);
}

/* The IRQs irqbalctl's drop-in of that kind bans now (its rule's Irq=). */
static void banned_by_dropin(const struct manager *m, bool persistent, hwloc_bitmap_t set)
{
        _cleanup_free_ char *path = dropin_path(DROPIN_BANNED_IRQS, persistent);

        for (size_t i = 0; path && i < m->conf.n_rules; i++) {
                const struct config_rule *rule = &m->conf.rules[i];

                if (rule->irqs && rule->ban && strcmp(rule->file, path) == 0)
                        hwloc_bitmap_or(set, set, rule->irqs);
        }
}

int manager_ban_irq(struct manager *m, unsigned irq, bool ban, bool persistent,
                    struct config_diags *diags)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        _cleanup_free_ char *list = NULL, *body = NULL, *text = NULL;
        const struct irq *found;
        struct rule_effect effect;
        int r;

        if (!set)
                return -ENOMEM;
        if (ban && !inventory_find(&m->obs.inv, irq)) {
                hwloc_bitmap_free(set);
                return -ENOENT;
        }
        /* A persistent change takes in the runtime bans, whose file it removes. */
        banned_by_dropin(m, persistent, set);
        if (persistent)
                banned_by_dropin(m, false, set);
        if (ban)
                hwloc_bitmap_set(set, irq);
        else
                hwloc_bitmap_clr(set, irq);
        if (!hwloc_bitmap_iszero(set)) {
                list = cpulist_format(set);
                if (!list || asprintf(&body, "[Match]\nIrq=%s\n\n[Placement]\nBan=yes\n", list) < 0 ||
                    !(text = dropin_text(ban ? "ban-irq" : "unban-irq", body))) {
                        hwloc_bitmap_free(set);
                        return -ENOMEM;
                }
        }
        hwloc_bitmap_free(set);
        r = change_dropin(m, DROPIN_BANNED_IRQS, persistent, text, diags);
        if (r < 0 || ban)
                return r;
        /* Unbanned by irqbalctl, but another file may ban it too: say which. */
        found = inventory_find(&m->obs.inv, irq);
        if (!found)
                return 0;
        rules_resolve(&m->conf, found, &effect);
        if (effect.ban) {
                if (diags)
                        config_diag_add(diags, CONFIG_WARNING, effect.ban_origin.file,
                                        effect.ban_origin.line,
                                        "IRQ %u is still banned here; edit this file to unban it.", irq);
                return -EADDRINUSE;
        }
        return 0;
}

int manager_ban_cpus(struct manager *m, hwloc_const_bitmap_t cpus, bool persistent,
                     struct config_diags *diags)
{
        _cleanup_free_ char *list = NULL, *body = NULL, *text = NULL;
        hwloc_bitmap_t left;
        bool none;

        if (m->opts->given & OPTION_GIVEN_BANNED)
                return -EBUSY;
        left = hwloc_bitmap_alloc();
        if (!left)
                return -ENOMEM;
        hwloc_bitmap_andnot(left, m->topo->online, cpus);
        none = hwloc_bitmap_iszero(left);
        hwloc_bitmap_free(left);
        /* Banning every CPU leaves nothing to balance on: surely a mistake. */
        if (none)
                return -EINVAL;
        list = cpulist_format(cpus);
        if (!list || asprintf(&body, "[Daemon]\nBannedCPUs=%s\n", list) < 0)
                return -ENOMEM;
        text = dropin_text("ban-cpus", body);
        if (!text)
                return -ENOMEM;
        return change_dropin(m, DROPIN_BANNED_CPUS, persistent, text, diags);
}
