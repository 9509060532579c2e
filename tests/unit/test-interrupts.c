/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "irqbal/interrupts.h"
#include "irqbal/log.h"
#include "testlib.h"

/* The row of IRQ, which must exist. */
static const struct interrupts_row *row_of(const struct interrupts_table *t, unsigned irq)
{
        const struct interrupts_row *row = interrupts_find(t, irq);

        ck_assert_msg(row, "IRQ %u should have a row", irq);
        return row;
}

static void check_row(const struct interrupts_table *t, unsigned irq, const char *chip,
                      const char *hwirq, const char *actions, uint64_t total)
{
        const struct interrupts_row *row = row_of(t, irq);

        ck_assert_str_eq(row->chip, chip);
        if (hwirq)
                ck_assert_pstr_eq(row->hwirq, hwirq);
        else
                ck_assert_msg(!row->hwirq, "IRQ %u: hwirq \"%s\", expected none", irq, row->hwirq);
        ck_assert_str_eq(row->actions, actions);
        ck_assert_uint_eq(row->total, total);
}

static void parse_ok(const char *text, struct interrupts_table *t)
{
        ck_assert_int_eq(interrupts_parse(text, "test", t), 0);
}

static void parse_capture(const char *name, struct interrupts_table *t)
{
        char *rel, *path, *text;

        ck_assert_int_ge(asprintf(&rel, "procfs/%s.interrupts", name), 0);
        path = tl_data_path(rel);
        text = tl_read(path);
        ck_assert_int_eq(interrupts_parse(text, path, t), 0);
        free(text);
        free(path);
        free(rel);
}

/* What holds for every well-formed table: nothing skipped, rows strictly increasing,
 * every total the sum of its counts, columns CPU0 … CPUn-1. */
static void check_consistent(const struct interrupts_table *t, unsigned ncols, size_t nrows)
{
        ck_assert_uint_eq(t->ncols, ncols);
        ck_assert_uint_eq(t->nrows, nrows);
        ck_assert_uint_eq(t->skipped_lines, 0);
        for (unsigned j = 0; j < ncols; j++)
                ck_assert_uint_eq(t->col_cpu[j], j);
        for (size_t i = 0; i < t->nrows; i++) {
                uint64_t sum = 0;

                if (i > 0)
                        ck_assert_uint_lt(t->rows[i - 1].irq, t->rows[i].irq);
                for (unsigned j = 0; j < ncols; j++)
                        sum += t->rows[i].counts[j];
                ck_assert_uint_eq(t->rows[i].total, sum);
                ck_assert_ptr_eq(interrupts_find(t, t->rows[i].irq), &t->rows[i]);
        }
}

/* ---- The header ---- */

START_TEST(single_cpu_column)
{
        struct interrupts_table t;

        parse_ok("           CPU0       \n"
                 "  0:         42   IO-APIC   2-edge      timer\n", &t);
        ck_assert_uint_eq(t.ncols, 1);
        ck_assert_uint_eq(t.col_cpu[0], 0);
        ck_assert_uint_eq(t.nrows, 1);
        ck_assert_uint_eq(row_of(&t, 0)->counts[0], 42);
        check_row(&t, 0, "IO-APIC", "2-edge", "timer", 42);
        interrupts_table_done(&t);
}
END_TEST

/* Written the way show_interrupts() prints: "CPU%-8d" columns and "%10u" counts. */
START_TEST(two_hundred_fifty_six_cpu_columns)
{
        struct interrupts_table t;
        char *text;
        size_t len;
        FILE *f = open_memstream(&text, &len);

        fprintf(f, "%*s", 12, "");
        for (unsigned j = 0; j < 256; j++)
                fprintf(f, "CPU%-8u", j);
        fprintf(f, "\n 300:");
        for (unsigned j = 0; j < 256; j++)
                fprintf(f, " %10u", j * 1000);
        fprintf(f, " IR-PCI-MSIX-0000:c1:00.0   17-edge      mlx5_comp16@pci:0000:c1:00.0\n");
        fprintf(f, " NMI:");
        for (unsigned j = 0; j < 256; j++)
                fprintf(f, " %10u", 1);
        fprintf(f, "   Non-maskable interrupts\n ERR:          0\n");
        fclose(f);

        parse_ok(text, &t);
        ck_assert_uint_eq(t.ncols, 256);
        ck_assert_uint_eq(t.col_cpu[255], 255);
        ck_assert_uint_eq(t.nrows, 1);
        ck_assert_uint_eq(t.skipped_lines, 0);
        ck_assert_uint_eq(row_of(&t, 300)->counts[0], 0);
        ck_assert_uint_eq(row_of(&t, 300)->counts[255], 255000);
        check_row(&t, 300, "IR-PCI-MSIX-0000:c1:00.0", "17-edge", "mlx5_comp16@pci:0000:c1:00.0",
                  1000ULL * 255 * 256 / 2);
        interrupts_table_done(&t);
        free(text);
}
END_TEST

START_TEST(offline_cpus_leave_gaps_in_the_columns)
{
        struct interrupts_table t;

        /* CPU1 is offline: the kernel prints only online CPUs. */
        parse_ok("           CPU0       CPU2       CPU3       \n"
                 " 24:          1          2          3  IO-APIC   5-edge      ACPI:Ged\n", &t);
        ck_assert_uint_eq(t.ncols, 3);
        ck_assert_uint_eq(t.col_cpu[0], 0);
        ck_assert_uint_eq(t.col_cpu[1], 2);
        ck_assert_uint_eq(t.col_cpu[2], 3);
        ck_assert_uint_eq(row_of(&t, 24)->counts[1], 2);   /* CPU2's count */
        ck_assert_uint_eq(row_of(&t, 24)->total, 6);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(header_with_or_without_trailing_blanks)
{
        struct interrupts_table a, b;

        parse_ok("           CPU0       CPU1       \n"
                 "  1:          9          0  IO-APIC   1-edge      i8042\n", &a);
        parse_ok("           CPU0       CPU1\n"
                 "  1:          9          0  IO-APIC   1-edge      i8042\n", &b);
        ck_assert_uint_eq(a.ncols, 2);
        ck_assert_uint_eq(b.ncols, 2);
        check_row(&a, 1, "IO-APIC", "1-edge", "i8042", 9);
        check_row(&b, 1, "IO-APIC", "1-edge", "i8042", 9);
        interrupts_table_done(&a);
        interrupts_table_done(&b);
}
END_TEST

static void check_rejected(const char *text)
{
        struct interrupts_table t = { .nrows = 99 };

        ck_assert_msg(interrupts_parse(text, "test", &t) == -EINVAL,
                      "\"%s\" should be rejected", text);
        /* Left empty, so that interrupts_table_done() on it is harmless. */
        ck_assert_uint_eq(t.nrows, 0);
        ck_assert_ptr_null(t.rows);
        ck_assert_ptr_null(t.col_cpu);
        interrupts_table_done(&t);
}

START_TEST(no_header_no_table)
{
        check_rejected("");
        check_rejected("\n");
        check_rejected("  0:         18          0  IR-IO-APIC   2-edge      timer\n");
        check_rejected("           CPU0       CPU0\n");   /* a CPU twice */
        check_rejected("           CPU1       CPU0\n");   /* not increasing */
        check_rejected("           CPU0       CPUx\n");
        check_rejected("           CPU0CPU1\n");
        check_rejected("           CPU0       GPU1\n");
        check_rejected("           CPU99999999999\n");
}
END_TEST

START_TEST(header_only)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       ", &t);
        ck_assert_uint_eq(t.ncols, 2);
        ck_assert_uint_eq(t.nrows, 0);
        ck_assert_ptr_null(interrupts_find(&t, 0));
        interrupts_table_done(&t);
}
END_TEST

/* ---- Numbered rows ---- */

START_TEST(label_width_follows_the_number_of_irqs)
{
        struct interrupts_table t;

        parse_ok("            CPU0       CPU1\n"
                 "  0:          1          0  IO-APIC   2-edge      timer\n"
                 "   1:          2          0  IO-APIC   1-edge      i8042\n"
                 " 143:          3          0      rmi4    5  rmi4-00.fn30\n"
                 "1024:          4          0  IR-PCI-MSI 512000-edge      nvme0q0\n", &t);
        ck_assert_uint_eq(t.nrows, 4);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_row(&t, 0, "IO-APIC", "2-edge", "timer", 1);
        check_row(&t, 1, "IO-APIC", "1-edge", "i8042", 2);
        check_row(&t, 143, "rmi4", "5", "rmi4-00.fn30", 3);
        check_row(&t, 1024, "IR-PCI-MSI", "512000-edge", "nvme0q0", 4);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(action_names_keep_spaces_commas_colons_and_brackets)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       \n"
                 " 16:     328511     322879  IR-IO-APIC-fasteoi   ehci_hcd:usb1, mmc0\n"
                 " 24:          0          0   PCI-MSI 81920-edge      ahci[0000:00:05.0]\n"
                 " 51:          0          1 IR-PCI-MSI-0000:00:01.1"
                 "    0-edge      PCIe PME, pciehp, PCIe bwctrl\n"
                 " 52:          0          1 IR-PCI-MSIX-0000:01:00.0"
                 "    0-edge      ice-0000:01:00.0:misc  \n",
                 &t);
        ck_assert_uint_eq(t.nrows, 4);
        check_row(&t, 16, "IR-IO-APIC-fasteoi", NULL, "ehci_hcd:usb1, mmc0", 651390);
        check_row(&t, 24, "PCI-MSI", "81920-edge", "ahci[0000:00:05.0]", 0);
        check_row(&t, 51, "IR-PCI-MSI-0000:00:01.1", "0-edge", "PCIe PME, pciehp, PCIe bwctrl", 1);
        check_row(&t, 52, "IR-PCI-MSIX-0000:01:00.0", "0-edge", "ice-0000:01:00.0:misc", 1);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(irq_without_actions)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       \n"
                 "  3:          0          0  IO-APIC   3-edge      \n"
                 "  4:          0          7  IO-APIC-edge    \n"
                 "  5:          1          0  IO-APIC   5-edge\n"
                 "  6:          1          0      None\n", &t);
        ck_assert_uint_eq(t.nrows, 4);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_row(&t, 3, "IO-APIC", "3-edge", "", 0);
        check_row(&t, 4, "IO-APIC-edge", NULL, "", 7);
        check_row(&t, 5, "IO-APIC", "5-edge", "", 1);
        check_row(&t, 6, "None", NULL, "", 1);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(arm_trigger_type_is_neither_hwirq_nor_action)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       \n"
                 " 11:       1234       5678     GICv3  27 Level     arch_timer\n"
                 " 13:          0          0     GICv3  23 Level     arm-pmu\n"
                 " 40:        512          0   ITS-MSI 524288 Edge      eth1\n"
                 " 41:          0          0  GICv3-23   0 Level     arm-pmu\n"
                 "IPI0:       100        200       Rescheduling interrupts\n"
                 "Err:          0\n", &t);
        ck_assert_uint_eq(t.nrows, 4);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_row(&t, 11, "GICv3", "27", "arch_timer", 6912);
        check_row(&t, 13, "GICv3", "23", "arm-pmu", 0);
        check_row(&t, 40, "ITS-MSI", "524288", "eth1", 512);
        check_row(&t, 41, "GICv3-23", "0", "arm-pmu", 0);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(old_format_prints_chip_and_trigger_as_one_token)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       \n"
                 "  0:         18          0  IR-IO-APIC-edge      timer\n"
                 " 40:          0          0  DMAR_MSI-edge      dmar0\n"
                 " 45:        100          5  PCI-MSI-edge  eth0\n", &t);
        check_row(&t, 0, "IR-IO-APIC-edge", NULL, "timer", 18);
        check_row(&t, 40, "DMAR_MSI-edge", NULL, "dmar0", 0);
        check_row(&t, 45, "PCI-MSI-edge", NULL, "eth0", 105);
        interrupts_table_done(&t);
}
END_TEST

/* From a 4.16 kernel booted with noapic: the i8259 has no IRQ domain. */
START_TEST(chip_without_irq_domain_has_no_hwirq)
{
        struct interrupts_table t;

        parse_ok("           CPU0       \n"
                 "  0:      55783    XT-PIC      timer\n"
                 "  2:          0    XT-PIC      cascade\n"
                 " 11:        684    XT-PIC      acpi, yenta, yenta, eth2\n", &t);
        ck_assert_uint_eq(t.nrows, 3);
        check_row(&t, 0, "XT-PIC", NULL, "timer", 55783);
        check_row(&t, 2, "XT-PIC", NULL, "cascade", 0);
        check_row(&t, 11, "XT-PIC", NULL, "acpi, yenta, yenta, eth2", 684);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(counters_up_to_two_to_the_32_minus_one)
{
        struct interrupts_table t;

        /* 10-digit counts fill their field and leave a single blank. */
        parse_ok("           CPU0       CPU1       CPU2       \n"
                 " 25: 4294967295 4294967295 4294967295   PCI-MSI 65537-edge      virtio1-input.0\n"
                 " 26: 4294967296          0          0   PCI-MSI 65538-edge   virtio1-output.0\n"
                 " 27: 99999999999999999999999 0      0   PCI-MSI 65539-edge   virtio1-input.1\n",
                 &t);
        ck_assert_uint_eq(t.nrows, 1);
        ck_assert_uint_eq(t.skipped_lines, 2);
        ck_assert_uint_eq(row_of(&t, 25)->counts[2], UINT32_MAX);
        /* The total is 64-bit: three full counters do not wrap. */
        check_row(&t, 25, "PCI-MSI", "65537-edge", "virtio1-input.0", 3ULL * UINT32_MAX);
        ck_assert_ptr_null(interrupts_find(&t, 26));
        ck_assert_ptr_null(interrupts_find(&t, 27));
        interrupts_table_done(&t);
}
END_TEST

/* ---- Lines that are not IRQ rows ---- */

START_TEST(arch_rows_are_skipped_by_shape_and_not_counted)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       \n"
                 "  1:          9          0  IO-APIC   1-edge      i8042\n"
                 "NMI:          0          0   Non-maskable interrupts\n"
                 " LOC:      23951      28310   Local timer interrupts\n"
                 "ERR:          0\n"
                 " MIS:          0\n"
                 "PIN:          0          0   Posted-interrupt notification event\n"
                 "XYZ:          1          2   Some row a future kernel adds\n"
                 "I/O:         77\n"
                 " 26:          0          9  IO-APIC   4-edge      ttyS0\n", &t);
        ck_assert_uint_eq(t.nrows, 2);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_row(&t, 1, "IO-APIC", "1-edge", "i8042", 9);
        check_row(&t, 26, "IO-APIC", "4-edge", "ttyS0", 9);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(truncated_row_is_skipped_and_counted)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       CPU2       CPU3       \n"
                 " 36:          0      46267          0          0"
                 " PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
                 " 37:          0          0          0\n"
                 " 38:          0        552\n"
                 " 39:        504          0          0          0"
                 " PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0\n"
                 " 40:          1          2          3          4", &t);
        ck_assert_uint_eq(t.nrows, 2);
        ck_assert_uint_eq(t.skipped_lines, 3);
        ck_assert_ptr_null(interrupts_find(&t, 37));
        ck_assert_ptr_null(interrupts_find(&t, 38));
        ck_assert_ptr_null(interrupts_find(&t, 40));   /* cut before the chip */
        check_row(&t, 36, "PCI-MSIX-0000:00:02.0", "1-edge", "virtio1-req.0", 46267);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(garbage_lines_are_skipped_and_counted)
{
        struct interrupts_table t;

        parse_ok("           CPU0       CPU1       \n"
                 "this is not an interrupts line\n"
                 " 12a:          1          2  IO-APIC  12-edge      i8042\n"
                 " 13           1          2  IO-APIC  13-edge      fpu\n"
                 " 14:          1        two  IO-APIC  14-edge      ata_piix\n"
                 " 15:          1         -2  IO-APIC  15-edge      ata_piix\n"
                 " 16:          1          2x IO-APIC  16-fasteoi   ehci_hcd\n"
                 " 17:          1          2          3  IO-APIC  17-fasteoi   extra column\n"
                 " 99999999999:          1          2  IO-APIC  1-edge      huge\n"
                 "\n"
                 "  1:          9          0  IO-APIC   1-edge      i8042\n", &t);
        ck_assert_uint_eq(t.nrows, 1);
        ck_assert_uint_eq(t.skipped_lines, 8);
        check_row(&t, 1, "IO-APIC", "1-edge", "i8042", 9);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(second_row_for_an_irq_is_skipped)
{
        struct interrupts_table t;

        parse_ok("           CPU0       \n"
                 "  8:          1  IO-APIC   8-edge      rtc0\n"
                 "  9:          2  IO-APIC   9-fasteoi   acpi\n"
                 "  8:          3  IO-APIC   8-edge      impostor\n", &t);
        ck_assert_uint_eq(t.nrows, 2);
        ck_assert_uint_eq(t.skipped_lines, 1);
        check_row(&t, 8, "IO-APIC", "8-edge", "rtc0", 1);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(rows_out_of_order_are_sorted)
{
        struct interrupts_table t;

        parse_ok("           CPU0       \n"
                 " 40:          4  IO-APIC  40-edge      d\n"
                 " 10:          1  IO-APIC  10-edge      a\n"
                 " 30:          3  IO-APIC  30-edge      c\n"
                 " 20:          2  IO-APIC  20-edge      b\n"
                 " 10:          9  IO-APIC  10-edge      again\n"
                 " 50:          5  IO-APIC  50-edge      e\n", &t);
        ck_assert_uint_eq(t.nrows, 5);
        ck_assert_uint_eq(t.skipped_lines, 1);
        for (size_t i = 0; i < t.nrows; i++) {
                char name[2] = { (char) ('a' + i), 0 };

                ck_assert_uint_eq(t.rows[i].irq, 10 * (i + 1));
                /* Each row still points at its own counts after being moved. */
                ck_assert_uint_eq(t.rows[i].counts[0], i + 1);
                ck_assert_str_eq(t.rows[i].actions, name);
        }
        interrupts_table_done(&t);
}
END_TEST

static char *capture_stderr(const char *text, const char *origin, struct interrupts_table *t)
{
        char *dir = tl_mkdtemp(), *path, *out;
        int saved, fd, level = log_get_max_level();

        ck_assert_int_ge(asprintf(&path, "%s/stderr", dir), 0);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        ck_assert_int_ge(saved, 0);
        ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
        log_set_max_level(LOG_DEBUG);

        ck_assert_int_eq(interrupts_parse(text, origin, t), 0);

        log_set_max_level(level);
        fflush(stderr);
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        close(saved);
        close(fd);
        out = tl_read(path);
        tl_rmtree(dir);
        free(dir);
        free(path);
        return out;
}

START_TEST(skipped_lines_are_logged_with_origin_and_line_number)
{
        struct interrupts_table t;
        char *log = capture_stderr("           CPU0       \n"
                                   "  8:          1  IO-APIC   8-edge      rtc0\n"
                                   "NMI:          0   Non-maskable interrupts\n"
                                   "  9:        garbage\n"
                                   "  8:          3  IO-APIC   8-edge      impostor\n",
                                   "/proc/interrupts", &t);

        ck_assert_uint_eq(t.skipped_lines, 2);
        ck_assert_msg(strstr(log, "/proc/interrupts:4: "), "no message for line 4 in: %s", log);
        ck_assert_msg(strstr(log, "/proc/interrupts:5: "), "no message for line 5 in: %s", log);
        ck_assert_msg(!strstr(log, "/proc/interrupts:3: "), "arch row logged: %s", log);
        free(log);
        interrupts_table_done(&t);
}
END_TEST

/* ---- Real captures (tests/data/procfs/README.md) ---- */

START_TEST(capture_01_laptop_old_format)
{
        struct interrupts_table t;

        parse_capture("01-node-exporter-laptop-4cpu", &t);
        check_consistent(&t, 4, 15);
        ck_assert_uint_eq(t.rows[0].irq, 0);
        ck_assert_uint_eq(t.rows[14].irq, 47);
        check_row(&t, 0, "IR-IO-APIC-edge", NULL, "timer", 18);
        check_row(&t, 16, "IR-IO-APIC-fasteoi", NULL, "ehci_hcd:usb1, mmc0",
                  328511ULL + 322879 + 293782 + 351412);
        check_row(&t, 40, "DMAR_MSI-edge", NULL, "dmar0", 0);
        check_row(&t, 46, "IR-PCI-MSI-edge", NULL, "iwlwifi", 43078464ULL + 130 + 460171 + 290);
        ck_assert_uint_eq(row_of(&t, 46)->counts[2], 460171);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(capture_02_kvm_guest_one_cpu)
{
        struct interrupts_table t;

        parse_capture("02-pcp-kvm-guest-i686-1cpu", &t);
        check_consistent(&t, 1, 11);
        check_row(&t, 0, "IO-APIC", "2-edge", "timer", 9);
        check_row(&t, 10, "IO-APIC", "10-fasteoi", "virtio0, qxl", 130);
        check_row(&t, 11, "IO-APIC", "11-fasteoi", "uhci_hcd:usb1, ens3", 307009);
        check_row(&t, 24, "PCI-MSI", "81920-edge", "ahci[0000:00:05.0]", 0);
        check_row(&t, 25, "PCI-MSI", "65536-edge", "snd_hda_intel:card0", 234);
        ck_assert_ptr_null(interrupts_find(&t, 13));
        interrupts_table_done(&t);
}
END_TEST

START_TEST(capture_03_ten_digit_counters)
{
        struct interrupts_table t;

        parse_capture("03-datadog-kvm-guest-4cpu", &t);
        check_consistent(&t, 4, 19);
        check_row(&t, 25, "PCI-MSI", "65537-edge", "virtio1-input.0", 4131689481ULL);
        ck_assert_uint_eq(row_of(&t, 27)->counts[1], 4144949287U);
        ck_assert_uint_eq(row_of(&t, 31)->counts[3], 4190886484U);
        check_row(&t, 31, "PCI-MSI", "65543-edge", "virtio1-input.3", 4190886485ULL);
        check_row(&t, 36, "PCI-MSI", "49155-edge", "virtio0-request", 386900633);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(capture_04_laptop_nvme)
{
        struct interrupts_table t;

        parse_capture("04-pcp-laptop-nvme-8cpu", &t);
        check_consistent(&t, 8, 29);
        ck_assert_uint_eq(t.rows[0].irq, 1);
        ck_assert_uint_eq(t.rows[28].irq, 143);
        check_row(&t, 16, "IR-IO-APIC", "16-fasteoi", "i2c_designware.0, idma64.0, i801_smbus",
                  17800 + 181051);
        check_row(&t, 124, "IR-PCI-MSI", "2097152-edge", "nvme0q0", 21 + 383);
        /* One NVMe queue per CPU: nvme0qN interrupts CPU N-1 only. */
        for (unsigned q = 1; q <= 8; q++) {
                const struct interrupts_row *row = row_of(&t, 124 + q);
                char name[16];

                snprintf(name, sizeof(name), "nvme0q%u", q);
                ck_assert_str_eq(row->actions, name);
                ck_assert_uint_eq(row->counts[q - 1], row->total);
        }
        /* Chips outside the IR domains print their own hwirq. */
        check_row(&t, 137, "dummy", "44", "rmi4_smbus", 4451 + 45197 + 1);
        check_row(&t, 143, "rmi4", "5", "rmi4-00.fn30", 0);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(capture_05_genoa_128_cpus)
{
        struct interrupts_table t;

        parse_capture("05-stats-collect-genoa-128cpu", &t);
        check_consistent(&t, 128, 463);
        ck_assert_uint_eq(t.rows[0].irq, 0);
        ck_assert_uint_eq(t.rows[462].irq, 801);
        check_row(&t, 0, "IR-IO-APIC", "2-edge", "timer", 184);
        check_row(&t, 29, "IOMMU-MSI", "368-edge", "AMD-Vi1-Evt", 0);
        check_row(&t, 52, "IR-PCI-MSI-0000:00:01.1", "0-edge", "PCIe PME, PCIe bwctrl", 1);
        check_row(&t, 51, "IR-PCI-MSI-0000:00:00.3", "0-edge", "PCIe PME", 0);
        check_row(&t, 128, "IR-PCI-MSIX-0000:41:00.0", "0-edge", "megasas4-msix0", 336);
        ck_assert_uint_eq(row_of(&t, 128)->counts[80], 336);
        check_row(&t, 264, "IR-PCI-MSIX-0000:01:00.0", "0-edge", "ice-0000:01:00.0:misc", 5);
        check_row(&t, 266, "IR-PCI-MSIX-0000:01:00.0", "2-edge", "ice-eno12399np0-TxRx-0", 0);
        check_row(&t, 393, "IR-PCI-MSIX-0000:01:00.0", "129-edge", "ice-eno12399np0-TxRx-127", 0);
        check_row(&t, 526, "IR-PCI-MSIX-0000:01:00.0", "262-edge", "ice-0000:01:00.0:ctrl-TxRx-0",
                  0);
        check_row(&t, 801, "IR-PCI-MSIX-0000:63:00.0", "4-edge", "genoa0net-rx-4", 438);
        ck_assert_uint_eq(row_of(&t, 801)->counts[7], 438);
        /* The 128 queues of the first port are IRQs 266 … 393, hwirq 2 … 129. */
        for (unsigned n = 0; n < 128; n++) {
                const struct interrupts_row *row = row_of(&t, 266 + n);
                char name[32], hwirq[16];

                snprintf(name, sizeof(name), "ice-eno12399np0-TxRx-%u", n);
                snprintf(hwirq, sizeof(hwirq), "%u-edge", n + 2);
                ck_assert_str_eq(row->actions, name);
                ck_assert_pstr_eq(row->hwirq, hwirq);
        }
        interrupts_table_done(&t);
}
END_TEST

START_TEST(capture_06_milan_128_cpus)
{
        struct interrupts_table t;

        parse_capture("06-stats-collect-milan-128cpu", &t);
        check_consistent(&t, 128, 358);
        ck_assert_uint_eq(t.rows[357].irq, 427);
        check_row(&t, 50, "IR-PCI-MSI-0000:00:01.1", "0-edge", "PCIe PME, pciehp, PCIe bwctrl", 1);
        check_row(&t, 110, "IR-PCI-MSI-0000:cb:00.0", "0-edge", "ahci0", 0);
        check_row(&t, 186, "IR-PCI-MSIX-0000:01:00.0", "0-edge", "nvme0q0", 262);
        ck_assert_uint_eq(row_of(&t, 186)->counts[64], 262);
        /* The I/O queues do not follow the admin queue's IRQ number. */
        check_row(&t, 226, "IR-PCI-MSIX-0000:01:00.0", "1-edge", "nvme0q1", 4);
        check_row(&t, 353, "IR-PCI-MSIX-0000:01:00.0", "128-edge", "nvme0q128", 24);
        ck_assert_uint_eq(row_of(&t, 353)->counts[79], 24);
        check_row(&t, 427, "IR-PCI-MSIX-0000:e1:00.0", "4-edge", "milan0net-rx-4", 2);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(capture_07_pci_address_as_action)
{
        struct interrupts_table t;

        parse_capture("07-pcp-laptop-8cpu", &t);
        check_consistent(&t, 8, 19);
        check_row(&t, 27, "IR-PCI-MSI", "512000-edge", "0000:00:1f.2",
                  836947ULL + 368771 + 86379 + 84935 + 71356 + 61231 + 59367 + 47157);
        check_row(&t, 16, "IR-IO-APIC", "16-fasteoi", "ehci_hcd:usb3, mmc0", 31);
        check_row(&t, 24, "DMAR-MSI", "0-edge", "dmar0", 0);
        interrupts_table_done(&t);
}
END_TEST

START_TEST(capture_vm_kernel_6_18)
{
        struct interrupts_table t;

        parse_capture("vm-virtio-2cpu", &t);
        check_consistent(&t, 2, 19);
        ck_assert_uint_eq(t.rows[0].irq, 24);
        ck_assert_uint_eq(t.rows[18].irq, 43);
        ck_assert_ptr_null(interrupts_find(&t, 27));
        check_row(&t, 24, "IO-APIC", "5-edge", "ACPI:Ged", 1);
        check_row(&t, 26, "IO-APIC", "4-edge", "ttyS0", 9);
        /* A chip name longer than 8 leaves one blank after the last count. */
        check_row(&t, 36, "PCI-MSIX-0000:00:02.0", "1-edge", "virtio1-req.0", 46765);
        ck_assert_uint_eq(row_of(&t, 36)->counts[1], 46765);
        check_row(&t, 32, "PCI-MSIX-0000:00:01.0", "4-edge", "virtio0-reporting_vq", 46);
        interrupts_table_done(&t);
}
END_TEST

/* ---- Reading a file a buffer at a time ---- */

/* The reading end of a pipe that a child fills with TEXT in CHUNK-byte writes: reads
 * come back short and cut lines anywhere, as they may from procfs. */
static int pipe_of(const char *text, size_t chunk, pid_t *ret_pid)
{
        int fds[2];
        pid_t pid;

        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                size_t len = strlen(text);

                close(fds[0]);
                for (size_t off = 0; off < len;) {
                        ssize_t n = write(fds[1], text + off, len - off < chunk ? len - off : chunk);

                        if (n <= 0)
                                _exit(1);
                        off += (size_t) n;
                }
                _exit(0);
        }
        close(fds[1]);
        *ret_pid = pid;
        return fds[0];
}

static void reap(pid_t pid)
{
        int status;

        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Read from a file or a pipe, a table has the rows, names and totals of the same text
 * parsed whole, and no per-CPU counts. */
static void check_same_table(const struct interrupts_table *read, const struct interrupts_table *whole)
{
        ck_assert_uint_eq(read->ncols, whole->ncols);
        ck_assert_mem_eq(read->col_cpu, whole->col_cpu, whole->ncols * sizeof(unsigned));
        ck_assert_uint_eq(read->nrows, whole->nrows);
        ck_assert_uint_eq(read->skipped_lines, whole->skipped_lines);
        for (size_t i = 0; i < whole->nrows; i++) {
                const struct interrupts_row *a = &read->rows[i], *b = &whole->rows[i];

                ck_assert_uint_eq(a->irq, b->irq);
                ck_assert_str_eq(a->chip, b->chip);
                ck_assert_pstr_eq(a->hwirq, b->hwirq);
                ck_assert_str_eq(a->actions, b->actions);
                ck_assert_uint_eq(a->total, b->total);
                ck_assert_ptr_null(a->counts);
        }
}

static void read_pipe(const char *text, size_t chunk, struct textbuf *buf, struct interrupts_table *t)
{
        pid_t pid;
        int fd = pipe_of(text, chunk, &pid);

        ck_assert_int_eq(interrupts_read(fd, "pipe", buf, t), 0);
        close(fd);
        reap(pid);
}

static unsigned check_captures_in(const char *dir)
{
        char *pattern;
        glob_t g;
        unsigned n = 0;

        ck_assert_int_ge(asprintf(&pattern, "%s/*.interrupts", dir), 0);
        if (glob(pattern, 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; i++) {
                        struct interrupts_table whole, read;
                        struct textbuf buf = {};
                        char *text = tl_read(g.gl_pathv[i]);
                        int fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);

                        ck_assert_int_ge(fd, 0);
                        ck_assert_int_eq(interrupts_parse(text, g.gl_pathv[i], &whole), 0);
                        ck_assert_int_eq(interrupts_read(fd, g.gl_pathv[i], &buf, &read), 0);
                        check_same_table(&read, &whole);
                        /* No line of these machines (≤ 128 CPUs) needs more. */
                        ck_assert_uint_eq(buf.cap, INTERRUPTS_READ_BUF);
                        interrupts_table_done(&read);
                        interrupts_table_done(&whole);
                        textbuf_done(&buf);
                        close(fd);
                        free(text);
                        n++;
                }
                globfree(&g);
        }
        free(pattern);
        return n;
}

START_TEST(every_capture_reads_as_it_parses)
{
        char *dir = tl_data_path("procfs"), *shared;

        ck_assert_uint_ge(check_captures_in(dir), 8);
        /* The captures in ../shared, when it is there (09-westmere-ex: the old format on
         * 80 CPUs). */
        ck_assert_int_ge(asprintf(&shared, "%s/procfs", tl_shared_dir()), 0);
        check_captures_in(shared);
        free(shared);
        free(dir);
}
END_TEST

START_TEST(lines_cut_across_reads_are_parsed_whole)
{
        static const char *const names[] = { "04-pcp-laptop-nvme-8cpu", "05-stats-collect-genoa-128cpu" };
        static const size_t chunks[] = { 7, 997 };
        struct textbuf buf = {};

        for (size_t k = 0; k < ELEMENTSOF(names); k++) {
                struct interrupts_table whole, read;
                char *rel, *path, *text;

                ck_assert_int_ge(asprintf(&rel, "procfs/%s.interrupts", names[k]), 0);
                path = tl_data_path(rel);
                text = tl_read(path);
                ck_assert_int_eq(interrupts_parse(text, path, &whole), 0);
                /* One buffer for both: it is kept across reads. */
                read_pipe(text, chunks[k], &buf, &read);
                check_same_table(&read, &whole);
                interrupts_table_done(&read);
                interrupts_table_done(&whole);
                free(text);
                free(path);
                free(rel);
        }
        ck_assert_uint_eq(buf.cap, INTERRUPTS_READ_BUF);
        textbuf_done(&buf);
}
END_TEST

/* 8192 CPUs: ~90 KB per line, more than the buffer holds. The buffer grows to the
 * longest line, not to the file. */
START_TEST(a_line_longer_than_the_buffer_grows_it)
{
        const unsigned ncpus = 8192, nirqs = 20;
        struct interrupts_table t;
        struct textbuf buf = {};
        char *text;
        size_t len;
        FILE *f = open_memstream(&text, &len);

        fprintf(f, "%*s", 12, "");
        for (unsigned j = 0; j < ncpus; j++)
                fprintf(f, "CPU%-8u", j);
        for (unsigned irq = 0; irq < nirqs; irq++) {
                fprintf(f, "\n %4u:", 100 + irq);
                for (unsigned j = 0; j < ncpus; j++)
                        fprintf(f, " %10u", j % 3);
                fprintf(f, " IR-PCI-MSIX-0000:c1:00.0   %u-edge      mlx5_comp%u", irq, irq);
        }
        fprintf(f, "\n NMI:");
        for (unsigned j = 0; j < ncpus; j++)
                fprintf(f, " %10u", 1);
        fprintf(f, "   Non-maskable interrupts\n");
        fclose(f);
        ck_assert_uint_gt(len / (nirqs + 2), INTERRUPTS_READ_BUF);

        read_pipe(text, 4096, &buf, &t);
        ck_assert_uint_eq(t.ncols, ncpus);
        ck_assert_uint_eq(t.col_cpu[ncpus - 1], ncpus - 1);
        ck_assert_uint_eq(t.nrows, nirqs);
        ck_assert_uint_eq(t.skipped_lines, 0);
        check_row(&t, 119, "IR-PCI-MSIX-0000:c1:00.0", "19-edge", "mlx5_comp19",
                  (uint64_t) ncpus / 3 * 3 + ncpus % 3 - 1);   /* … 0 1 2 0 1 */
        ck_assert_uint_eq(buf.cap, 2 * INTERRUPTS_READ_BUF);
        ck_assert_uint_lt(buf.cap, len / 4);
        interrupts_table_done(&t);
        textbuf_done(&buf);
        free(text);
}
END_TEST

START_TEST(a_file_without_a_header_reads_as_einval)
{
        struct interrupts_table t;
        struct textbuf buf = {};
        pid_t pid;
        int fd;

        fd = pipe_of("", 1, &pid);
        ck_assert_int_eq(interrupts_read(fd, "empty", &buf, &t), -EINVAL);
        ck_assert_uint_eq(t.nrows, 0);
        ck_assert_ptr_null(t.rows);
        close(fd);
        reap(pid);

        fd = pipe_of("  0:  5  IO-APIC 2-edge timer\n", 3, &pid);
        ck_assert_int_eq(interrupts_read(fd, "no-header", &buf, &t), -EINVAL);
        ck_assert_ptr_null(t.col_cpu);
        close(fd);
        reap(pid);

        /* A header without a newline at the end of the file is a table without rows. */
        read_pipe("      CPU0       CPU1", 5, &buf, &t);
        ck_assert_uint_eq(t.ncols, 2);
        ck_assert_uint_eq(t.nrows, 0);
        interrupts_table_done(&t);

        /* The last line counts without its newline; malformed lines are still counted. */
        read_pipe("      CPU0\n  1: 9 IO-APIC 1-edge i8042\n  2: x\n  3: 4 IO-APIC 3-edge z", 4,
                  &buf, &t);
        ck_assert_uint_eq(t.nrows, 2);
        ck_assert_uint_eq(t.skipped_lines, 1);
        check_row(&t, 3, "IO-APIC", "3-edge", "z", 4);
        interrupts_table_done(&t);
        textbuf_done(&buf);
}
END_TEST

/* ---- Shared helpers ---- */

START_TEST(procfs_numbers)
{
        const char *p;
        uint64_t v = 7;

        p = "18446744073709551615 x";
        ck_assert_int_eq(procfs_next_uint(&p, UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, UINT64_MAX);
        ck_assert_str_eq(p, " x");
        p = "18446744073709551616";
        ck_assert_int_eq(procfs_next_uint(&p, UINT64_MAX, &v), -ERANGE);
        /* Past 64 bits by the multiplication, not the addition. */
        p = "18446744073709551620";
        ck_assert_int_eq(procfs_next_uint(&p, UINT64_MAX, &v), -ERANGE);
        p = "99999999999999999999999";
        ck_assert_int_eq(procfs_next_uint(&p, UINT64_MAX, &v), -ERANGE);
        /* Leading zeros are digits, not size. */
        p = "000000000000000000000042";
        ck_assert_int_eq(procfs_next_uint(&p, UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 42);
        p = "  4294967295\n";
        ck_assert_int_eq(procfs_next_uint(&p, UINT32_MAX, &v), 0);
        ck_assert_uint_eq(v, UINT32_MAX);
        p = "  4294967296\n";
        ck_assert_int_eq(procfs_next_uint(&p, UINT32_MAX, &v), -ERANGE);
        p = "  12x";
        v = 7;
        ck_assert_int_eq(procfs_next_uint(&p, UINT64_MAX, &v), -EINVAL);
        ck_assert_uint_eq(v, 7);
        ck_assert_str_eq(p, "  12x");
        p = "   \n5";
        ck_assert_int_eq(procfs_next_uint(&p, UINT64_MAX, &v), -EINVAL);
        p = "123:";
        ck_assert_int_eq(procfs_parse_uint(&p, UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 123);
        ck_assert_str_eq(p, ":");
}
END_TEST

Suite *test_suite(void)
{
        Suite *s = suite_create("interrupts");
        TCase *tc = tcase_create("format");
        TCase *captures = tcase_create("captures");

        tcase_add_test(tc, single_cpu_column);
        tcase_add_test(tc, two_hundred_fifty_six_cpu_columns);
        tcase_add_test(tc, offline_cpus_leave_gaps_in_the_columns);
        tcase_add_test(tc, header_with_or_without_trailing_blanks);
        tcase_add_test(tc, no_header_no_table);
        tcase_add_test(tc, header_only);
        tcase_add_test(tc, label_width_follows_the_number_of_irqs);
        tcase_add_test(tc, action_names_keep_spaces_commas_colons_and_brackets);
        tcase_add_test(tc, irq_without_actions);
        tcase_add_test(tc, arm_trigger_type_is_neither_hwirq_nor_action);
        tcase_add_test(tc, old_format_prints_chip_and_trigger_as_one_token);
        tcase_add_test(tc, chip_without_irq_domain_has_no_hwirq);
        tcase_add_test(tc, counters_up_to_two_to_the_32_minus_one);
        tcase_add_test(tc, arch_rows_are_skipped_by_shape_and_not_counted);
        tcase_add_test(tc, truncated_row_is_skipped_and_counted);
        tcase_add_test(tc, garbage_lines_are_skipped_and_counted);
        tcase_add_test(tc, second_row_for_an_irq_is_skipped);
        tcase_add_test(tc, rows_out_of_order_are_sorted);
        tcase_add_test(tc, skipped_lines_are_logged_with_origin_and_line_number);
        tcase_add_test(tc, procfs_numbers);
        suite_add_tcase(s, tc);

        tcase_add_test(captures, capture_01_laptop_old_format);
        tcase_add_test(captures, capture_02_kvm_guest_one_cpu);
        tcase_add_test(captures, capture_03_ten_digit_counters);
        tcase_add_test(captures, capture_04_laptop_nvme);
        tcase_add_test(captures, capture_05_genoa_128_cpus);
        tcase_add_test(captures, capture_06_milan_128_cpus);
        tcase_add_test(captures, capture_07_pci_address_as_action);
        tcase_add_test(captures, capture_vm_kernel_6_18);
        tcase_add_test(captures, every_capture_reads_as_it_parses);
        tcase_add_test(captures, lines_cut_across_reads_are_parsed_whole);
        tcase_add_test(captures, a_line_longer_than_the_buffer_grows_it);
        tcase_add_test(captures, a_file_without_a_header_reads_as_einval);
        suite_add_tcase(s, captures);
        return s;
}
