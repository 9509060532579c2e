/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irqbald balancing a simulated machine, end to end: irqbal-sim plays the kernel in
 * lockstep (deterministic seed), the real daemon runs on its root with the kernel-write
 * shim, and the simulator's figures (its own ground truth of where interrupts landed)
 * must meet what the balancing issue asks of every policy run.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "irqbal/cpuset.h"
#include "jsonq.h"
#include "testlib.h"

static const char *env_or(const char *name, const char *fallback)
{
        const char *s = getenv(name);
        return s ? s : fallback;
}

/* Runs SCENARIO (a name in sim/scenarios, or an absolute path) with irqbald and its
 * extra arguments (NULL-terminated); returns the figures. *ret_root keeps the root for inspection (remove with tl_rmtree). */
static struct jv *simulate(const char *scenario, char **ret_root, ...)
{
        const char *top = env_or("TOP_BUILDDIR", TOP_BUILDDIR), *src = env_or("TOP_SRCDIR", TOP_SRCDIR);
        char *tmp = tl_mkdtemp(), *root = g_strdup_printf("%s/root", tmp);
        GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
        char *out = NULL, *err = NULL, msg[256];
        struct jv *json = NULL;
        const char *arg;
        GError *error = NULL;
        va_list ap;
        int status;

        g_ptr_array_add(argv, g_strdup_printf("%s/irqbal-sim", top));
        if (scenario[0] == '/')
                g_ptr_array_add(argv, g_strdup_printf("--scenario=%s", scenario));
        else
                g_ptr_array_add(argv, g_strdup_printf("--scenario=%s/sim/scenarios/%s.ini", src, scenario));
        g_ptr_array_add(argv, g_strdup_printf("--root=%s", root));
        g_ptr_array_add(argv, g_strdup("--json"));
        g_ptr_array_add(argv, g_strdup("--"));
        g_ptr_array_add(argv, g_strdup_printf("%s/irqbald", top));
        va_start(ap, ret_root);
        while ((arg = va_arg(ap, const char *)))
                g_ptr_array_add(argv, g_strdup(arg));
        va_end(ap);
        g_ptr_array_add(argv, NULL);

        ck_assert_msg(g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &out, &err, &status, &error),
                      "cannot run irqbal-sim: %s", error ? error->message : "?");
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "irqbal-sim %s failed:\n%s", scenario, err);
        ck_assert_msg(jv_parse(out, &json, msg, sizeof(msg)) == 0, "bad JSON (%s):\n%s", msg, out);
        ck_assert_int_eq(jv_int(jv_path(json, "daemon.exit_status")), 0);
        g_ptr_array_free(argv, TRUE);
        g_free(out);
        g_free(err);
        g_free(root);
        *ret_root = tmp;
        return json;
}

static const struct jv *phase(const struct jv *figures, const char *name)
{
        const struct jv *phases = jv_get(figures, "phases");

        for (size_t i = 0; i < jv_len(phases); i++)
                if (strcmp(jv_str(jv_get(jv_at(phases, i), "name")), name) == 0)
                        return jv_at(phases, i);
        ck_abort_msg("no phase %s in the figures", name);
        return NULL;
}

/* Stop puts every mask irqbald wrote back as it was. */
static void check_restored(const struct jv *figures)
{
        ck_assert_int_eq(jv_int(jv_path(figures, "daemon.restore_ok")),
                         jv_int(jv_path(figures, "daemon.restore_checked")));
        ck_assert_uint_eq(jv_len(jv_path(figures, "daemon.not_restored")), 0);
}

/* The CPUs IRQ N's mask holds at the end of a run whose root is TMP/root. */
static hwloc_bitmap_t final_mask(const char *tmp, unsigned n)
{
        char *root = g_strdup_printf("%s/root", tmp);
        char *path = tl_irq_file(root, n, "smp_affinity_list");
        char *text = tl_read(path);
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        ck_assert_msg(cpulist_parse(text, set) == 0, "IRQ %u: mask '%s'", n, text);
        g_free(root);
        g_free(path);
        g_free(text);
        return set;
}

static void done(struct jv *figures, char *tmp)
{
        jv_free(figures);
        tl_rmtree(tmp);
        g_free(tmp);
}

START_TEST(nic_on_node_1_lands_on_node_1_balanced_within_3_cycles)
{
        char *tmp;
        struct jv *f = simulate("numa-nic", &tmp, NULL);
        const char *phases[] = { "traffic", "shift" };

        for (size_t i = 0; i < ELEMENTSOF(phases); i++) {
                const struct jv *p = phase(f, phases[i]);

                ck_assert_double_eq(jv_num(jv_get(p, "node_local_share")), 1.0);
                ck_assert_msg(jv_num(jv_get(p, "peak_over_bound_last")) <= 1.10,
                              "%s: peak %.2f × the lower bound", phases[i],
                              jv_num(jv_get(p, "peak_over_bound_last")));
                ck_assert_int_le(jv_int(jv_get(p, "converged_after")), 3);
                ck_assert(!jv_is_null(jv_get(p, "converged_after")));
        }
        ck_assert_int_gt(jv_int(jv_path(f, "daemon.restore_checked")), 0);
        check_restored(f);
        done(f, tmp);
}
END_TEST

/* Policies that place by device node keep the NIC's queues on its node. */
START_TEST(node_aware_policies_keep_the_nic_on_its_node)
{
        static const char *const node_aware[] = { "numa-local", "hint" };
        char *arg = g_strdup_printf("--policy=%s", node_aware[_i]), *tmp;
        struct jv *f = simulate("numa-nic", &tmp, arg, NULL);

        ck_assert_double_eq(jv_num(jv_get(phase(f, "traffic"), "node_local_share")), 1.0);
        ck_assert_double_eq(jv_num(jv_get(phase(f, "shift"), "node_local_share")), 1.0);
        check_restored(f);
        done(f, tmp);
        g_free(arg);
}
END_TEST

START_TEST(noise_of_20_percent_at_steady_state_writes_nothing)
{
        char *tmp;
        struct jv *f = simulate("noise", &tmp, NULL);

        ck_assert_int_eq(jv_int(jv_path(phase(f, "steady"), "writes.total")), 0);
        check_restored(f);
        done(f, tmp);
}
END_TEST

/* Steady cycles keep the last plan instead of planning again (manager.c,
 * can_keep_plan()): that must not change a figure. These are the noise scenario's
 * figures from a build that plans every cycle (can_keep_plan() forced false), taken
 * again when the first plan on settled loads began to place every IRQ anew (18 writes
 * in "settle": the kernel's boot placement replaced once), when that plan began to
 * leave an IRQ where it is when that CPU is as good as the one chosen (17), and when
 * the kernel's placement began to stand until that plan (20: the 20 IRQs, each written
 * once, none at start). */
START_TEST(keeping_the_plan_at_steady_state_changes_no_figure)
{
        char *tmp;
        struct jv *f = simulate("noise", &tmp, NULL);
        const struct jv *settle = phase(f, "settle"), *steady = phase(f, "steady");

        ck_assert_int_eq(jv_int(jv_path(f, "startup_writes.total")), 0);
        ck_assert_int_eq(jv_int(jv_path(settle, "writes.total")), 20);
        ck_assert_int_eq(jv_int(jv_path(steady, "writes.total")), 0);
        ck_assert_double_eq_tol(jv_num(jv_get(settle, "peak_over_bound_last")), 1.35491, 1e-4);
        ck_assert_double_eq_tol(jv_num(jv_get(settle, "peak_over_bound_mean")), 1.412, 1e-4);
        ck_assert_double_eq_tol(jv_num(jv_get(steady, "peak_over_bound_last")), 1.51022, 1e-4);
        ck_assert_double_eq_tol(jv_num(jv_get(steady, "peak_over_bound_mean")), 1.38966, 1e-4);
        check_restored(f);
        done(f, tmp);
}
END_TEST

/* The kernel's boot placement is within the hysteresis of the best one but not at it
 * (sim/scenarios/boot-spread.ini): it stands while the loads are measured (nothing
 * written at start), then the plan on the settled loads places every IRQ anew and
 * reaches the constrained bound, each of the 12 queues written once; nothing moves
 * after. */
START_TEST(the_kernels_placement_is_replaced_once_loads_are_known)
{
        char *tmp;
        struct jv *f = simulate("boot-spread", &tmp, NULL);
        const struct jv *start = phase(f, "start"), *steady = phase(f, "steady");

        ck_assert_double_eq_tol(jv_num(jv_get(start, "placed_expected_over_bound_last")),
                                jv_num(jv_get(start, "constrained_bound_over_bound_last")), 1e-4);
        ck_assert_double_eq_tol(jv_num(jv_get(steady, "placed_expected_over_bound_last")),
                                jv_num(jv_get(steady, "constrained_bound_over_bound_last")), 1e-4);
        ck_assert_int_eq(jv_int(jv_path(f, "startup_writes.total")), 0);
        ck_assert_int_eq(jv_int(jv_path(start, "writes.total")), 12);
        ck_assert_int_eq(jv_int(jv_path(start, "writes.managed")), 0);
        ck_assert_int_eq(jv_int(jv_path(steady, "writes.total")), 0);
        check_restored(f);
        done(f, tmp);
}
END_TEST

START_TEST(isolated_cpus_never_get_an_irq)
{
        char *tmp;
        struct jv *f = simulate("rt-isolated", &tmp, NULL);

        for (size_t i = 0; i < jv_len(jv_get(f, "phases")); i++)
                ck_assert_double_eq(jv_num(jv_get(jv_at(jv_get(f, "phases"), i),
                                                  "banned_cpu_load_max")), 0);
        /* The kernel's masks span the isolated CPUs: narrowed at the first cycle, not
         * left as they are while the loads are measured. */
        ck_assert_int_gt(jv_int(jv_path(f, "startup_writes.total")), 0);
        check_restored(f);
        done(f, tmp);
}
END_TEST

START_TEST(managed_irqs_are_never_written)
{
        char *tmp;
        struct jv *f = simulate("nvme-managed-nic", &tmp, NULL);

        for (size_t i = 0; i < jv_len(jv_get(f, "phases")); i++)
                ck_assert_int_eq(jv_int(jv_path(jv_at(jv_get(f, "phases"), i), "writes.managed")), 0);
        ck_assert_int_eq(jv_int(jv_path(f, "startup_writes.managed")), 0);
        ck_assert_int_eq(jv_int(jv_path(f, "shutdown_writes.managed")), 0);
        check_restored(f);
        done(f, tmp);
}
END_TEST

START_TEST(a_hot_irq_gets_a_cpu_of_its_own)
{
        char *tmp;
        struct jv *f = simulate("hot-irq-8cpu", &tmp, NULL);
        const struct jv *hot = phase(f, "hot");

        ck_assert_msg(jv_num(jv_get(hot, "peak_over_bound_last")) <= 1.10, "peak %.2f × bound",
                      jv_num(jv_get(hot, "peak_over_bound_last")));
        ck_assert_int_le(jv_int(jv_get(hot, "converged_after")), 3);
        check_restored(f);
        done(f, tmp);
}
END_TEST

START_TEST(an_externally_pinned_irq_is_left_alone)
{
        char *tmp;
        struct jv *f = simulate("external-pin", &tmp, NULL);

        ck_assert_int_eq(jv_int(jv_path(phase(f, "pinned"), "writes.pinned")), 0);
        ck_assert_int_eq(jv_int(jv_path(phase(f, "shift"), "writes.pinned")), 0);
        ck_assert_int_eq(jv_int(jv_path(f, "shutdown_writes.pinned")), 0);
        check_restored(f);
        done(f, tmp);
}
END_TEST

START_TEST(irqs_leave_an_offline_cpu_and_come_back)
{
        char *tmp;
        struct jv *f = simulate("cpu-hotplug", &tmp, NULL);
        const struct jv *offline = phase(f, "offline"), *online = phase(f, "online");

        ck_assert_double_eq(jv_num(jv_get(offline, "banned_cpu_load_max")), 0);
        ck_assert_msg(jv_num(jv_get(online, "peak_over_bound_last")) <= 1.10,
                      "after online: peak %.2f × bound", jv_num(jv_get(online, "peak_over_bound_last")));
        ck_assert_int_le(jv_int(jv_get(online, "converged_after")), 3);
        check_restored(f);
        done(f, tmp);
}
END_TEST

START_TEST(a_cpu_with_full_vectors_is_avoided)
{
        char *tmp;
        struct jv *f = simulate("vectors-full", &tmp, "--no-restore", NULL);
        hwloc_bitmap_t full = hwloc_bitmap_alloc();

        ck_assert_int_eq(cpulist_parse("0-3", full), 0);
        /* eth1's queues appear once CPUs 0-3 have no vectors left. */
        for (unsigned irq = 50; irq <= 53; irq++) {
                hwloc_bitmap_t mask = final_mask(tmp, irq);

                ck_assert_msg(!hwloc_bitmap_isincluded(mask, full), "IRQ %u on full CPUs", irq);
                hwloc_bitmap_free(mask);
        }
        ck_assert_int_le(jv_int(jv_get(phase(f, "full"), "converged_after")), 3);
        hwloc_bitmap_free(full);
        done(f, tmp);
}
END_TEST

static const char *const policies[] = { "balanced", "numa-local", "pack", "housekeeping", "hint" };

/* What no policy may break: isolated and offline CPUs carry no movable IRQ, managed and
 * externally pinned IRQs are never written, and stop restores every mask. */
START_TEST(every_policy_keeps_the_hard_constraints)
{
        char *arg = g_strdup_printf("--policy=%s", policies[_i]), *tmp;
        struct jv *f;

        f = simulate("rt-isolated", &tmp, arg, NULL);
        for (size_t i = 0; i < jv_len(jv_get(f, "phases")); i++)
                ck_assert_msg(jv_num(jv_get(jv_at(jv_get(f, "phases"), i), "banned_cpu_load_max")) == 0,
                              "%s put load on isolated CPUs", policies[_i]);
        check_restored(f);
        done(f, tmp);

        f = simulate("nvme-managed-nic", &tmp, arg, NULL);
        for (size_t i = 0; i < jv_len(jv_get(f, "phases")); i++)
                ck_assert_int_eq(jv_int(jv_path(jv_at(jv_get(f, "phases"), i), "writes.managed")), 0);
        check_restored(f);
        done(f, tmp);

        f = simulate("external-pin", &tmp, arg, NULL);
        ck_assert_int_eq(jv_int(jv_path(phase(f, "pinned"), "writes.pinned")), 0);
        ck_assert_int_eq(jv_int(jv_path(phase(f, "shift"), "writes.pinned")), 0);
        check_restored(f);
        done(f, tmp);

        f = simulate("cpu-hotplug", &tmp, arg, NULL);
        ck_assert_double_eq(jv_num(jv_get(phase(f, "offline"), "banned_cpu_load_max")), 0);
        check_restored(f);
        done(f, tmp);
        g_free(arg);
}
END_TEST


/* Policy files, end to end: the machine of numa-nic (node 0 = CPUs 0-15, node 1 =
 * CPUs 16-31; eth1's queues are IRQs 100-107 on node 1, nvme0's 80-83 on node 0) with
 * files the simulator lays out under the root, and irqbald told not to restore, so
 * that the masks it left can be read afterwards. */
static const char machine[] =
        "[Machine]\nTopology=synthetic:pack:2 numa:1 core:8 pu:2\nSeed=1\nStep=10\n"
        "[Device eth1]\nAddress=0000:af:00.0\nNode=1\nClass=net\nDriver=ice\nQueues=8\n"
        "FirstIrq=100\nRate=20000\nCost=4\n"
        "[Device nvme0]\nAddress=0000:3b:00.0\nNode=0\nClass=storage\nQueues=4\nFirstIrq=80\n"
        "Rate=2000\nCost=3\n";

static struct jv *simulate_files(const char *files_and_phases, char **ret_root)
{
        char *dir = tl_mkdtemp(), *path = g_strdup_printf("%s/scenario.ini", dir);
        char *text = g_strdup_printf("%s%s", machine, files_and_phases);
        struct jv *f;

        tl_write(dir, "scenario.ini", "%s", text);
        f = simulate(path, ret_root, "--no-restore", NULL);
        tl_rmtree(dir);
        g_free(dir);
        g_free(path);
        g_free(text);
        return f;
}

static void assert_irqs_within(const char *tmp, unsigned first, unsigned last, const char *cpus)
{
        hwloc_bitmap_t want = hwloc_bitmap_alloc();

        ck_assert_int_eq(cpulist_parse(cpus, want), 0);
        for (unsigned n = first; n <= last; n++) {
                hwloc_bitmap_t got = final_mask(tmp, n);
                char *list = cpulist_format(got);

                ck_assert_msg(hwloc_bitmap_isincluded(got, want) && !hwloc_bitmap_iszero(got),
                              "IRQ %u is on %s, not within %s", n, list, cpus);
                free(list);
                hwloc_bitmap_free(got);
        }
        hwloc_bitmap_free(want);
}

/* Did irqbald ever write IRQ N's mask? The shim logs "N mask" per write. */
static bool written(const char *tmp, unsigned n)
{
        char *path = g_strdup_printf("%s/root/.sim/writes.log", tmp), *log = tl_read(path);
        char *prefix = g_strdup_printf("%u ", n);
        char **lines = g_strsplit(log, "\n", -1);
        bool found = false;

        for (char **l = lines; *l; l++)
                found = found || g_str_has_prefix(*l, prefix);
        g_strfreev(lines);
        g_free(path);
        g_free(log);
        g_free(prefix);
        return found;
}

START_TEST(a_cpus_rule_keeps_the_nic_on_those_cpus_spread)
{
        char *tmp;
        struct jv *f = simulate_files(
                "[File /etc/irqbald/policy.d/10-nic.conf]\n"
                "Content=[Match]\\nInterface=eth1\\n[Placement]\\nCPUs=20-23\\n\n"
                "[Phase traffic]\nSteps=6\n", &tmp);
        hwloc_bitmap_t used = hwloc_bitmap_alloc();

        assert_irqs_within(tmp, 100, 107, "20-23");
        for (unsigned n = 100; n <= 107; n++) {
                hwloc_bitmap_t m = final_mask(tmp, n);

                hwloc_bitmap_or(used, used, m);
                hwloc_bitmap_free(m);
        }
        /* Eight hot queues on four CPUs: all four are used. */
        ck_assert_int_eq(hwloc_bitmap_weight(used), 4);
        /* The other device is balanced as usual, on its own node. */
        assert_irqs_within(tmp, 80, 83, "0-15");
        hwloc_bitmap_free(used);
        done(f, tmp);
}
END_TEST

START_TEST(a_banned_irq_is_never_written)
{
        char *tmp;
        struct jv *f = simulate_files(
                "[File /usr/lib/irqbald/policy.d/20-ban.conf]\n"
                "Content=[Match]\\nIrq=100 82\\n[Placement]\\nBan=yes\\n\n"
                "[Phase traffic]\nSteps=6\n", &tmp);

        ck_assert(!written(tmp, 100));
        ck_assert(!written(tmp, 82));
        /* Its siblings are placed: the daemon did run. */
        ck_assert(written(tmp, 101));
        ck_assert(written(tmp, 83));
        done(f, tmp);
}
END_TEST

START_TEST(a_node_override_places_the_device_on_that_node)
{
        char *tmp;
        struct jv *f = simulate_files(
                "[File /etc/irqbald/policy.d/30-nvme.conf]\n"
                "Content=[Match]\\nDevice=0000:3b:00.*\\nClass=storage\\n[Placement]\\nNode=1\\n\n"
                "[Phase traffic]\nSteps=6\n", &tmp);

        assert_irqs_within(tmp, 80, 83, "16-31");
        assert_irqs_within(tmp, 100, 107, "16-31");
        done(f, tmp);
}
END_TEST

START_TEST(an_exclusive_irq_has_its_cpu_alone)
{
        char *tmp;
        struct jv *f = simulate_files(
                "[File /etc/irqbald/policy.d/40-excl.conf]\n"
                "Content=[Match]\\nIrq=103\\n[Placement]\\nExclusive=yes\\n\n"
                "[Phase traffic]\nSteps=6\n", &tmp);
        hwloc_bitmap_t mine = final_mask(tmp, 103);

        ck_assert_int_eq(hwloc_bitmap_weight(mine), 1);
        for (unsigned n = 80; n <= 107; n++) {
                hwloc_bitmap_t other;

                if (n == 103 || (n > 83 && n < 100))
                        continue;
                other = final_mask(tmp, n);
                ck_assert_msg(!hwloc_bitmap_intersects(other, mine),
                              "IRQ %u shares CPU %d with the exclusive IRQ 103", n,
                              hwloc_bitmap_first(mine));
                hwloc_bitmap_free(other);
        }
        hwloc_bitmap_free(mine);
        done(f, tmp);
}
END_TEST

/* A reload with one bad file changes nothing, not even what the good files changed;
 * once the bad file is gone the next reload takes the new rule. */
START_TEST(a_bad_reload_keeps_the_old_configuration_whole)
{
        char *tmp;
        struct jv *f = simulate_files(
                "[File /etc/irqbald/policy.d/10-nic.conf]\n"
                "Content=[Match]\\nInterface=eth1\\n[Placement]\\nCPUs=20-23\\n\n"
                "[File /etc/irqbald/policy.d/10-nic.conf @bad]\nPhase=bad\n"
                "Content=[Match]\\nInterface=eth1\\n[Placement]\\nCPUs=24-27\\n\n"
                "[File /etc/irqbald/policy.d/50-typo.conf]\nPhase=bad\n"
                "Content=[Match]\\nIrq=80\\n[Placement]\\nCPU=3\\n\n"
                "[File /etc/irqbald/policy.d/50-typo.conf @fixed]\nPhase=fixed\nRemove=yes\n"
                "[Phase warm]\nSteps=4\n"
                "[Phase bad]\nSteps=4\nReload=yes\n"
                "[Phase fixed]\nSteps=4\nReload=yes\n", &tmp);
        const char *status = jv_str(jv_get(phase(f, "bad"), "reload_status"));

        ck_assert_msg(strstr(status, "Reload failed") &&
                      strstr(status, "/etc/irqbald/policy.d/50-typo.conf:4"), "status: %s", status);
        ck_assert_int_eq(jv_int(jv_path(phase(f, "bad"), "writes.total")), 0);
        ck_assert_str_eq(jv_str(jv_get(phase(f, "fixed"), "reload_status")), "Reloaded");
        ck_assert_int_gt(jv_int(jv_path(phase(f, "fixed"), "writes.total")), 0);
        assert_irqs_within(tmp, 100, 107, "24-27");
        done(f, tmp);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("balance");
        TCase *tc = tcase_create("simulated");

        /* Each scenario is a few dozen lockstep cycles; sanitizer builds are slower. */
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, nic_on_node_1_lands_on_node_1_balanced_within_3_cycles);
        tcase_add_loop_test(tc, node_aware_policies_keep_the_nic_on_its_node, 0, 2);
        tcase_add_test(tc, noise_of_20_percent_at_steady_state_writes_nothing);
        tcase_add_test(tc, keeping_the_plan_at_steady_state_changes_no_figure);
        tcase_add_test(tc, the_kernels_placement_is_replaced_once_loads_are_known);
        tcase_add_test(tc, isolated_cpus_never_get_an_irq);
        tcase_add_test(tc, managed_irqs_are_never_written);
        tcase_add_test(tc, a_hot_irq_gets_a_cpu_of_its_own);
        tcase_add_test(tc, an_externally_pinned_irq_is_left_alone);
        tcase_add_test(tc, irqs_leave_an_offline_cpu_and_come_back);
        tcase_add_test(tc, a_cpu_with_full_vectors_is_avoided);
        tcase_add_loop_test(tc, every_policy_keeps_the_hard_constraints, 0, (int) ELEMENTSOF(policies));
        suite_add_tcase(s, tc);

        tc = tcase_create("policy-files");
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, a_cpus_rule_keeps_the_nic_on_those_cpus_spread);
        tcase_add_test(tc, a_banned_irq_is_never_written);
        tcase_add_test(tc, a_node_override_places_the_device_on_that_node);
        tcase_add_test(tc, an_exclusive_irq_has_its_cpu_alone);
        tcase_add_test(tc, a_bad_reload_keeps_the_old_configuration_whole);
        suite_add_tcase(s, tc);
        return s;
}
