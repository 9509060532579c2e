/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irqbal/options.h"
#include "testlib.h"

#define PARSE(o, ...) ({                                                        \
        char *argv[] = { "irqbald", __VA_ARGS__, NULL };                        \
        options_parse((int) ELEMENTSOF(argv) - 1, argv, (o));                   \
})

START_TEST(defaults_observe_the_host_every_ten_seconds)
{
        struct options o;

        ck_assert_int_eq(PARSE(&o, "--dry-run"), 0);
        ck_assert_str_eq(o.root, "/");
        ck_assert_ptr_null(o.topology);
        ck_assert(!o.oneshot);
        ck_assert(o.dry_run);
        ck_assert_double_eq(o.interval, 10.0);
        ck_assert_double_eq(o.window, 1.0);
        ck_assert_int_eq(o.format, FORMAT_TEXT);
        ck_assert(hwloc_bitmap_iszero(o.banned));
        ck_assert_ptr_null(o.policy);
        ck_assert_double_eq(o.hysteresis, 0.10);
        ck_assert(o.restore_on_exit && o.respect_external_pins);
        ck_assert_double_eq(o.pack_low, 0.5);
        ck_assert_double_eq(o.pack_high, 1.0);
        options_done(&o);
}
END_TEST

START_TEST(every_option_long_and_short)
{
        struct options o;

        ck_assert_int_eq(PARSE(&o, "--root", "/tmp", "--topology=synthetic:pu:4", "--oneshot",
                               "--foreground", "--interval=2.5", "--window", "0.5",
                               "--ban-cpus=2-3", "--format=json", "--log-level=debug"), 0);
        ck_assert_str_eq(o.root, "/tmp");
        ck_assert_str_eq(o.topology, "synthetic:pu:4");
        ck_assert(o.oneshot && o.foreground && !o.dry_run);
        ck_assert_double_eq(o.interval, 2.5);
        ck_assert_double_eq(o.window, 0.5);
        ck_assert_int_eq(hwloc_bitmap_weight(o.banned), 2);
        ck_assert_int_eq(o.format, FORMAT_JSON);
        ck_assert_int_eq(o.log_level, 7);
        options_done(&o);

        ck_assert_int_eq(PARSE(&o, "--policy=pack", "--pack-thresholds=0.2:2", "--hysteresis=0.25",
                               "--housekeeping-cpus=0-1", "--no-restore", "--override-pins",
                               "--list-policies"), 0);
        ck_assert_str_eq(o.policy, "pack");
        ck_assert_double_eq(o.pack_low, 0.2);
        ck_assert_double_eq(o.pack_high, 2.0);
        ck_assert_double_eq(o.hysteresis, 0.25);
        ck_assert_int_eq(hwloc_bitmap_weight(o.housekeeping), 2);
        ck_assert(!o.restore_on_exit && !o.respect_external_pins && o.list_policies);
        options_done(&o);

        ck_assert_int_eq(PARSE(&o, "-r", "/x", "-o", "-n", "-f", "-i", "3", "-F", "text"), 0);
        ck_assert_str_eq(o.root, "/x");
        ck_assert(o.oneshot && o.dry_run && o.foreground);
        ck_assert(!o.no_bus && !o.check_config);
        /* Which settings the command line gave, so that they win over the files. */
        ck_assert_uint_eq(o.given, OPTION_GIVEN_INTERVAL);
        options_done(&o);

        ck_assert_int_eq(PARSE(&o, "--no-bus", "--check-config", "--policy=pack", "--ban-cpus=1",
                               "--no-restore"), 0);
        ck_assert(o.no_bus && o.check_config);
        ck_assert_uint_eq(o.given, OPTION_GIVEN_POLICY | OPTION_GIVEN_BANNED | OPTION_GIVEN_RESTORE);
        options_done(&o);
}
END_TEST

START_TEST(bad_values_are_refused)
{
        struct options o;

        ck_assert_int_eq(PARSE(&o, "--interval=0"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--interval=ten"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--interval=1e9"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--window=nan"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--format=xml"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--ban-cpus=2-"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--log-level=loud"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--no-such-option"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "stray"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--pack-thresholds=1:0.5"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--pack-thresholds=0.5"), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--housekeeping-cpus="), -EINVAL);
        ck_assert_int_eq(PARSE(&o, "--hysteresis=1.5"), -EINVAL);
}
END_TEST

START_TEST(help_and_version_exit_successfully)
{
        struct options o;
        int saved = dup(STDOUT_FILENO), devnull = open("/dev/null", O_WRONLY);

        /* Keep their text out of the TAP stream on stdout. */
        fflush(stdout);
        dup2(devnull, STDOUT_FILENO);
        ck_assert_int_eq(PARSE(&o, "--version"), 1);
        ck_assert_int_eq(PARSE(&o, "-h"), 1);
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
        close(devnull);
}
END_TEST

START_TEST(help_explains_every_option)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        const char *opts[] = { "--root", "--topology", "--oneshot", "--dry-run", "--foreground",
                               "--interval", "--window", "--ban-cpus", "--format",
                               "--log-level", "--help", "--version", "--policy",
                               "--list-policies", "--hysteresis", "--pack-thresholds",
                               "--housekeeping-cpus", "--no-restore", "--override-pins" };

        options_help(f);
        fclose(f);
        for (size_t i = 0; i < ELEMENTSOF(opts); i++)
                ck_assert_msg(strstr(text, opts[i]), "--help does not explain %s", opts[i]);
        free(text);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("options");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, defaults_observe_the_host_every_ten_seconds);
        tcase_add_test(tc, every_option_long_and_short);
        tcase_add_test(tc, bad_values_are_refused);
        tcase_add_test(tc, help_and_version_exit_successfully);
        tcase_add_test(tc, help_explains_every_option);
        suite_add_tcase(s, tc);
        return s;
}
