/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The irqbald binary end to end: on this machine (read only, --dry-run), on fake roots,
 * on the real servers' sysfs captures in ../shared/topologies and on synthetic
 * topologies. Runs on this machine are --dry-run: they read and write nothing else. */
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "irqbal/cpuset.h"
#include "irqbal/topology.h"
#include "jsonq.h"
#include "testlib.h"

struct run {
        int status;   /* exit status */
        char *out, *err;
        struct jv *json;
};

static void run_done(struct run *r)
{
        g_free(r->out);
        g_free(r->err);
        jv_free(r->json);
        *r = (struct run) {};
}

static const char *builddir(void)
{
        const char *s = getenv("TOP_BUILDDIR");
        return s ? s : TOP_BUILDDIR;
}

/* Runs irqbald with the arguments (NULL-terminated); parses stdout as JSON when asked. */
static struct run irqbald(bool json, ...)
{
        GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
        struct run r = {};
        GError *error = NULL;
        va_list ap;
        const char *arg;

        g_ptr_array_add(argv, g_strdup_printf("%s/irqbald", builddir()));
        va_start(ap, json);
        while ((arg = va_arg(ap, const char *)))
                g_ptr_array_add(argv, g_strdup(arg));
        va_end(ap);
        if (json)
                g_ptr_array_add(argv, g_strdup("--format=json"));
        g_ptr_array_add(argv, NULL);

        ck_assert_msg(g_spawn_sync(NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   &r.out, &r.err, &r.status, &error),
                      "cannot run irqbald: %s", error ? error->message : "?");
        r.status = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status);
        if (json && r.status == 0) {
                char msg[256];

                ck_assert_msg(jv_parse(r.out, &r.json, msg, sizeof(msg)) == 0,
                              "irqbald wrote invalid JSON (%s):\n%s", msg, r.out);
        }
        g_ptr_array_free(argv, TRUE);
        return r;
}

static const struct jv *irq_of(const struct run *r, unsigned n)
{
        const struct jv *irq = jv_find(jv_get(r->json, "irqs"), "irq", n);

        ck_assert_msg(irq, "IRQ %u missing from the JSON", n);
        return irq;
}

/* Every member the foundation issue promises, with the right JSON type. */
static void check_irq_members(const struct jv *irq)
{
        static const struct { const char *key; enum jv_type type; bool nullable; } members[] = {
                { "irq", JV_NUMBER, false },   { "name", JV_STRING, false },
                { "chip", JV_STRING, false },  { "device", JV_STRING, true },
                { "driver", JV_STRING, true }, { "class", JV_STRING, false },
                { "node", JV_NUMBER, true },   { "movable", JV_BOOL, false },
                { "unmovable_reason", JV_STRING, true },
                { "affinity", JV_STRING, false }, { "effective", JV_STRING, true },
                { "hint", JV_STRING, true },   { "rate", JV_NUMBER, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(members); i++) {
                const struct jv *v = jv_get(irq, members[i].key);

                ck_assert_msg(v, "IRQ member %s missing", members[i].key);
                ck_assert_msg(v->type == members[i].type || (members[i].nullable && jv_is_null(v)),
                              "IRQ member %s has JSON type %d", members[i].key, v->type);
        }
        ck_assert(jv_bool(jv_get(irq, "movable")) == jv_is_null(jv_get(irq, "unmovable_reason")));
}

/* ---- this machine, read only ------------------------------------------------------ */

START_TEST(host_dry_run_lists_msi_irqs_with_their_pci_devices)
{
        struct run r = irqbald(true, "--oneshot", "--dry-run", "--window=0.2", NULL);
        const struct jv *irqs;
        DIR *devices;
        struct dirent *de;
        unsigned checked = 0;

        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        irqs = jv_get(r.json, "irqs");
        ck_assert_uint_gt(jv_len(irqs), 0);
        for (size_t i = 0; i < jv_len(irqs); i++)
                check_irq_members(jv_at(irqs, i));
        ck_assert_str_ne(jv_str(jv_path(r.json, "topology.usable_cpus")), "");

        /* Every MSI vector the host lists for a PCI device, and /proc/interrupts shows,
         * carries that device in the JSON. */
        devices = opendir("/sys/bus/pci/devices");
        while (devices && (de = readdir(devices))) {
                char *path = g_strdup_printf("/sys/bus/pci/devices/%s/msi_irqs", de->d_name);
                DIR *vectors = de->d_name[0] == '.' ? NULL : opendir(path);
                struct dirent *ve;

                while (vectors && (ve = readdir(vectors))) {
                        const struct jv *irq;

                        if (ve->d_name[0] == '.')
                                continue;
                        irq = jv_find(irqs, "irq", atoi(ve->d_name));
                        if (!irq)
                                continue;  /* allocated but not requested: not in /proc/interrupts */
                        ck_assert_str_eq(jv_str(jv_get(irq, "device")), de->d_name);
                        ck_assert_msg(strstr(jv_str(jv_get(irq, "chip")), "MSI"),
                                      "IRQ %s of %s is on chip %s", ve->d_name, de->d_name,
                                      jv_str(jv_get(irq, "chip")));
                        checked++;
                }
                if (vectors)
                        closedir(vectors);
                g_free(path);
        }
        if (devices)
                closedir(devices);
        /* The development and CI machines are virtio guests with MSI-X. */
        if (access("/sys/bus/virtio", F_OK) == 0)
                ck_assert_uint_gt(checked, 0);
        run_done(&r);
}
END_TEST

START_TEST(host_text_output_has_the_tree_and_the_table)
{
        struct run r = irqbald(false, "--oneshot", "--dry-run", "--window=0.1", NULL);

        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        ck_assert_msg(g_str_has_prefix(r.out, "Machine (host): "), "%s", r.out);
        ck_assert(strstr(r.out, "\n  Node 0: CPUs ") || strstr(r.out, "\n  Package 0: CPUs "));
        ck_assert(strstr(r.out, "IRQ  NAME"));
        ck_assert(strstr(r.out, "RATE/s  STATE\n"));
        run_done(&r);
}
END_TEST

/* ---- fake roots ------------------------------------------------------------------- */

static char *fake;

static void fake_setup(void)
{
        fake = tl_mkdtemp();
        tl_write(fake, "proc/interrupts",
                 "           CPU0       CPU1       CPU2       CPU3       \n"
                 "  1:          9          0          0          0  IO-APIC   1-edge      i8042\n"
                 " 40:        100        200          0          0  PCI-MSIX-0000:00:04.0   0-edge      eth0-rx-0\n"
                 "this line is garbage\n"
                 " 41:          1          2\n"
                 "NMI:          0          0          0          0   Non-maskable interrupts\n");
        tl_write_irq_masks(fake, 40, "0-3", "f");
        tl_write(fake, "sys/devices/system/cpu/online", "0-3\n");
        tl_write(fake, "sys/devices/system/cpu/isolated", "2\n");
        tl_write(fake, "sys/devices/system/cpu/nohz_full", "2-3\n");
}

static void fake_teardown(void)
{
        tl_rmtree(fake);
        g_free(fake);
}

START_TEST(fake_root_skips_and_counts_malformed_lines)
{
        struct run r = irqbald(true, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n",
                               "-w", "0.1", NULL);

        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        ck_assert_int_eq(jv_int(jv_get(r.json, "malformed_lines")), 2);
        ck_assert_uint_eq(jv_len(jv_get(r.json, "irqs")), 2);
        ck_assert(jv_bool(jv_get(irq_of(&r, 40), "movable")));
        ck_assert_str_eq(jv_str(jv_get(irq_of(&r, 40), "affinity")), "0-3");
        /* No proc/irq/1 in this root. */
        ck_assert_str_eq(jv_str(jv_get(irq_of(&r, 1), "unmovable_reason")), "no /proc/irq entry");
        run_done(&r);
}
END_TEST

START_TEST(banned_cpus_carry_every_reason)
{
        struct run r = irqbald(true, "--root", fake, "--topology=synthetic:pu:6", "-o", "-n",
                               "-w", "0.1", "--ban-cpus=1", NULL);
        const struct jv *banned;

        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        /* online 0-3 of 6 PUs; 1 admin, 2 isolated+nohz_full, 3 nohz_full. */
        ck_assert_str_eq(jv_str(jv_path(r.json, "topology.usable_cpus")), "0");
        banned = jv_path(r.json, "topology.banned_cpus");
        ck_assert_str_eq(jv_str(jv_path(jv_find(banned, "cpu", 1), "reasons[0]")), "admin");
        ck_assert_str_eq(jv_str(jv_path(jv_find(banned, "cpu", 2), "reasons[0]")), "isolated");
        ck_assert_str_eq(jv_str(jv_path(jv_find(banned, "cpu", 2), "reasons[1]")), "nohz_full");
        ck_assert_str_eq(jv_str(jv_path(jv_find(banned, "cpu", 3), "reasons[0]")), "nohz_full");
        ck_assert_str_eq(jv_str(jv_path(jv_find(banned, "cpu", 5), "reasons[0]")), "offline");
        run_done(&r);

        /* For a person, CPUs with the same reasons share a line. */
        r = irqbald(false, "--root", fake, "--topology=synthetic:pu:6", "-o", "-n", "-w", "0.1",
                    "--ban-cpus=1", NULL);
        ck_assert_msg(strstr(r.out, "\nBanned CPUs:\n  CPU 1: admin\n  CPU 2: isolated, nohz_full\n"
                                    "  CPU 3: nohz_full\n  CPUs 4-5: offline\n"), "%s", r.out);
        run_done(&r);
}
END_TEST

START_TEST(missing_proc_interrupts_is_an_error_naming_the_path)
{
        char *path = g_strdup_printf("%s/proc/interrupts", fake);
        struct run r;

        ck_assert_int_eq(unlink(path), 0);
        r = irqbald(false, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n", NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(strstr(r.err, path), "stderr does not name %s: %s", path, r.err);
        ck_assert(strstr(r.err, "No such file or directory"));
        run_done(&r);
        g_free(path);
}
END_TEST

START_TEST(oneshot_without_dry_run_writes_the_plan)
{
        char *path = tl_irq_file(fake, 40, "smp_affinity_list"), *written;
        struct run r = irqbald(true, "--root", fake, "--topology=synthetic:pu:4", "-o", "-w", "0.1",
                               NULL);
        const struct jv *placed;

        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        placed = jv_find(jv_get(r.json, "plan"), "irq", 40);
        ck_assert_ptr_nonnull(placed);
        /* Usable: 0-1 (2 isolated, 2-3 nohz_full); one CPU, as x86 delivers to one. */
        written = tl_read(path);
        ck_assert_msg(strcmp(written, "0\n") == 0 || strcmp(written, "1\n") == 0 ||
                      strcmp(written, "0") == 0 || strcmp(written, "1") == 0,
                      "IRQ 40 written as '%s'", written);
        ck_assert_str_eq(jv_str(jv_get(placed, "from")), "0-3");
        ck_assert(jv_bool(jv_get(placed, "change")));
        /* IRQ 1 has no /proc/irq entry: not in the plan. */
        ck_assert_ptr_null(jv_find(jv_get(r.json, "plan"), "irq", 1));
        free(written);
        g_free(path);
        run_done(&r);
}
END_TEST

START_TEST(dry_run_writes_nothing)
{
        char *path = tl_irq_file(fake, 40, "smp_affinity_list"), *text;
        struct run r = irqbald(true, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n",
                               "-w", "0.1", NULL);

        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        ck_assert(jv_bool(jv_get(jv_find(jv_get(r.json, "plan"), "irq", 40), "change")));
        text = tl_read(path);
        ck_assert_str_eq(text, "0-3\n");
        free(text);
        g_free(path);
        run_done(&r);
}
END_TEST

/* A write that only narrows a mask to the CPU the kernel runs the IRQ on moves nothing,
 * and the plan says so; one off that CPU is a move. */
START_TEST(plan_tells_moves_from_narrowed_masks)
{
        struct run r;
        const struct jv *placed;

        /* Usable: 0-1 (2 isolated, 2-3 nohz_full); the kernel runs IRQ 40 on 1. */
        tl_write_irq_file(fake, 40, "effective_affinity_list", "1\n");
        r = irqbald(true, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n", "-w", "0.1", NULL);
        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        placed = jv_find(jv_get(r.json, "plan"), "irq", 40);
        ck_assert_str_eq(jv_str(jv_get(placed, "to")), "1");
        ck_assert(jv_bool(jv_get(placed, "change")));
        ck_assert(!jv_bool(jv_get(placed, "moves")));
        run_done(&r);
        r = irqbald(false, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n", "-w", "0.1", NULL);
        ck_assert_msg(strstr(r.out, "0-3 (on 1) → 1 "), "%s", r.out);
        ck_assert_msg(strstr(r.out, "Policy balanced: 0 of 1 movable IRQs move to another CPU; "
                                    "1 keep their CPU, with a narrower mask; "), "%s", r.out);
        run_done(&r);

        /* On CPU 2, isolated: it has to leave it. */
        tl_write_irq_file(fake, 40, "effective_affinity_list", "2\n");
        r = irqbald(true, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n", "-w", "0.1", NULL);
        placed = jv_find(jv_get(r.json, "plan"), "irq", 40);
        ck_assert(jv_bool(jv_get(placed, "moves")));
        run_done(&r);
        r = irqbald(false, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n", "-w", "0.1", NULL);
        ck_assert_msg(strstr(r.out, "0-3 (on 2) → "), "%s", r.out);
        ck_assert_msg(strstr(r.out, "Policy balanced: 1 of 1 movable IRQs move to another CPU; busiest"),
                      "%s", r.out);
        run_done(&r);
}
END_TEST

START_TEST(list_policies_names_all_five_with_the_default)
{
        struct run r = irqbald(false, "--list-policies", NULL);
        const char *names[] = { "balanced", "numa-local", "pack", "housekeeping", "hint" };

        ck_assert_int_eq(r.status, 0);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                ck_assert_msg(strstr(r.out, names[i]), "--list-policies lacks %s", names[i]);
        ck_assert(g_str_has_prefix(r.out, "balanced "));
        ck_assert(strstr(r.out, "(default)"));
        run_done(&r);
        r = irqbald(false, "--root", fake, "--policy=fastest", "-o", "-n", NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert(strstr(r.err, "Unknown policy 'fastest'"));
        ck_assert(strstr(r.err, "--list-policies"));
        run_done(&r);
}
END_TEST

START_TEST(housekeeping_moves_irqs_and_the_default_onto_its_cpus)
{
        char *irq_path = tl_irq_file(fake, 40, "smp_affinity_list");
        char *default_path = g_build_filename(fake, "proc", "irq", "default_smp_affinity", NULL), *text;
        struct run r;

        tl_write_proc_irq(fake, "default_smp_affinity", "f\n");
        r = irqbald(true, "--root", fake, "--topology=synthetic:pu:4", "-o", "-w", "0.1",
                    "--policy=housekeeping", NULL);
        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        ck_assert_str_eq(jv_str(jv_get(r.json, "policy")), "housekeeping");
        /* Usable CPUs 0-1 (2 isolated, 2-3 nohz_full) are the housekeeping set. */
        text = tl_read(irq_path);
        ck_assert_str_eq(g_strstrip(text), "0-1");
        free(text);
        text = tl_read(default_path);
        ck_assert_int_eq(strtol(g_strstrip(text), NULL, 16), 0x3);
        free(text);
        g_free(irq_path);
        g_free(default_path);
        run_done(&r);
}
END_TEST

START_TEST(bad_command_lines_fail_with_a_reason)
{
        struct run r = irqbald(false, "--interval=0", NULL);

        ck_assert_int_eq(r.status, 1);
        ck_assert(strstr(r.err, "--interval=0"));
        run_done(&r);
        r = irqbald(false, "-n", "-o", "--topology=synthetic:bogus:7", "--root", fake, NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert(strstr(r.err, "topology"));
        run_done(&r);
        r = irqbald(false, "-n", "-o", "--root=/nonexistent/root", NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert(strstr(r.err, "/nonexistent/root"));
        run_done(&r);
}
END_TEST

START_TEST(synthetic_topology_is_the_model_in_the_json)
{
        struct run r;

        tl_write(fake, "sys/devices/system/cpu/online", "0-31\n");
        r = irqbald(true, "--root", fake, "--topology=synthetic:\"pack:2 numa:2 core:4 pu:2\"",
                    "-o", "-n", "-w", "0.1", NULL);
        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        ck_assert_uint_eq(jv_len(jv_path(r.json, "topology.nodes")), 4);
        ck_assert_uint_eq(jv_len(jv_path(r.json, "topology.packages")), 2);
        ck_assert_uint_eq(jv_len(jv_path(r.json, "topology.cores")), 16);
        ck_assert_str_eq(jv_str(jv_path(r.json, "topology.nodes[3].cpus")), "24-31");
        ck_assert_str_eq(jv_str(jv_path(r.json, "topology.cores[0].pus")), "0-1");
        ck_assert_str_eq(jv_str(jv_path(r.json, "topology.usable_cpus")), "0-1,4-31");
        run_done(&r);
}
END_TEST

/* ---- real servers: sysfs captures ------------------------------------------------- */

/* Policy files under the fake root: --check-config lists every problem with file:line,
 * the daemon refuses to start on errors, and the files' settings apply unless the
 * command line says otherwise. */
START_TEST(check_config_lists_every_problem_and_fails_on_errors)
{
        struct run r;

        tl_write(fake, "etc/irqbald/irqbald.conf", "[Daemon]\nPolicy=pack\nIntervall=5\n");
        tl_write(fake, "etc/irqbald/policy.d/10-nic.conf",
                 "[Match]\nName=eth0-*\n\n[Placement]\nCPUs=8-9\n");
        r = irqbald(false, "--root", fake, "--topology=synthetic:pu:4", "--check-config", NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert_str_eq(r.out,
                         "/etc/irqbald/irqbald.conf:3: error: unknown key 'Intervall' in [Daemon]; "
                         "did you mean 'Interval='?\n"
                         "/etc/irqbald/policy.d/10-nic.conf:5: error: CPUs=8-9: none of these CPUs "
                         "exist on this machine (it has 0-3)\n"
                         "2 errors: irqbald would not start, and a reload would keep the old "
                         "configuration.\n");
        run_done(&r);

        /* The daemon itself does not start on them, and says why. */
        r = irqbald(false, "--root", fake, "--topology=synthetic:pu:4", "-o", "-n", "-w", "0.1", NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(strstr(r.err, "/etc/irqbald/irqbald.conf:3: unknown key 'Intervall'") &&
                      strstr(r.err, "Not starting: 2 errors in the policy files"), "%s", r.err);
        run_done(&r);

        tl_write(fake, "etc/irqbald/irqbald.conf", "[Daemon]\nPolicy=pack\nInterval=5\n");
        tl_write(fake, "etc/irqbald/policy.d/10-nic.conf",
                 "[Match]\nName=eth0-*\n\n[Placement]\nCPUs=1-9\n");
        r = irqbald(false, "--root", fake, "--topology=synthetic:pu:4", "--check-config", NULL);
        ck_assert_int_eq(r.status, 0);
        ck_assert_str_eq(r.out,
                         "/etc/irqbald/policy.d/10-nic.conf:5: warning: CPUs=1-9: CPUs 4-9 do not "
                         "exist on this machine (it has 0-3); they are ignored\n"
                         "2 files checked: no errors.\n");
        run_done(&r);
}
END_TEST

START_TEST(file_settings_apply_unless_the_command_line_says_otherwise)
{
        struct run r;

        tl_write(fake, "etc/irqbald/irqbald.conf",
                 "[Daemon]\nPolicy=numa-local\nBannedCPUs=0\nBanIsolated=no\n");
        r = irqbald(true, "--root", fake, "--topology=synthetic:core:4 pu:1", "-o", "-n", "-w", "0.1", NULL);
        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        ck_assert_str_eq(jv_str(jv_get(r.json, "policy")), "numa-local");
        /* Isolated 2 and nohz_full 2-3 take IRQs now; 0 is banned by the file. */
        ck_assert_str_eq(jv_str(jv_path(r.json, "topology.usable_cpus")), "1-3");
        ck_assert_uint_eq(jv_len(jv_path(r.json, "topology.banned_cpus")), 1);
        run_done(&r);

        r = irqbald(true, "--root", fake, "--topology=synthetic:core:4 pu:1", "-o", "-n", "-w", "0.1",
                    "--policy=pack", "--ban-cpus=3", NULL);
        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        ck_assert_str_eq(jv_str(jv_get(r.json, "policy")), "pack");
        ck_assert_str_eq(jv_str(jv_path(r.json, "topology.usable_cpus")), "0-2");
        run_done(&r);
}
END_TEST

static const char *const captures[] = {
        "16em64t-4s2c2t", "16em64t-4s2c2t-offlines", "8em64t-2s2ca2c",
        "64amd64-4s2n4ca2co", "32em64t-2n8c+dax+nvme+mic+dimms", "40intel64-2g2n4c+pcilocality",
};

/* A /proc/interrupts with one column per online CPU of the capture. */
static void write_interrupts_for(const char *root, hwloc_const_bitmap_t online)
{
        GString *s = g_string_new("      ");
        unsigned cpu;

        hwloc_bitmap_foreach_begin(cpu, online)
                g_string_append_printf(s, " CPU%-8u", cpu);
        hwloc_bitmap_foreach_end();
        g_string_append(s, "\n 90:");
        hwloc_bitmap_foreach_begin(cpu, online)
                g_string_append_printf(s, " %10u", cpu);
        hwloc_bitmap_foreach_end();
        g_string_append(s, "  IR-PCI-MSI 524288-edge      nvme0q1\n");
        tl_write(root, "proc/interrupts", "%s", s->str);
        g_string_free(s, TRUE);
}

static void set_capture_env(const char *name)
{
        /* As the capture's .test file says lstopo was run. */
        if (strstr(name, "pcilocality"))
                setenv("HWLOC_PCI_LOCALITY", "# near 1st package;0000:00-09 0x00000055,0x55555555;"
                       "# near 2nd package;0000:40-46 0x000000aa,0xaaaaaaaa", 1);
}

START_TEST(each_capture_is_reported_as_hwloc_models_it)
{
        const char *name = captures[_i];
        char *tmp, *root_dir = tl_unpack_capture(name, &tmp);
        struct irqbal_root root;
        struct topology *topo;
        struct topology_options topts = {};
        struct run r;
        const struct jv *nodes, *cores;

        set_capture_env(name);
        ck_assert_int_eq(root_open(&root, root_dir), 0);
        ck_assert_int_eq(topology_load(&root, &topts, &topo), 0);
        write_interrupts_for(root_dir, topo->online);

        r = irqbald(true, "--root", root_dir, "-o", "-n", "-w", "0.1", NULL);
        ck_assert_msg(r.status == 0, "irqbald failed on %s: %s", name, r.err);

        nodes = jv_path(r.json, "topology.nodes");
        ck_assert_uint_eq(jv_len(nodes), topo->n_nodes);
        for (size_t i = 0; i < topo->n_nodes; i++) {
                char *cpus = cpulist_format(topo->nodes[i].cpus);

                ck_assert_int_eq(jv_int(jv_get(jv_at(nodes, i), "id")), topo->nodes[i].os_index);
                ck_assert_str_eq(jv_str(jv_get(jv_at(nodes, i), "cpus")), cpus);
                free(cpus);
        }
        cores = jv_path(r.json, "topology.cores");
        ck_assert_uint_eq(jv_len(cores), topo->n_cores);
        ck_assert_uint_eq(jv_len(jv_path(r.json, "topology.packages")), topo->n_packages);
        {
                char *usable = cpulist_format(topo->usable);
                ck_assert_str_eq(jv_str(jv_path(r.json, "topology.usable_cpus")), usable);
                free(usable);
        }
        ck_assert_uint_eq(jv_len(jv_get(r.json, "irqs")), 1);
        check_irq_members(irq_of(&r, 90));

        run_done(&r);
        topology_free(topo);
        root_close(&root);
        unsetenv("HWLOC_PCI_LOCALITY");
        tl_rmtree(tmp);
        free(tmp);
        free(root_dir);
}
END_TEST

START_TEST(offline_cpus_of_a_capture_are_banned_as_offline)
{
        char *tmp, *root_dir = tl_unpack_capture("16em64t-4s2c2t-offlines", &tmp);
        struct irqbal_root root;
        struct topology *topo;
        struct topology_options topts = {};
        struct run r;
        const struct jv *banned;
        char *online;

        ck_assert_int_eq(root_open(&root, root_dir), 0);
        ck_assert_int_eq(topology_load(&root, &topts, &topo), 0);
        ck_assert_msg(!hwloc_bitmap_isequal(topo->online, topo->all), "capture has no offline CPU");
        write_interrupts_for(root_dir, topo->online);
        r = irqbald(true, "--root", root_dir, "-o", "-n", "-w", "0.1", NULL);
        ck_assert_msg(r.status == 0, "irqbald failed: %s", r.err);
        banned = jv_path(r.json, "topology.banned_cpus");
        ck_assert_int_eq(jv_len(banned), hwloc_bitmap_weight(topo->all) - hwloc_bitmap_weight(topo->online));
        for (size_t i = 0; i < jv_len(banned); i++) {
                int cpu = (int) jv_int(jv_get(jv_at(banned, i), "cpu"));

                ck_assert_msg(!hwloc_bitmap_isset(topo->online, (unsigned) cpu), "online CPU %d banned", cpu);
                ck_assert_str_eq(jv_str(jv_path(jv_at(banned, i), "reasons[0]")), "offline");
        }
        online = cpulist_format(topo->online);
        ck_assert_str_eq(jv_str(jv_path(r.json, "topology.online_cpus")), online);
        free(online);
        run_done(&r);
        topology_free(topo);
        root_close(&root);
        tl_rmtree(tmp);
        free(tmp);
        free(root_dir);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("irqbald");
        TCase *host = tcase_create("host");
        TCase *fakes = tcase_create("fake-root");
        TCase *real = tcase_create("captures");

        /* Sanitizer builds start slowly; each run samples for 0.1-0.2 s. */
        tcase_set_timeout(host, 60);
        tcase_add_test(host, host_dry_run_lists_msi_irqs_with_their_pci_devices);
        tcase_add_test(host, host_text_output_has_the_tree_and_the_table);
        suite_add_tcase(s, host);

        tcase_set_timeout(fakes, 60);
        tcase_add_checked_fixture(fakes, fake_setup, fake_teardown);
        tcase_add_test(fakes, fake_root_skips_and_counts_malformed_lines);
        tcase_add_test(fakes, banned_cpus_carry_every_reason);
        tcase_add_test(fakes, missing_proc_interrupts_is_an_error_naming_the_path);
        tcase_add_test(fakes, oneshot_without_dry_run_writes_the_plan);
        tcase_add_test(fakes, dry_run_writes_nothing);
        tcase_add_test(fakes, plan_tells_moves_from_narrowed_masks);
        tcase_add_test(fakes, bad_command_lines_fail_with_a_reason);
        tcase_add_test(fakes, list_policies_names_all_five_with_the_default);
        tcase_add_test(fakes, housekeeping_moves_irqs_and_the_default_onto_its_cpus);
        tcase_add_test(fakes, synthetic_topology_is_the_model_in_the_json);
        tcase_add_test(fakes, check_config_lists_every_problem_and_fails_on_errors);
        tcase_add_test(fakes, file_settings_apply_unless_the_command_line_says_otherwise);
        suite_add_tcase(s, fakes);

        tcase_set_timeout(real, 120);
        tcase_add_loop_test(real, each_capture_is_reported_as_hwloc_models_it, 0,
                            (int) ELEMENTSOF(captures));
        tcase_add_test(real, offline_cpus_of_a_capture_are_banned_as_offline);
        suite_add_tcase(s, real);
        return s;
}
