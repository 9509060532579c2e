/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel-write shim: tests/helpers/write-file writes like irqbald does (openat on
 * the root's directory fd, one write) with sim/libirqbal-kshim.so preloaded, and each
 * of the kernel's refusals shows up as the errno the helper exits with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static const char *builddir(void)
{
        const char *s = getenv("TOP_BUILDDIR");
        return s ? s : TOP_BUILDDIR;
}

/* A root with CPUs 0-3 online and IRQ 5's files, each holding a long stale mask. */
static char *make_root(void)
{
        char *root = tl_mkdtemp();

        tl_write(root, "sys/devices/system/cpu/online", "0-3\n");
        tl_write(root, "proc/irq/5/smp_affinity_list", "0-127\n");
        tl_write(root, "proc/irq/5/smp_affinity", "ffffffff,ffffffff,ffffffff,ffffffff\n");
        tl_write(root, "proc/irq/5/node", "0\n");
        tl_write(root, "proc/irq/default_smp_affinity", "ffffffff\n");
        return root;
}

/* Runs the helper with the shim preloaded (and IRQBAL_SIM_ROOT=SIM_ROOT unless NULL);
 * returns the errno of the write, 0 on success. */
static int shim_write(const char *sim_root, const char *root, const char *rel, const char *text)
{
        char *helper, *shim;
        struct stat st;
        int status;
        pid_t pid;

        ck_assert_int_ge(asprintf(&helper, "%s/tests/helpers/write-file", builddir()), 0);
        ck_assert_int_ge(asprintf(&shim, "%s/sim/libirqbal-kshim.so", builddir()), 0);
        ck_assert_msg(stat(helper, &st) == 0 && stat(shim, &st) == 0,
                      "%s or %s missing: build them with make check", helper, shim);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                setenv("LD_PRELOAD", shim, 1);
                if (sim_root)
                        setenv("IRQBAL_SIM_ROOT", sim_root, 1);
                else
                        unsetenv("IRQBAL_SIM_ROOT");
                execl(helper, helper, root, rel, text, (char *) NULL);
                _exit(126);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status), "helper died");
        ck_assert_msg(WEXITSTATUS(status) < 125, "helper could not write %s/%s", root, rel);
        free(helper);
        free(shim);
        return WEXITSTATUS(status);
}

static char *read_rel(const char *root, const char *rel)
{
        char *path, *s;

        ck_assert_int_ge(asprintf(&path, "%s/%s", root, rel), 0);
        s = tl_read(path);
        free(path);
        return s;
}

static bool exists_rel(const char *root, const char *rel)
{
        char *path;
        bool r;

        ck_assert_int_ge(asprintf(&path, "%s/%s", root, rel), 0);
        r = access(path, F_OK) == 0;
        free(path);
        return r;
}

static void check_file(const char *root, const char *rel, const char *expected)
{
        char *s = read_rel(root, rel);

        ck_assert_str_eq(s, expected);
        free(s);
}

static void check_log(const char *root, const char *expected)
{
        if (!*expected) {
                ck_assert_msg(!exists_rel(root, ".sim/writes.log"), "nothing should be logged");
                return;
        }
        check_file(root, ".sim/writes.log", expected);
}

#define LIST "proc/irq/5/smp_affinity_list"
#define HEX "proc/irq/5/smp_affinity"

START_TEST(accepted_write_replaces_the_whole_file_and_is_logged)
{
        char *root = make_root();

        ck_assert_int_eq(shim_write(root, root, LIST, "3"), 0);
        check_file(root, LIST, "3");
        ck_assert_int_eq(shim_write(root, root, HEX, "c\n"), 0);
        check_file(root, HEX, "c\n");
        ck_assert_int_eq(shim_write(root, root, "proc/irq/default_smp_affinity", "f"), 0);
        check_file(root, "proc/irq/default_smp_affinity", "f");
        check_log(root, "5 3\n5 c\ndefault f\n");
        tl_rmtree(root);
        free(root);
}
END_TEST

START_TEST(refuse_file_gives_its_errno_and_writes_nothing)
{
        static const struct { const char *name; int e; } cases[] = {
                { "EPERM", EPERM }, { "EIO\n", EIO }, { "ENOSPC", ENOSPC },
                { "EINVAL", EINVAL }, { "EBUSY", EBUSY }, { "EAGAIN", EAGAIN },
        };
        char *root = make_root();

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                tl_write(root, ".sim/irq/5/refuse", "%s", cases[i].name);
                ck_assert_int_eq(shim_write(root, root, LIST, "1"), cases[i].e);
                ck_assert_int_eq(shim_write(root, root, HEX, "2"), cases[i].e);
        }
        /* Without a count the refusal is permanent. */
        ck_assert_int_eq(shim_write(root, root, LIST, "1"), EAGAIN);
        /* The refusal comes before any check of the mask. */
        ck_assert_int_eq(shim_write(root, root, LIST, "garbage"), EAGAIN);
        check_file(root, LIST, "0-127\n");
        check_log(root, "");
        tl_rmtree(root);
        free(root);
}
END_TEST

START_TEST(transient_refusal_counts_down)
{
        char *root = make_root();

        tl_write(root, ".sim/irq/5/refuse", "EBUSY 2\n");
        ck_assert_int_eq(shim_write(root, root, LIST, "1"), EBUSY);
        check_file(root, ".sim/irq/5/refuse", "EBUSY 1\n");
        ck_assert_int_eq(shim_write(root, root, LIST, "1"), EBUSY);
        ck_assert(!exists_rel(root, ".sim/irq/5/refuse"));
        ck_assert_int_eq(shim_write(root, root, LIST, "1"), 0);
        tl_write(root, ".sim/irq/5/refuse", "EAGAIN 1");
        ck_assert_int_eq(shim_write(root, root, LIST, "2"), EAGAIN);
        ck_assert_int_eq(shim_write(root, root, LIST, "2"), 0);
        check_log(root, "5 1\n5 2\n");
        tl_rmtree(root);
        free(root);
}
END_TEST

START_TEST(malformed_or_empty_mask_is_einval)
{
        char *root = make_root();

        ck_assert_int_eq(shim_write(root, root, LIST, ""), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "\n"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "x"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "3-1"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "1,"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "99999"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, HEX, "0"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, HEX, "0,00000000"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, HEX, "g"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, HEX, "f,"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, HEX, "123456789"), EINVAL);
        check_file(root, LIST, "0-127\n");
        check_log(root, "");
        /* The forms the kernel does accept. */
        ck_assert_int_eq(shim_write(root, root, LIST, "0-3:1/2\n"), 0);
        ck_assert_int_eq(shim_write(root, root, HEX, "1,00000000,2"), 0);
        check_log(root, "5 0-3:1/2\n5 1,00000000,2\n");
        tl_rmtree(root);
        free(root);
}
END_TEST

START_TEST(mask_without_an_online_cpu_is_einval)
{
        char *root = make_root();

        ck_assert_int_eq(shim_write(root, root, LIST, "8"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, HEX, "f0"), EINVAL);
        /* One online CPU is enough. */
        ck_assert_int_eq(shim_write(root, root, LIST, "3,8"), 0);
        check_log(root, "5 3,8\n");
        /* Online sets that span whole words of the shim's masks, and their edges. */
        tl_write(root, "sys/devices/system/cpu/online", "64-191\n");
        ck_assert_int_eq(shim_write(root, root, LIST, "63"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "192-200"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "191"), 0);
        tl_write(root, "sys/devices/system/cpu/online", "1-130\n");
        ck_assert_int_eq(shim_write(root, root, LIST, "0"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "131"), EINVAL);
        ck_assert_int_eq(shim_write(root, root, LIST, "64"), 0);
        ck_assert_int_eq(shim_write(root, root, LIST, "130"), 0);
        check_log(root, "5 3,8\n5 191\n5 64\n5 130\n");
        tl_rmtree(root);
        free(root);
}
END_TEST

START_TEST(mask_of_full_cpus_only_is_enospc)
{
        char *root = make_root();

        tl_write(root, ".sim/vectors_full", "2-3,8\n");
        ck_assert_int_eq(shim_write(root, root, LIST, "2-3"), ENOSPC);
        ck_assert_int_eq(shim_write(root, root, HEX, "4"), ENOSPC);
        /* An offline CPU is EINVAL before it is full. */
        ck_assert_int_eq(shim_write(root, root, LIST, "8"), EINVAL);
        /* One CPU with free vectors is enough. */
        ck_assert_int_eq(shim_write(root, root, LIST, "1-2"), 0);
        check_log(root, "5 1-2\n");
        /* The attempts that failed are in a log of their own, with the errno. */
        {
                char *path, *refused;

                ck_assert_int_ge(asprintf(&path, "%s/.sim/refused.log", root), 0);
                refused = tl_read(path);
                ck_assert_str_eq(refused, "5 2-3 ENOSPC\n5 4 ENOSPC\n5 8 EINVAL\n");
                free(refused);
                free(path);
        }
        tl_rmtree(root);
        free(root);
}
END_TEST

START_TEST(other_files_and_other_roots_are_left_alone)
{
        char *root = make_root(), *other = make_root();

        tl_write(root, ".sim/irq/5/refuse", "EIO");
        ck_assert_int_eq(shim_write(root, root, "proc/irq/5/node", "garbage"), 0);
        /* Without IRQBAL_SIM_ROOT, or with another root, nothing is checked. */
        ck_assert_int_eq(shim_write(NULL, root, LIST, "99"), 0);
        ck_assert_int_eq(shim_write(other, root, LIST, "98"), 0);
        /* A write that does not truncate leaves the tail, as on a plain file. */
        check_file(root, LIST, "98127\n");
        check_log(root, "");
        check_log(other, "");
        tl_rmtree(root);
        tl_rmtree(other);
        free(root);
        free(other);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("kshim");
        TCase *tc = tcase_create("kshim");

        tcase_add_test(tc, accepted_write_replaces_the_whole_file_and_is_logged);
        tcase_add_test(tc, refuse_file_gives_its_errno_and_writes_nothing);
        tcase_add_test(tc, transient_refusal_counts_down);
        tcase_add_test(tc, malformed_or_empty_mask_is_einval);
        tcase_add_test(tc, mask_without_an_online_cpu_is_einval);
        tcase_add_test(tc, mask_of_full_cpus_only_is_enospc);
        tcase_add_test(tc, other_files_and_other_roots_are_left_alone);
        suite_add_tcase(s, tc);
        return s;
}
