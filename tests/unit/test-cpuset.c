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
        check_list("0-1023,1024-65535", "0-65535");
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

START_TEST(single_cpu_of_a_set)
{
        hwloc_bitmap_t empty = set_of(""), five = set_of("5"), two = set_of("5,900"), high = set_of("1023");
        hwloc_bitmap_t full = hwloc_bitmap_alloc_full();

        ck_assert_int_eq(cpuset_single_cpu(empty), -1);
        ck_assert_int_eq(cpuset_single_cpu(five), 5);
        ck_assert_int_eq(cpuset_single_cpu(two), -1);
        ck_assert_int_eq(cpuset_single_cpu(high), 1023);
        ck_assert_int_eq(cpuset_single_cpu(full), -1);
        hwloc_bitmap_only(full, 0);
        ck_assert_int_eq(cpuset_single_cpu(full), 0);
        hwloc_bitmap_free(empty);
        hwloc_bitmap_free(five);
        hwloc_bitmap_free(two);
        hwloc_bitmap_free(high);
        hwloc_bitmap_free(full);
}
END_TEST

/* One-CPU sets found by number share the entries of the same sets found by content,
 * at any CPU number; the last reference drops them from both. */
START_TEST(mask_pool_finds_one_cpu_sets_by_number)
{
        struct mask_pool *pool;
        hwloc_const_bitmap_t a = NULL, b = NULL, c = NULL, d = NULL;
        hwloc_bitmap_t five = set_of("5"), five_and_six = set_of("5-6"), high = set_of("1000");

        ck_assert_int_eq(mask_pool_new(&pool), 0);
        ck_assert_int_eq(mask_pool_set_cpu(pool, &a, 5), 0);
        ck_assert(hwloc_bitmap_isequal(a, five));
        ck_assert_int_eq(mask_pool_set(pool, &b, five), 0);
        ck_assert_ptr_eq(a, b);
        ck_assert_uint_eq(mask_pool_size(pool), 1);
        /* A set that starts at CPU 5 but has another is another set. */
        ck_assert_int_eq(mask_pool_set(pool, &c, five_and_six), 0);
        ck_assert_ptr_ne(c, a);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        /* By content first, by number next, far past the first CPUs listed. */
        ck_assert_int_eq(mask_pool_set(pool, &d, high), 0);
        ck_assert_int_eq(mask_pool_set_cpu(pool, &c, 1000), 0);
        ck_assert_ptr_eq(c, d);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        /* The same CPU again: nothing changes. */
        ck_assert_int_eq(mask_pool_set_cpu(pool, &c, 1000), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        /* Last references gone: CPU 5's set goes, and comes back as a new copy. */
        ck_assert_int_eq(mask_pool_set(pool, &a, NULL), 0);
        ck_assert_int_eq(mask_pool_set_cpu(pool, &b, 7), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        ck_assert_int_eq(mask_pool_set_cpu(pool, &a, 5), 0);
        ck_assert_int_eq(hwloc_bitmap_first(a), 5);
        ck_assert_int_eq(hwloc_bitmap_weight(a), 1);
        ck_assert_uint_eq(mask_pool_size(pool), 3);
        ck_assert_int_eq(mask_pool_set(pool, &b, five), 0);
        ck_assert_ptr_eq(a, b);
        ck_assert_uint_eq(mask_pool_size(pool), 2);
        hwloc_const_bitmap_t *slots[] = { &a, &b, &c, &d };
        for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
                ck_assert_int_eq(mask_pool_set(pool, slots[i], NULL), 0);
        ck_assert_uint_eq(mask_pool_size(pool), 0);
        hwloc_bitmap_free(five);
        hwloc_bitmap_free(five_and_six);
        hwloc_bitmap_free(high);
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
        tcase_add_test(tc, mask_pool_finds_one_cpu_sets_by_number);
        tcase_add_test(tc, single_cpu_of_a_set);
        suite_add_tcase(s, tc);
        return s;
}
