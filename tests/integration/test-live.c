/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one test that touches this machine's real /proc/irq: irqbald --oneshot places
 * IRQs for real. Every mask (and default_smp_affinity) is saved before and written back
 * after, in the parent process, whatever the test did or however it failed. It runs
 * only when asked (IRQBAL_LIVE_TESTS=1, set by dev.sh test) and as root.
 */
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "irqbal/cpuset.h"
#include "jsonq.h"
#include "testlib.h"

#define PROC_IRQ "/proc/irq"

struct saved_mask {
        unsigned irq;
        char *mask;       /* smp_affinity_list as it was */
        bool writable;
};

static GArray *saved;
static char *saved_default;

static char *read_trimmed(const char *path)
{
        char *s = NULL;

        if (!g_file_get_contents(path, &s, NULL, NULL))
                return NULL;
        return g_strstrip(s);
}

static void save_all(void)
{
        DIR *d = opendir(PROC_IRQ);
        struct dirent *de;

        saved = g_array_new(FALSE, TRUE, sizeof(struct saved_mask));
        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                struct saved_mask m = {};
                char *path, *end;
                struct stat st;

                m.irq = (unsigned) strtoul(de->d_name, &end, 10);
                if (de->d_name[0] == '.' || *end)
                        continue;
                path = g_strdup_printf(PROC_IRQ "/%u/smp_affinity_list", m.irq);
                m.mask = read_trimmed(path);
                m.writable = stat(path, &st) == 0 && (st.st_mode & S_IWUSR);
                g_free(path);
                if (m.mask)
                        g_array_append_val(saved, m);
        }
        closedir(d);
        saved_default = read_trimmed(PROC_IRQ "/default_smp_affinity");
}

static void write_string(const char *path, const char *s)
{
        FILE *f = fopen(path, "we");

        if (!f)
                return;
        fputs(s, f);
        if (fclose(f) != 0)
                fprintf(stderr, "live test: could not restore %s to %s: %m\n", path, s);
}

/* Runs in the parent after the test, pass or fail. */
static void restore_all(void)
{
        for (guint i = 0; saved && i < saved->len; i++) {
                struct saved_mask *m = &g_array_index(saved, struct saved_mask, i);
                char *path = g_strdup_printf(PROC_IRQ "/%u/smp_affinity_list", m->irq);
                char *now = read_trimmed(path);

                if (m->writable && now && strcmp(now, m->mask) != 0)
                        write_string(path, m->mask);
                g_free(now);
                g_free(path);
                g_free(m->mask);
        }
        if (saved_default)
                write_string(PROC_IRQ "/default_smp_affinity", saved_default);
        g_free(saved_default);
        saved_default = NULL;
        if (saved)
                g_array_free(saved, TRUE);
        saved = NULL;
}

static const struct saved_mask *saved_of(unsigned irq)
{
        for (guint i = 0; i < saved->len; i++)
                if (g_array_index(saved, struct saved_mask, i).irq == irq)
                        return &g_array_index(saved, struct saved_mask, i);
        return NULL;
}

START_TEST(oneshot_on_the_real_machine_moves_only_what_it_may)
{
        const char *top = getenv("TOP_BUILDDIR") ? getenv("TOP_BUILDDIR") : TOP_BUILDDIR;
        char *irqbald = g_strdup_printf("%s/irqbald", top), *out = NULL, *err = NULL;
        char *argv[] = { irqbald, "--oneshot", "--window=0.5", "--format=json", NULL };
        const struct jv *irqs, *plan;
        hwloc_bitmap_t usable = hwloc_bitmap_alloc(), mask = hwloc_bitmap_alloc();
        struct jv *json = NULL;
        char msg[256];
        int status;

        ck_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, NULL));
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "irqbald failed: %s", err);
        ck_assert_msg(jv_parse(out, &json, msg, sizeof(msg)) == 0, "bad JSON: %s", msg);
        ck_assert_int_eq(cpulist_parse(jv_str(jv_path(json, "topology.usable_cpus")), usable), 0);

        irqs = jv_get(json, "irqs");
        plan = jv_get(json, "plan");
        ck_assert_ptr_nonnull(plan);
        for (size_t i = 0; i < jv_len(irqs); i++) {
                const struct jv *irq = jv_at(irqs, i);
                unsigned n = (unsigned) jv_int(jv_get(irq, "irq"));
                const struct saved_mask *before = saved_of(n);
                char *path = g_strdup_printf(PROC_IRQ "/%u/smp_affinity_list", n);
                char *now = read_trimmed(path);
                const struct jv *placed = jv_find(plan, "irq", n);

                if (!before || !now) {
                        g_free(path);
                        g_free(now);
                        continue;
                }
                if (!jv_bool(jv_get(irq, "movable")) || !placed)
                        /* Unmovable IRQs are never touched. */
                        ck_assert_msg(strcmp(now, before->mask) == 0,
                                      "IRQ %u is not movable but went from %s to %s", n,
                                      before->mask, now);
                else {
                        /* What the kernel now has is the plan's target, on usable CPUs. */
                        ck_assert_str_eq(now, jv_str(jv_get(placed, "to")));
                        ck_assert_int_eq(cpulist_parse(now, mask), 0);
                        ck_assert_msg(hwloc_bitmap_isincluded(mask, usable),
                                      "IRQ %u placed on %s, outside the usable CPUs", n, now);
                }
                g_free(path);
                g_free(now);
        }
        jv_free(json);
        hwloc_bitmap_free(usable);
        hwloc_bitmap_free(mask);
        g_free(out);
        g_free(err);
        g_free(irqbald);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("live");
        TCase *tc = tcase_create("real-proc-irq");

        /* Unchecked: setup and teardown run in this process, around the forked test,
         * so the masks come back even when the test crashes. */
        tcase_add_unchecked_fixture(tc, save_all, restore_all);
        tcase_set_timeout(tc, 60);
        if (getenv("IRQBAL_LIVE_TESTS") && geteuid() == 0)
                tcase_add_test(tc, oneshot_on_the_real_machine_moves_only_what_it_may);
        suite_add_tcase(s, tc);
        return s;
}
