/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/config.h"
#include "irqbal/cpuset.h"
#include "irqbal/manager.h"
#include "irqbal/options.h"
#include "irqbal/rules.h"
#include "testlib.h"

/* Rules and IRQs are built by hand: these tests are about matching and resolving, not
 * about reading files (config_load has its own tests). The last ones are about what the
 * manager makes of the rules for the policy: a policy file on a fake root. */

#define FILE_10 "/etc/irqbald/policy.d/10-nic.conf"
#define FILE_50 "/run/irqbald/policy.d/50-override.conf"

/* An IRQ of a NIC queue on node 1. The strings are arrays: struct irq's are not const. */
struct fake_irq {
        struct irq irq;
        char name[32], device[32], driver[32], interface[16];
};

static void fake_nic(struct fake_irq *f)
{
        snprintf(f->name, sizeof(f->name), "eth0-TxRx-3");
        snprintf(f->device, sizeof(f->device), "0000:81:00.0");
        snprintf(f->driver, sizeof(f->driver), "ixgbe");
        snprintf(f->interface, sizeof(f->interface), "eth0");
        f->irq = (struct irq) {
                .number = 57, .name = f->name, .device = f->device, .driver = f->driver,
                .interface = f->interface, .class = IRQ_CLASS_NET, .node = 1, .movable = true,
        };
}

/* An IRQ with nothing known but its number and name: a legacy line. */
static void fake_legacy(struct fake_irq *f)
{
        snprintf(f->name, sizeof(f->name), "i8042");
        f->irq = (struct irq) {
                .number = 1, .name = f->name, .class = IRQ_CLASS_LEGACY, .node = -1,
        };
}

/* Rules own their bitmaps; string lists point at static storage in these tests. */
static void rule_done(struct config_rule *r)
{
        hwloc_bitmap_free(r->irqs);
        hwloc_bitmap_free(r->nodes);
        hwloc_bitmap_free(r->cpus);
        *r = (struct config_rule) {};
}

static hwloc_bitmap_t list(const char *s)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        ck_assert_int_eq(cpulist_parse(s, set), 0);
        return set;
}

static struct config_rule rule_in(const char *file)
{
        return (struct config_rule) { .file = file, .match_line = 1, .node = -1, .weight = 1 };
}

/* ---- Matching, key by key --------------------------------------------------------- */

START_TEST(irq_numbers_match_by_list)
{
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f;

        fake_nic(&f);
        r.match_lines[MATCH_IRQ] = 2;
        r.irqs = list("24-31,57");
        ck_assert(rule_matches(&r, &f.irq));
        f.irq.number = 58;
        ck_assert(!rule_matches(&r, &f.irq));
        f.irq.number = 24;
        ck_assert(rule_matches(&r, &f.irq));
        rule_done(&r);
}
END_TEST

START_TEST(names_match_by_glob)
{
        char *globs[] = { "nvme*", "eth?-TxRx-*", NULL };
        char *other[] = { "eth0", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f;

        fake_nic(&f);
        r.match_lines[MATCH_NAME] = 2;
        r.names = globs;
        ck_assert(rule_matches(&r, &f.irq));
        /* A glob matches the whole name, not a prefix of it. */
        r.names = other;
        ck_assert(!rule_matches(&r, &f.irq));
        snprintf(f.name, sizeof(f.name), "eth10-TxRx-0");
        r.names = globs;
        ck_assert(!rule_matches(&r, &f.irq));
        rule_done(&r);
}
END_TEST

START_TEST(an_irq_without_a_name_matches_no_name_glob)
{
        char *all[] = { "*", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f;

        fake_nic(&f);
        r.match_lines[MATCH_NAME] = 2;
        r.names = all;
        ck_assert(rule_matches(&r, &f.irq));
        f.name[0] = 0;          /* the inventory's "no action name" */
        ck_assert(!rule_matches(&r, &f.irq));
        f.irq.name = NULL;
        ck_assert(!rule_matches(&r, &f.irq));
        rule_done(&r);
}
END_TEST

START_TEST(drivers_match_by_glob_and_no_driver_matches_nothing)
{
        char *globs[] = { "mlx5*", "ixgb?", NULL };
        char *all[] = { "*", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f, legacy;

        fake_nic(&f);
        fake_legacy(&legacy);
        r.match_lines[MATCH_DRIVER] = 3;
        r.drivers = globs;
        ck_assert(rule_matches(&r, &f.irq));
        snprintf(f.driver, sizeof(f.driver), "ixgbevf");
        ck_assert(!rule_matches(&r, &f.irq));
        r.drivers = all;
        ck_assert(rule_matches(&r, &f.irq));
        ck_assert(!rule_matches(&r, &legacy.irq));
        rule_done(&r);
}
END_TEST

START_TEST(devices_match_by_glob_and_no_device_matches_nothing)
{
        char *globs[] = { "0000:81:*", NULL };
        char *all[] = { "*", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f, legacy;

        fake_nic(&f);
        fake_legacy(&legacy);
        r.match_lines[MATCH_DEVICE] = 3;
        r.devices = globs;
        ck_assert(rule_matches(&r, &f.irq));
        snprintf(f.device, sizeof(f.device), "0000:01:00.0");
        ck_assert(!rule_matches(&r, &f.irq));
        r.devices = all;
        ck_assert(rule_matches(&r, &f.irq));
        ck_assert(!rule_matches(&r, &legacy.irq));
        rule_done(&r);
}
END_TEST

START_TEST(classes_match_by_bit)
{
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f, legacy;

        fake_nic(&f);
        fake_legacy(&legacy);
        r.match_lines[MATCH_CLASS] = 2;
        r.classes = 1u << IRQ_CLASS_NET | 1u << IRQ_CLASS_STORAGE;
        ck_assert(rule_matches(&r, &f.irq));
        ck_assert(!rule_matches(&r, &legacy.irq));
        f.irq.class = IRQ_CLASS_STORAGE;
        ck_assert(rule_matches(&r, &f.irq));
        /* Class=other is a class like any other, not "anything". */
        r.classes = 1u << IRQ_CLASS_OTHER;
        ck_assert(!rule_matches(&r, &f.irq));
        f.irq.class = IRQ_CLASS_OTHER;
        ck_assert(rule_matches(&r, &f.irq));
        rule_done(&r);
}
END_TEST

START_TEST(interfaces_match_by_glob_and_no_interface_matches_nothing)
{
        char *globs[] = { "eth*", "ens1f0", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f, legacy;

        fake_nic(&f);
        fake_legacy(&legacy);
        r.match_lines[MATCH_INTERFACE] = 4;
        r.interfaces = globs;
        ck_assert(rule_matches(&r, &f.irq));
        snprintf(f.interface, sizeof(f.interface), "ens1f1");
        ck_assert(!rule_matches(&r, &f.irq));
        snprintf(f.interface, sizeof(f.interface), "ens1f0");
        ck_assert(rule_matches(&r, &f.irq));
        ck_assert(!rule_matches(&r, &legacy.irq));
        rule_done(&r);
}
END_TEST

START_TEST(nodes_match_by_list_and_node_minus_one_matches_nothing)
{
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f, legacy;

        fake_nic(&f);
        fake_legacy(&legacy);
        r.match_lines[MATCH_NODE] = 2;
        r.nodes = list("0-1,33");
        ck_assert(rule_matches(&r, &f.irq));
        f.irq.node = 33;
        ck_assert(rule_matches(&r, &f.irq));
        f.irq.node = 2;
        ck_assert(!rule_matches(&r, &f.irq));
        ck_assert_int_eq(legacy.irq.node, -1);
        ck_assert(!rule_matches(&r, &legacy.irq));
        /* Not even a set holding every number: -1 is no node, not node 2^32-1. */
        hwloc_bitmap_fill(r.nodes);
        ck_assert(rule_matches(&r, &f.irq));
        ck_assert(!rule_matches(&r, &legacy.irq));
        rule_done(&r);
}
END_TEST

START_TEST(every_key_given_must_match)
{
        char *names[] = { "eth0-*", NULL };
        char *drivers[] = { "ixgbe", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f;

        fake_nic(&f);
        r.match_lines[MATCH_NAME] = 2;
        r.names = names;
        r.match_lines[MATCH_DRIVER] = 3;
        r.drivers = drivers;
        r.match_lines[MATCH_NODE] = 4;
        r.nodes = list("1");
        ck_assert(rule_matches(&r, &f.irq));
        f.irq.node = 0;
        ck_assert(!rule_matches(&r, &f.irq));
        f.irq.node = 1;
        snprintf(f.driver, sizeof(f.driver), "e1000e");
        ck_assert(!rule_matches(&r, &f.irq));
        /* A key not given (line 0) is not looked at, whatever its field holds. */
        r.match_lines[MATCH_DRIVER] = 0;
        ck_assert(rule_matches(&r, &f.irq));
        rule_done(&r);
}
END_TEST

START_TEST(a_rule_without_match_keys_matches_nothing)
{
        struct config_rule r = rule_in(FILE_10);
        struct fake_irq f, legacy;

        fake_nic(&f);
        fake_legacy(&legacy);
        /* The fields are set, but no key is given. */
        r.irqs = list("0-1023");
        r.classes = ~0u;
        ck_assert(!rule_matches(&r, &f.irq));
        ck_assert(!rule_matches(&r, &legacy.irq));
        rule_done(&r);
}
END_TEST

/* ---- Resolving ------------------------------------------------------------------- */

START_TEST(no_config_and_no_match_give_the_defaults)
{
        char *names[] = { "nvme*", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct config conf = { .rules = &r, .n_rules = 1 };
        struct rule_effect e;
        struct fake_irq f;

        fake_nic(&f);
        memset(&e, 0xaa, sizeof(e));
        rules_resolve(NULL, &f.irq, &e);
        ck_assert(!e.ban);
        ck_assert_ptr_null(e.cpus);
        ck_assert_int_eq(e.node, -1);
        ck_assert_ptr_null(e.policy);
        ck_assert_double_eq(e.weight, 1);
        ck_assert(!e.exclusive);
        ck_assert_uint_eq(e.n_matched, 0);
        ck_assert_ptr_null(e.ban_origin.file);
        ck_assert_uint_eq(e.ban_origin.line, 0);
        ck_assert_ptr_null(e.cpus_origin.file);
        ck_assert_ptr_null(e.weight_origin.file);

        r.match_lines[MATCH_NAME] = 2;
        r.names = names;
        r.placement_lines[PLACE_BAN] = 4;
        r.ban = true;
        memset(&e, 0xaa, sizeof(e));
        rules_resolve(&conf, &f.irq, &e);
        ck_assert(!e.ban);
        ck_assert_uint_eq(e.n_matched, 0);
        ck_assert_ptr_null(e.ban_origin.file);
        rule_done(&r);
}
END_TEST

START_TEST(a_matching_rule_sets_only_the_keys_it_gives)
{
        char *drivers[] = { "ixgbe", NULL };
        struct config_rule r = rule_in(FILE_10);
        struct config conf = { .rules = &r, .n_rules = 1 };
        struct rule_effect e;
        struct fake_irq f;

        fake_nic(&f);
        r.match_lines[MATCH_DRIVER] = 2;
        r.drivers = drivers;
        r.placement_lines[PLACE_CPUS] = 5;
        r.cpus = list("4-7");
        r.placement_lines[PLACE_EXCLUSIVE] = 6;
        r.exclusive = true;
        /* Given a value but no line: not given. */
        r.ban = true;
        r.policy = (char *) "pack";
        rules_resolve(&conf, &f.irq, &e);
        ck_assert_uint_eq(e.n_matched, 1);
        ck_assert_ptr_eq(e.cpus, r.cpus);
        ck_assert_str_eq(e.cpus_origin.file, FILE_10);
        ck_assert_uint_eq(e.cpus_origin.line, 5);
        ck_assert(e.exclusive);
        ck_assert_uint_eq(e.exclusive_origin.line, 6);
        ck_assert(!e.ban);
        ck_assert_ptr_null(e.ban_origin.file);
        ck_assert_ptr_null(e.policy);
        ck_assert_ptr_null(e.policy_origin.file);
        ck_assert_double_eq(e.weight, 1);
        rule_done(&r);
}
END_TEST

START_TEST(a_later_rule_wins_key_by_key)
{
        char *names[] = { "eth0-*", NULL };
        char *drivers[] = { "ixgbe", NULL };
        char *nvme[] = { "nvme", NULL };
        char pack[] = "pack", numa[] = "numa-local";
        struct config_rule rules[3] = { rule_in(FILE_10), rule_in(FILE_50), rule_in(FILE_50) };
        struct config conf = { .rules = rules, .n_rules = 3 };
        struct rule_effect e;
        struct fake_irq f;

        fake_nic(&f);
        /* 10-nic.conf: CPUs=, Policy=, Node=, Ban=yes. */
        rules[0].match_lines[MATCH_NAME] = 2;
        rules[0].names = names;
        rules[0].placement_lines[PLACE_CPUS] = 4;
        rules[0].cpus = list("0-3");
        rules[0].placement_lines[PLACE_POLICY] = 5;
        rules[0].policy = pack;
        rules[0].placement_lines[PLACE_NODE] = 6;
        rules[0].node = 0;
        rules[0].placement_lines[PLACE_BAN] = 7;
        rules[0].ban = true;
        /* 50-override.conf: Weight= and Policy=, Ban=no; nothing about CPUs. */
        rules[1].match_lines[MATCH_DRIVER] = 2;
        rules[1].drivers = drivers;
        rules[1].placement_lines[PLACE_WEIGHT] = 4;
        rules[1].weight = 2.5;
        rules[1].placement_lines[PLACE_POLICY] = 5;
        rules[1].policy = numa;
        rules[1].placement_lines[PLACE_BAN] = 6;
        rules[1].ban = false;
        /* A third rule that does not match: it changes nothing. */
        rules[2].match_lines[MATCH_DRIVER] = 2;
        rules[2].drivers = nvme;
        rules[2].placement_lines[PLACE_CPUS] = 3;
        rules[2].cpus = list("60-63");

        rules_resolve(&conf, &f.irq, &e);
        ck_assert_uint_eq(e.n_matched, 2);
        /* The later Weight= did not reset the earlier CPUs=. */
        ck_assert_ptr_eq(e.cpus, rules[0].cpus);
        ck_assert_str_eq(e.cpus_origin.file, FILE_10);
        ck_assert_uint_eq(e.cpus_origin.line, 4);
        ck_assert_int_eq(e.node, 0);
        ck_assert_str_eq(e.node_origin.file, FILE_10);
        ck_assert_uint_eq(e.node_origin.line, 6);
        /* Policy= and Ban= from the later file, with its lines. */
        ck_assert_str_eq(e.policy, "numa-local");
        ck_assert_str_eq(e.policy_origin.file, FILE_50);
        ck_assert_uint_eq(e.policy_origin.line, 5);
        ck_assert(!e.ban);
        ck_assert_str_eq(e.ban_origin.file, FILE_50);
        ck_assert_uint_eq(e.ban_origin.line, 6);
        ck_assert_double_eq(e.weight, 2.5);
        ck_assert_uint_eq(e.weight_origin.line, 4);
        ck_assert(!e.exclusive);
        ck_assert_ptr_null(e.exclusive_origin.file);

        /* The other way round: the earlier file's values are overridden. */
        rules[1].drivers[0] = (char *) "e1000e";
        rules_resolve(&conf, &f.irq, &e);
        ck_assert_uint_eq(e.n_matched, 1);
        ck_assert_str_eq(e.policy, "pack");
        ck_assert(e.ban);
        ck_assert_double_eq(e.weight, 1);
        ck_assert_ptr_null(e.weight_origin.file);
        for (size_t i = 0; i < ELEMENTSOF(rules); i++)
                rule_done(&rules[i]);
}
END_TEST

START_TEST(origins_format_as_file_and_line)
{
        struct config_origin unset = {}, whole = { .file = FILE_10 },
                             line = { .file = FILE_10, .line = 7 };
        char buf[128], small[12];

        ck_assert_str_eq(config_origin_format(&line, buf, sizeof(buf)), FILE_10 ":7");
        ck_assert_str_eq(config_origin_format(&whole, buf, sizeof(buf)), FILE_10);
        ck_assert_str_eq(config_origin_format(&unset, buf, sizeof(buf)), "");
        ck_assert_ptr_eq(config_origin_format(&line, buf, sizeof(buf)), buf);
        /* Too small: cut, still a string. */
        ck_assert_str_eq(config_origin_format(&line, small, sizeof(small)), "/etc/irqbal");
}
END_TEST

/* ---- The manager: each IRQ's effect and allowed CPUs ---------------------------- */

static char *root;
static struct options opts;
static struct manager *m;

/* Four MSI-X queues, IRQs 40-43, on a machine of four CPUs, and the policy file
 * CONTENT (NULL: none). The manager has sampled once and not planned yet. */
static void start_manager(const char *content)
{
        char *argv[] = { "irqbald", "--root", NULL, "--topology=synthetic:pu:4", "--dry-run",
                         "--no-bus", NULL };

        root = tl_mkdtemp();
        tl_write(root, "sys/devices/system/cpu/online", "0-3\n");
        tl_write(root, "proc/uptime", "100.00 0.00\n");
        tl_write(root, "proc/interrupts",
                 "           CPU0       CPU1       CPU2       CPU3       \n"
                 " 40:        100          0          0          0  PCI-MSIX-0000:00:04.0   0-edge      eth0-rx-0\n"
                 " 41:        100          0          0          0  PCI-MSIX-0000:00:04.0   1-edge      eth0-rx-1\n"
                 " 42:        100          0          0          0  PCI-MSIX-0000:00:04.0   2-edge      eth0-rx-2\n"
                 " 43:        100          0          0          0  PCI-MSIX-0000:00:04.0   3-edge      eth0-rx-3\n");
        for (unsigned irq = 40; irq <= 43; irq++)
                tl_write_irq_masks(root, irq, "0-3", "f");
        if (content)
                tl_write(root, "etc/irqbald/policy.d/50-test.conf", "%s", content);
        argv[2] = root;
        ck_assert_int_eq(options_parse((int) ELEMENTSOF(argv) - 1, argv, &opts), 0);
        ck_assert_int_eq(manager_new(&opts, &m), 0);
        ck_assert_int_eq(manager_sample(m, 1.0), 0);
        ck_assert_uint_eq(m->obs.inv.n, 4);
}

static void stop_manager(void)
{
        manager_free(m);
        m = NULL;
        options_done(&opts);
        tl_rmtree(root);
        free(root);
        root = NULL;
}

static const struct irq *irq_of(unsigned number)
{
        const struct irq *irq = inventory_find(&m->obs.inv, number);

        ck_assert_msg(irq, "no IRQ %u in the inventory", number);
        return irq;
}

/* The policy input an IRQ got in the last plan (or preview). */
static const struct policy_irq *input_of(unsigned number)
{
        return &m->pirqs[irq_of(number) - m->obs.inv.irqs];
}

/* Plans without writing, as irqbalctl plan does: builds the policy input. */
static void preview(void)
{
        struct plan plan;

        ck_assert_int_eq(manager_preview_plan(m, &plan), 0);
        plan_done(&plan);
}

static void assert_no_rule_effect(const struct rule_effect *e)
{
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(e->n_matched, 0);
        ck_assert(!e->ban);
        ck_assert_ptr_null(e->cpus);
        ck_assert_int_eq(e->node, -1);
        ck_assert_ptr_null(e->policy);
        ck_assert_double_eq(e->weight, 1);
        ck_assert(!e->exclusive);
}

START_TEST(without_policy_files_every_irq_has_the_defaults_and_every_usable_cpu)
{
        start_manager(NULL);
        /* Not resolved before the first plan. */
        ck_assert_ptr_null(manager_rule_effect(m, irq_of(40)));
        preview();
        for (unsigned n = 40; n <= 43; n++) {
                assert_no_rule_effect(manager_rule_effect(m, irq_of(n)));
                ck_assert(input_of(n)->movable);
                /* The usable CPUs themselves, no copy of them per IRQ. */
                ck_assert_ptr_eq(input_of(n)->allowed, m->topo->usable);
                ck_assert_str_eq(manager_irq_state(m, irq_of(n)), "balanced");
        }
        /* Nothing stored per IRQ but an index. */
        ck_assert_uint_eq(m->n_effects, 0);
        for (size_t i = 0; i < m->pirqs_cap; i++)
                ck_assert_ptr_null(m->allowed[i]);
        stop_manager();
}
END_TEST

START_TEST(a_cpus_rule_narrows_only_the_irq_it_matches)
{
        hwloc_bitmap_t want = hwloc_bitmap_alloc();
        const struct rule_effect *e;

        start_manager("[Match]\nIrq=41\n[Placement]\nCPUs=2-3\nWeight=3\n");
        preview();
        ck_assert_int_eq(cpulist_parse("2-3", want), 0);
        e = manager_rule_effect(m, irq_of(41));
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(e->n_matched, 1);
        ck_assert(hwloc_bitmap_isequal(e->cpus, want));
        ck_assert_double_eq(e->weight, 3);
        ck_assert(hwloc_bitmap_isequal(input_of(41)->allowed, want));
        ck_assert_ptr_ne(input_of(41)->allowed, m->topo->usable);
        ck_assert(input_of(41)->movable);
        for (unsigned n = 40; n <= 43; n++) {
                if (n == 41)
                        continue;
                assert_no_rule_effect(manager_rule_effect(m, irq_of(n)));
                ck_assert_ptr_eq(input_of(n)->allowed, m->topo->usable);
        }
        /* No CPU of the rule's CPUs= usable any more: the IRQ's set is empty and it is
         * left out of balancing; the others follow the usable CPUs. */
        ck_assert_int_eq(manager_ban_cpus(m, want, false, NULL), 0);
        ck_assert_int_eq(manager_sample(m, 1.0), 0);
        preview();
        ck_assert(hwloc_bitmap_iszero(input_of(41)->allowed));
        ck_assert(!input_of(41)->movable);
        ck_assert_ptr_eq(input_of(40)->allowed, m->topo->usable);
        ck_assert_int_eq(hwloc_bitmap_weight(input_of(40)->allowed), 2);
        hwloc_bitmap_free(want);
        stop_manager();
}
END_TEST

START_TEST(a_ban_rule_bans_only_the_irq_it_matches)
{
        const struct rule_effect *e;

        start_manager("[Match]\nIrq=42\n[Placement]\nBan=yes\n");
        /* Before any plan the states are counted IRQ by IRQ: no rule judged yet. */
        ck_assert(!m->states_counted);
        ck_assert_uint_eq(manager_balanced_irqs(m), 4);
        preview();
        /* The plan's input counted them. */
        ck_assert(m->states_counted);
        ck_assert_uint_eq(manager_balanced_irqs(m), 3);
        ck_assert_uint_eq(manager_measuring_irqs(m), 0);
        e = manager_rule_effect(m, irq_of(42));
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(e->n_matched, 1);
        ck_assert(e->ban);
        ck_assert_ptr_null(e->cpus);
        ck_assert_str_eq(manager_irq_state(m, irq_of(42)), "banned");
        ck_assert(!input_of(42)->movable);
        for (unsigned n = 40; n <= 43; n++) {
                if (n == 42)
                        continue;
                assert_no_rule_effect(manager_rule_effect(m, irq_of(n)));
                ck_assert_str_eq(manager_irq_state(m, irq_of(n)), "balanced");
                ck_assert(input_of(n)->movable);
        }
        /* One effect stored, for the one IRQ a rule matched. */
        ck_assert_uint_eq(m->n_effects, 1);
        stop_manager();
}
END_TEST

/* A fake root's clock is its proc/uptime, read every cycle: a bad one is an error for
 * that cycle (the next good one measures from the last good one), and a number is read
 * up to its first space. */
START_TEST(a_fake_roots_clock_is_its_uptime)
{
        start_manager(NULL);
        tl_write(root, "proc/uptime", "not a number\n");
        ck_assert_int_eq(manager_sample(m, 1.0), -EINVAL);
        tl_write(root, "proc/uptime", "%s", "");
        ck_assert_int_eq(manager_sample(m, 1.0), -EINVAL);
        tl_write(root, "proc/uptime", "110.50 3.00\n");
        ck_assert_int_eq(manager_sample(m, 1.0), 0);
        ck_assert_double_eq_tol(m->window, 10.5, 1e-9);
        stop_manager();
}
END_TEST

/* ---- The manager's plan on the settled loads ------------------------------------- */

/* A policy that records whether each plan it was asked for places the IRQs afresh, and
 * fails the first FAILURES of them as one out of memory would. */
static unsigned failures, plans;
static bool afresh[8];

static int failing_plan(const struct policy_input *in, struct plan *ret)
{
        ck_assert_uint_lt(plans, ELEMENTSOF(afresh));
        afresh[plans++] = in->n > 0 && in->irqs[0].place_afresh;
        if (failures > 0) {
                failures--;
                return -ENOMEM;
        }
        return policy_default()->plan(in, ret);
}

static const struct irqbal_policy failing_policy = {
        .name = "failing", .description = "fails on demand", .plan = failing_plan,
};

/* The plan on the settled loads (the third window) places every IRQ afresh, once; a
 * cycle that fails then leaves it due, and the next cycle makes it. */
START_TEST(the_plan_on_the_settled_loads_survives_a_failed_cycle)
{
        static const bool want[] = { false, false, false, true, true, false };

        start_manager(NULL);
        m->settings.policy = &failing_policy;
        plans = 0;
        for (unsigned cycle = 0; cycle < ELEMENTSOF(want); cycle++) {
                /* The cycle on the third window fails. */
                failures = cycle == 3;
                if (cycle > 0)
                        ck_assert_int_eq(manager_sample(m, 1.0), 0);
                ck_assert_int_eq(manager_plan_and_apply(m), cycle == 3 ? -ENOMEM : 0);
        }
        ck_assert_uint_eq(plans, ELEMENTSOF(want));
        for (unsigned i = 0; i < ELEMENTSOF(want); i++)
                ck_assert_msg(afresh[i] == want[i], "plan %u: afresh %d", i, afresh[i]);
        stop_manager();
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("rules");
        TCase *match = tcase_create("match"), *resolve = tcase_create("resolve");
        TCase *manager = tcase_create("manager");

        tcase_add_test(match, irq_numbers_match_by_list);
        tcase_add_test(match, names_match_by_glob);
        tcase_add_test(match, an_irq_without_a_name_matches_no_name_glob);
        tcase_add_test(match, drivers_match_by_glob_and_no_driver_matches_nothing);
        tcase_add_test(match, devices_match_by_glob_and_no_device_matches_nothing);
        tcase_add_test(match, classes_match_by_bit);
        tcase_add_test(match, interfaces_match_by_glob_and_no_interface_matches_nothing);
        tcase_add_test(match, nodes_match_by_list_and_node_minus_one_matches_nothing);
        tcase_add_test(match, every_key_given_must_match);
        tcase_add_test(match, a_rule_without_match_keys_matches_nothing);
        suite_add_tcase(s, match);

        tcase_add_test(resolve, no_config_and_no_match_give_the_defaults);
        tcase_add_test(resolve, a_matching_rule_sets_only_the_keys_it_gives);
        tcase_add_test(resolve, a_later_rule_wins_key_by_key);
        tcase_add_test(resolve, origins_format_as_file_and_line);
        suite_add_tcase(s, resolve);

        tcase_add_test(manager, without_policy_files_every_irq_has_the_defaults_and_every_usable_cpu);
        tcase_add_test(manager, a_cpus_rule_narrows_only_the_irq_it_matches);
        tcase_add_test(manager, a_ban_rule_bans_only_the_irq_it_matches);
        tcase_add_test(manager, a_fake_roots_clock_is_its_uptime);
        tcase_add_test(manager, the_plan_on_the_settled_loads_survives_a_failed_cycle);
        suite_add_tcase(s, manager);
        return s;
}
