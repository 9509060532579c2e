/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/maskpool.h"
#include "testlib.h"

static void check_list(const char *in, const char *expected)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        char *out;

        ck_assert_msg(cpulist_parse(in, set) == 0, "cpulist \"%s\" should parse", in);
        out = cpulist_format(set);
        ck_assert_str_eq(out, expected);
        free(out);
        hwloc_bitmap_free(set);
}

static void check_list_rejected(const char *in)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        ck_assert_msg(cpulist_parse(in, set) < 0, "cpulist \"%s\" should be rejected", in);
        ck_assert(hwloc_bitmap_iszero(set));
        hwloc_bitmap_free(set);
}

START_TEST(cpulist_kernel_forms)
{
        check_list("0-3,8,10-11\n", "0-3,8,10-11");
        check_list("5", "5");
        check_list("", "");
        check_list("\n", "");
        check_list("0-7:2/4", "0-1,4-5");   /* the kernel's stride form */
        check_list("3,1,2", "1-3");
        check_list("1023", "1023");
}
END_TEST

START_TEST(cpulist_garbage_is_rejected)
{
        check_list_rejected("x");
        check_list_rejected("1-");
        check_list_rejected("3-1");
        check_list_rejected("1,,2");
        check_list_rejected("1,");
        check_list_rejected("-1");
        check_list_rejected("1 2");
        check_list_rejected("99999999999");
        check_list_rejected("0-7:0/4");
}
END_TEST

START_TEST(cpumask_hex_groups)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        char *s;

        ck_assert_int_eq(cpumask_parse("00000001,00000000,0000000f\n", set), 0);
        s = cpulist_format(set);
        ck_assert_str_eq(s, "0-3,64");
        free(s);
        ck_assert_int_eq(cpumask_parse("ff", set), 0);
        s = cpulist_format(set);
        ck_assert_str_eq(s, "0-7");
        free(s);
        ck_assert_int_eq(cpumask_parse("fg", set), -EINVAL);
        ck_assert_int_eq(cpumask_parse("", set), -EINVAL);
        hwloc_bitmap_free(set);
}
END_TEST

START_TEST(read_cpulist_through_root)
{
        char *dir = tl_mkdtemp();
        struct irqbal_root root;
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        tl_write(dir, "sys/devices/system/cpu/isolated", "2-3\n");
        ck_assert_int_eq(root_open(&root, dir), 0);
        ck_assert_int_eq(root_read_cpulist(&root, "/sys/devices/system/cpu/isolated", set), 0);
        ck_assert_int_eq(hwloc_bitmap_weight(set), 2);
        ck_assert_int_eq(root_read_cpulist(&root, "/sys/devices/system/cpu/nohz_full", set), -ENOENT);
        root_close(&root);
        hwloc_bitmap_free(set);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

/* A line kept per IRQ (its chip name, its trigger) costs its length, not a read
 * buffer: 8 KiB each made 16 KiB per IRQ. */
START_TEST(a_line_read_is_a_string_of_its_own_size)
{
        char *dir = tl_mkdtemp(), *line = NULL, *long_line = malloc(5000);
        struct irqbal_root root;

        tl_write(dir, "sys/kernel/irq/30/type", "  edge \nsecond line\n");
        tl_write(dir, "sys/kernel/irq/30/chip_name", "IR-PCI-MSIX-0000:03:00.0");
        memset(long_line, 'f', 4999);
        long_line[4999] = 0;
        tl_write(dir, "sys/kernel/irq/30/actions", "%s", long_line);
        ck_assert_int_eq(root_open(&root, dir), 0);
        ck_assert_int_eq(root_read_line(&root, "/sys/kernel/irq/30/type", &line), 0);
        ck_assert_str_eq(line, "edge");
        ck_assert_uint_lt(malloc_usable_size(line), 64);
        free(line);
        /* No newline at the end. */
        ck_assert_int_eq(root_read_line(&root, "/sys/kernel/irq/30/chip_name", &line), 0);
        ck_assert_str_eq(line, "IR-PCI-MSIX-0000:03:00.0");
        free(line);
        ck_assert_int_eq(root_read_line(&root, "/sys/kernel/irq/30/actions", &line), -EFBIG);
        ck_assert_int_eq(root_read_line(&root, "/sys/kernel/irq/31/type", &line), -ENOENT);
        root_close(&root);
        free(long_line);
        tl_rmtree(dir);
        free(dir);
}
END_TEST

/* A set parsed from a cpulist, for the pool tests. */
static hwloc_bitmap_t set_of(const char *list)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        ck_assert_int_eq(cpulist_parse(list, set), 0);
        return set;
}

START_TEST(mask_pool_keeps_one_copy_of_each_distinct_set)
{
        struct mask_pool *pool;
        hwloc_const_bitmap_t slots[6] = {};
        hwloc_bitmap_t cpu1000 = set_of("1000"), also_cpu1000 = set_of("1000"), all = set_of("0-1023");

        ck_assert_int_eq(mask_pool_new(&pool), 0);
        /* Three IRQs on CPU 1000, three on every CPU: two copies, whatever the slots. */
        for (int i = 0; i < 6; i++)
                ck_assert_int_eq(mask_pool_set(pool, &slots[i], i < 3 ? (i ? also_cpu1000 : cpu1000) : all), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        ck_assert_ptr_eq(slots[0], slots[1]);
        ck_assert_ptr_eq(slots[1], slots[2]);
        ck_assert_ptr_ne(slots[0], slots[3]);
        ck_assert(slots[0] != cpu1000);
        /* The pool's copy does not follow the set it was made from. */
        hwloc_bitmap_only(cpu1000, 7);
        ck_assert_int_eq(hwloc_bitmap_first(slots[0]), 1000);
        ck_assert_int_eq(hwloc_bitmap_weight(slots[3]), 1024);
        hwloc_bitmap_free(cpu1000);
        hwloc_bitmap_free(also_cpu1000);
        hwloc_bitmap_free(all);
        mask_pool_free(pool);
}
END_TEST

START_TEST(mask_pool_drops_a_set_with_its_last_reference)
{
        struct mask_pool *pool;
        hwloc_const_bitmap_t a = NULL, b = NULL;
        hwloc_bitmap_t three = set_of("3"), node = set_of("0-15");

        ck_assert_int_eq(mask_pool_new(&pool), 0);
        ck_assert_int_eq(mask_pool_set(pool, &a, three), 0);
        ck_assert_int_eq(mask_pool_set(pool, &b, three), 0);
        /* Setting a slot to what it holds takes no second reference. */
        ck_assert_int_eq(mask_pool_set(pool, &a, three), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 1);
        /* A moves: CPU 3 stays for B, the node set comes in. */
        ck_assert_int_eq(mask_pool_set(pool, &a, node), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        ck_assert_int_eq(hwloc_bitmap_first(b), 3);
        ck_assert_int_eq(mask_pool_set(pool, &b, NULL), 0);
        ck_assert_ptr_null(b);
        ck_assert_uint_eq(mask_pool_size(pool), 1);
        ck_assert_int_eq(mask_pool_set(pool, &a, NULL), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 0);
        /* An empty set is the pool's own, shared and not counted. */
        hwloc_bitmap_zero(three);
        ck_assert_int_eq(mask_pool_set(pool, &a, node), 0);
        ck_assert_int_eq(mask_pool_set(pool, &a, three), 0);
        ck_assert(hwloc_bitmap_iszero(a));
        ck_assert_ptr_eq(a, mask_pool_empty(pool));
        ck_assert_uint_eq(mask_pool_size(pool), 0);
        ck_assert_int_eq(mask_pool_set(pool, &b, three), 0);
        ck_assert_ptr_eq(b, a);
        ck_assert_int_eq(mask_pool_set(pool, &b, node), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 1);
        ck_assert_int_eq(mask_pool_set(pool, &a, NULL), 0);
        ck_assert_ptr_null(a);
        hwloc_bitmap_free(three);
        hwloc_bitmap_free(node);
        mask_pool_free(pool);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("cpuset");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, cpulist_kernel_forms);
        tcase_add_test(tc, cpulist_garbage_is_rejected);
        tcase_add_test(tc, cpumask_hex_groups);
        tcase_add_test(tc, read_cpulist_through_root);
        tcase_add_test(tc, a_line_read_is_a_string_of_its_own_size);
        tcase_add_test(tc, mask_pool_keeps_one_copy_of_each_distinct_set);
        tcase_add_test(tc, mask_pool_drops_a_set_with_its_last_reference);
        suite_add_tcase(s, tc);
        return s;
}
