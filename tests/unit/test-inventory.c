/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqbal/cpuset.h"
#include "irqbal/inventory.h"
#include "testlib.h"

/* A fake root shaped like this project's development VM (kernel 6.18, two vCPUs,
 * virtio devices on MSI-X), cut down to the files the inventory reads. */
static char *dir;
static struct irqbal_root root;
static struct interrupts_table table;
static struct irq_inventory inv;

static const char interrupts_text[] =
        "           CPU0       CPU1       \n"
        "  1:          9          0  IO-APIC   1-edge      i8042\n"
        " 26:          0          9  IO-APIC-edge      ttyS0\n"
        " 36:          0       6277 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
        " 38:          0        481 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n"
        " 39:        429          0 PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0\n"
        " 50:         17          3 IR-PCI-MSIX-0000:00:04.0   0-edge      nvme0q0\n"
        " 60:          5          0  IO-APIC  16-fasteoi   \n"
        "NMI:          0          0   Non-maskable interrupts\n"
        "ERR:          0\n";

static void write_irq(unsigned irq, const char *affinity, const char *effective,
                      const char *hint, mode_t mode)
{
        char *path = tl_irq_file(dir, irq, "smp_affinity");

        tl_write_irq_masks(dir, irq, affinity, "3");
        ck_assert_int_eq(chmod(path, mode), 0);
        free(path);
        if (effective)
                tl_write_irq_file(dir, irq, "effective_affinity_list", "%s\n", effective);
        tl_write_irq_file(dir, irq, "affinity_hint", "%s\n", hint);
}

static void pci_device(const char *addr, const char *class, int node, const char *driver)
{
        char rel[256], target[256];

        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/class", addr);
        tl_write(dir, rel, "%s\n", class);
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/numa_node", addr);
        tl_write(dir, rel, "%d\n", node);
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", addr);
        snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
        tl_symlink(dir, rel, target);
}

static void msi_irq(const char *addr, unsigned irq)
{
        char rel[256];

        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/msi_irqs/%u", addr, irq);
        tl_write(dir, rel, "msix\n");
}

static void setup(void)
{
        dir = tl_mkdtemp();
        write_irq(1, "0-1", "0", "0", 0644);
        write_irq(26, "0-1", "1", "0", 0644);
        /* virtio-blk's request queue is kernel-managed: read-only since 6.12. */
        write_irq(36, "0-1", "1", "0", 0444);
        write_irq(38, "0-1", "1", "2", 0644);
        write_irq(39, "0-1", NULL, "1", 0644);
        write_irq(50, "1", "1", "0", 0644);
        write_irq(60, "0-1", "0", "0", 0644);

        pci_device("0000:00:02.0", "0x018000", -1, "virtio-pci");
        tl_write(dir, "sys/bus/pci/devices/0000:00:02.0/virtio1/device", "0x0002\n");
        tl_symlink(dir, "sys/bus/pci/devices/0000:00:02.0/virtio1/driver",
                   "../../../../bus/virtio/drivers/virtio_blk");
        msi_irq("0000:00:02.0", 35);
        msi_irq("0000:00:02.0", 36);

        pci_device("0000:00:03.0", "0x020000", -1, "virtio-pci");
        tl_write(dir, "sys/bus/pci/devices/0000:00:03.0/virtio2/device", "0x0001\n");
        tl_symlink(dir, "sys/bus/pci/devices/0000:00:03.0/virtio2/driver",
                   "../../../../bus/virtio/drivers/virtio_net");
        tl_write(dir, "sys/bus/pci/devices/0000:00:03.0/virtio2/net/eth0/ifindex", "2\n");
        msi_irq("0000:00:03.0", 38);
        msi_irq("0000:00:03.0", 39);

        /* No msi_irqs directory: the device is found through the chip's name. */
        pci_device("0000:00:04.0", "0x010802", 1, "nvme");

        /* An old kernel glues chip and trigger in /proc/interrupts; sysfs has both. */
        tl_write(dir, "sys/kernel/irq/26/chip_name", "IO-APIC\n");
        tl_write(dir, "sys/kernel/irq/26/type", "edge\n");

        /* A legacy INTx line claimed by a USB controller's irq file. */
        pci_device("0000:00:1d.0", "0x0c0320", 0, "ehci-pci");
        tl_write(dir, "sys/bus/pci/devices/0000:00:1d.0/irq", "60\n");

        ck_assert_int_eq(root_open(&root, dir), 0);
        ck_assert_int_eq(interrupts_parse(interrupts_text, "test", &table), 0);
        ck_assert_int_eq(inventory_scan(&root, &table, NULL, NULL, &inv), 0);
}

static void teardown(void)
{
        inventory_done(&inv);
        interrupts_table_done(&table);
        root_close(&root);
        tl_rmtree(dir);
        free(dir);
}

static const struct irq *irq(unsigned n)
{
        const struct irq *i = inventory_find(&inv, n);

        ck_assert_msg(i, "IRQ %u missing from the inventory", n);
        return i;
}

static void ck_cpulist(hwloc_const_bitmap_t set, const char *expected)
{
        char *s = cpulist_format(set);

        ck_assert_str_eq(s, expected);
        free(s);
}

static int unlink_irq_file(unsigned irq, const char *file)
{
        char *path = tl_irq_file(dir, irq, file);
        int r;

        r = unlink(path);
        free(path);
        return r;
}

START_TEST(every_numbered_row_becomes_an_irq)
{
        ck_assert_uint_eq(inv.n, 7);
        ck_assert_ptr_null(inventory_find(&inv, 2));
        /* A walk in increasing order over every number up to past the last finds what
         * inventory_find() finds. */
        {
                size_t cursor = 0;

                for (unsigned n = 0; n <= inv.irqs[inv.n - 1].number + 1; n++)
                        ck_assert_ptr_eq(inventory_find_next(&inv, n, &cursor), inventory_find(&inv, n));
                ck_assert_uint_eq(cursor, inv.n);
        }
        ck_assert_str_eq(irq(36)->name, "virtio1-req.0");
        ck_assert_str_eq(irq(36)->chip, "PCI-MSIX-0000:00:02.0");
        ck_assert_str_eq(irq(36)->hwirq, "1-edge");
        ck_assert_uint_eq(irq(36)->count, 6277);
}
END_TEST

START_TEST(virtio_devices_show_their_real_driver_and_class)
{
        ck_assert_str_eq(irq(36)->device, "0000:00:02.0");
        ck_assert_str_eq(irq(36)->driver, "virtio_blk");
        ck_assert_int_eq(irq(36)->class, IRQ_CLASS_STORAGE);
        ck_assert_str_eq(irq(38)->driver, "virtio_net");
        ck_assert_int_eq(irq(38)->class, IRQ_CLASS_NET);
        ck_assert_str_eq(irq(38)->interface, "eth0");
        ck_assert_str_eq(irq(39)->interface, "eth0");
}
END_TEST

START_TEST(device_found_from_the_chip_name_without_msi_irqs)
{
        ck_assert_str_eq(irq(50)->device, "0000:00:04.0");
        ck_assert_str_eq(irq(50)->driver, "nvme");
        ck_assert_int_eq(irq(50)->class, IRQ_CLASS_STORAGE);
        /* Without a topology, the node comes from sysfs numa_node. */
        ck_assert_int_eq(irq(50)->node, 1);
        ck_assert_int_eq(irq(38)->node, -1);
}
END_TEST

START_TEST(legacy_lines)
{
        ck_assert_ptr_null(irq(1)->device);
        ck_assert_int_eq(irq(1)->class, IRQ_CLASS_LEGACY);
        ck_assert_int_eq(irq(26)->class, IRQ_CLASS_LEGACY);
        /* INTx line 60 belongs to the USB controller whose irq file names it. */
        ck_assert_str_eq(irq(60)->device, "0000:00:1d.0");
        ck_assert_int_eq(irq(60)->class, IRQ_CLASS_USB);
}
END_TEST

START_TEST(movable_means_writable_and_handled)
{
        ck_assert(irq(38)->movable);
        ck_assert_ptr_null(irq(38)->unmovable_reason);
        /* Mode 0444 (stat, not access: root passes access() anyway). */
        ck_assert(!irq(36)->movable);
        ck_assert_str_eq(irq(36)->unmovable_reason,
                         "affinity is read-only (kernel-managed or per-CPU)");
        /* No action name: nothing handles it. */
        ck_assert(!irq(60)->movable);
        ck_assert_str_eq(irq(60)->unmovable_reason, "no handler");
}
END_TEST

START_TEST(sysfs_irq_names_the_chip_and_trigger)
{
        ck_assert_str_eq(irq(26)->chip, "IO-APIC");
        ck_assert_str_eq(irq(26)->trigger, "edge");
        /* Without /sys/kernel/irq/N the line's own chip stays, trigger unknown. */
        ck_assert_str_eq(irq(1)->chip, "IO-APIC");
        ck_assert_ptr_null(irq(1)->trigger);
}
END_TEST

START_TEST(placement_files)
{
        ck_cpulist(irq(38)->affinity, "0-1");
        ck_cpulist(irq(38)->effective, "1");
        ck_assert(irq(38)->has_effective);
        ck_cpulist(irq(38)->hint, "1");
        ck_assert(!irq(39)->has_effective);
        ck_cpulist(irq(39)->hint, "0");
        /* An all-zero hint is no hint, and costs no set. */
        ck_assert_ptr_null(irq(36)->hint);
        ck_cpulist(irq(50)->affinity, "1");
}
END_TEST

/* A cycle reads one IRQ's mask, and its effective CPU only when asked (a move irqbald
 * wrote) or when the mask changed: the kernel picks another CPU only then. */
START_TEST(refreshing_one_irq_reads_its_effective_cpu_when_needed)
{
        struct irq *i38 = &inv.irqs[irq(38) - inv.irqs];

        write_irq(38, "0-1", "0", "2", 0644);
        ck_assert(!inventory_refresh_irq(&root, &inv, i38, false));
        ck_cpulist(i38->effective, "1");
        ck_assert(!inventory_refresh_irq(&root, &inv, i38, true));
        ck_cpulist(i38->effective, "0");

        write_irq(38, "1", "1", "2", 0644);
        ck_assert(inventory_refresh_irq(&root, &inv, i38, false));
        ck_cpulist(i38->affinity, "1");
        ck_cpulist(i38->effective, "1");
        ck_assert(i38->has_effective);
        /* The hint is the driver's and does not change: not read again. */
        ck_cpulist(i38->hint, "1");

        /* Gone: nothing changes until the rescan that its absence from /proc/stat
         * brings. */
        ck_assert_int_eq(unlink_irq_file(38, "smp_affinity_list"), 0);
        ck_assert_int_eq(unlink_irq_file(38, "smp_affinity"), 0);
        ck_assert(!inventory_refresh_irq(&root, &inv, i38, true));
        ck_cpulist(i38->affinity, "1");
}
END_TEST

START_TEST(a_missing_proc_irq_directory_is_reported_not_fatal)
{
        struct irq_inventory other;
        char *path = tl_proc_irq_file(dir, "26");

        tl_rmtree(path);
        free(path);
        ck_assert_int_eq(inventory_scan(&root, &table, NULL, NULL, &other), 0);
        ck_assert_uint_eq(other.n, 7);
        ck_assert(!inventory_find(&other, 26)->movable);
        ck_assert_str_eq(inventory_find(&other, 26)->unmovable_reason, "no /proc/irq entry");
        inventory_done(&other);
}
END_TEST

START_TEST(class_names_round_trip)
{
        for (int c = 0; c < _IRQ_CLASS_MAX; c++)
                ck_assert_int_eq(irq_class_from_string(irq_class_to_string(c)), c);
        ck_assert_int_lt(irq_class_from_string("ethernet"), 0);
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("inventory");
        TCase *tc = tcase_create("fake-vm");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, every_numbered_row_becomes_an_irq);
        tcase_add_test(tc, virtio_devices_show_their_real_driver_and_class);
        tcase_add_test(tc, device_found_from_the_chip_name_without_msi_irqs);
        tcase_add_test(tc, legacy_lines);
        tcase_add_test(tc, movable_means_writable_and_handled);
        tcase_add_test(tc, placement_files);
        tcase_add_test(tc, refreshing_one_irq_reads_its_effective_cpu_when_needed);
        tcase_add_test(tc, sysfs_irq_names_the_chip_and_trigger);
        tcase_add_test(tc, a_missing_proc_irq_directory_is_reported_not_fatal);
        tcase_add_test(tc, class_names_round_trip);
        suite_add_tcase(s, tc);
        return s;
}
