/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <hwloc.h>
#include <stdbool.h>
#include <stddef.h>

#include "irqbal/irq.h"
#include "irqbal/root.h"
#include "irqbal/topology.h"

/* The operator's files, read whole and checked before anything uses them:
 *
 *   /etc/irqbald/irqbald.conf          [Daemon] settings
 *   {/usr/lib,/usr/local/lib,/run,/etc}/irqbald/policy.d/NAME.conf
 *                                      drop-ins: a [Daemon] section (overrides
 *                                      irqbald.conf key by key) and/or one rule,
 *                                      [Match] + [Placement]
 *
 * Drop-ins of one NAME: /etc hides /run hides /usr/local/lib hides /usr/lib; a symlink
 * to /dev/null masks the name. The survivors apply in NAME order, each later file
 * winning key by key. All paths are reached through the root (--root). */

#define CONFIG_MAIN_FILE "/etc/irqbald/irqbald.conf"
#define CONFIG_DROPIN_SUFFIX ".conf"
/* Where irqbalctl's changes go: /run for runtime ones, /etc with --persistent. */
#define CONFIG_RUNTIME_DIR "/run/irqbald/policy.d"
#define CONFIG_PERSISTENT_DIR "/etc/irqbald/policy.d"

/* Drop-in directories, lowest precedence first. */
extern const char *const config_dropin_dirs[];

enum config_severity {
        CONFIG_WARNING,
        CONFIG_ERROR,
};

/* One finding about a file, printed as "FILE:LINE: error: MESSAGE". */
struct config_diag {
        enum config_severity severity;
        char *file;             /* the path as on the machine ("/etc/irqbald/…"), not under the root */
        unsigned line;          /* 1-based; 0 = about the file as a whole */
        char *message;          /* says what is wrong and what to write instead */
};

struct config_diags {
        struct config_diag *items;
        size_t n, cap;
        size_t errors;          /* items with CONFIG_ERROR */
};

void config_diag_add(struct config_diags *d, enum config_severity severity, const char *file,
                     unsigned line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "FILE:LINE: error: MESSAGE\n" per item (no ":LINE" when 0), in the order found. */
char *config_diags_format(const struct config_diags *d);
void config_diags_done(struct config_diags *d);

/* Where a value came from, for Explain and for messages. */
struct config_origin {
        const char *file;       /* points into struct config's file list; NULL = unset */
        unsigned line;
};

/* [Daemon]. A key is set when its origin's file is non-NULL; command-line options win
 * over every file (options.h says which were given). */
struct config_daemon {
        char *policy;                   struct config_origin policy_origin;
        double interval;                struct config_origin interval_origin;       /* seconds */
        hwloc_bitmap_t banned_cpus;     struct config_origin banned_cpus_origin;    /* NULL if unset */
        bool ban_isolated;              struct config_origin ban_isolated_origin;
        bool restore_on_exit;           struct config_origin restore_on_exit_origin;
        bool respect_external_pins;     struct config_origin respect_external_pins_origin;
        double hysteresis;              struct config_origin hysteresis_origin;     /* 0..1 */
        double pack_low, pack_high;     struct config_origin pack_thresholds_origin;
        hwloc_bitmap_t housekeeping_cpus; struct config_origin housekeeping_cpus_origin; /* NULL if unset */
};

/* The [Match] keys; a rule matches an IRQ when every key it gives matches. */
enum rule_match_key {
        MATCH_IRQ,
        MATCH_NAME,
        MATCH_DRIVER,
        MATCH_DEVICE,
        MATCH_CLASS,
        MATCH_INTERFACE,
        MATCH_NODE,
        _MATCH_MAX,
};

/* The [Placement] keys. */
enum rule_placement_key {
        PLACE_BAN,
        PLACE_CPUS,
        PLACE_NODE,
        PLACE_POLICY,
        PLACE_WEIGHT,
        PLACE_EXCLUSIVE,
        _PLACE_MAX,
};

/* One drop-in's [Match] + [Placement]. Lists are space-separated in the file; one item
 * of a list matching is enough, every key given must match. */
struct config_rule {
        const char *file;               /* into struct config's file list */
        unsigned match_line;            /* line of "[Match]" */
        unsigned match_lines[_MATCH_MAX];   /* line of each key, 0 = not given */
        hwloc_bitmap_t irqs;            /* Irq=: IRQ numbers ("24-31 40") */
        char **names;                   /* Name=: globs on the action name (NULL-terminated) */
        char **drivers;                 /* Driver=: globs */
        char **devices;                 /* Device=: globs on the PCI address */
        unsigned classes;               /* Class=: bits 1 << enum irq_class */
        char **interfaces;              /* Interface=: globs on the network interface */
        hwloc_bitmap_t nodes;           /* Node=: NUMA node ids */

        unsigned placement_lines[_PLACE_MAX]; /* line of each key, 0 = not given */
        bool ban;                       /* Ban= */
        hwloc_bitmap_t cpus;            /* CPUs=, NULL if not given */
        int node;                       /* Node= (kernel id) */
        char *policy;                   /* Policy=, NULL if not given */
        double weight;                  /* Weight=, > 0 */
        bool exclusive;                 /* Exclusive= */
};

struct config {
        char **files;                   /* every file read, in the order applied; origins point here */
        size_t n_files;
        char **masked;                  /* drop-in names masked by a /dev/null symlink */
        size_t n_masked;
        struct config_daemon daemon;
        struct config_rule *rules;      /* in file-name order */
        size_t n_rules;
};

/* Reads irqbald.conf and every drop-in under ROOT, and checks them on their own
 * (syntax, keys, values, permissions). Missing files and directories are no error.
 * Every finding goes to DIAGS. Returns 0 when there was no error (warnings are fine),
 * -EINVAL when DIAGS holds an error: RET is then still filled with what could be read,
 * for --check-config, and must not be used to balance. -ENOMEM and the like otherwise. */
int config_load(const struct irqbal_root *root, struct config *ret, struct config_diags *diags);
/* What callers can rely on after config_load():
 * - RET is safe to config_done() whatever it returned (zeroed after -ENOMEM & co).
 * - A [Daemon] key that no file sets keeps irqbald's default (interval 10 s, the three
 *   booleans yes, the policies' hysteresis and pack thresholds) with a NULL origin;
 *   banned_cpus and housekeeping_cpus stay NULL.
 * - A key with a bad value is reported and counts as not given: the value and origin
 *   stay as an earlier file left them; a rule's match_lines[]/placement_lines[] entry
 *   stays 0 (and its field NULL, -1 or the default). So a line set means a usable value.
 * - A file, or a policy.d directory, owned by anyone but root or the daemon's own euid,
 *   or writable by its group or by everyone, is refused unread (an error at line 0).
 * - Findings come file by file in the order read (irqbald.conf, then drop-ins by name),
 *   each file's sorted by line. config_check_machine() appends its own in rule order. */
/* Checks CONF against this machine: CPUs and nodes that do not exist, rules that leave
 * no usable CPU. Adds to DIAGS; returns -EINVAL if it added an error. */
int config_check_machine(const struct config *conf, const struct topology *topo,
                         struct config_diags *diags);
void config_done(struct config *conf);
