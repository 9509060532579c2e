/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A parsed /proc/interrupts (see DESIGN.md §4.1). Pure: takes text, does no I/O. */

struct interrupts_row {
        unsigned irq;
        char *chip;        /* "PCI-MSIX-0000:00:02.0", "IR-PCI-MSI", "IO-APIC"; old formats
                            * print chip and trigger as one token: "IR-IO-APIC-edge" */
        char *hwirq;       /* "1-edge", "512000-edge", "27"; NULL when the line has none */
        char *actions;     /* "virtio1-req.0", "ehci_hcd:usb1, mmc0"; "" when none */
        uint32_t *counts;  /* one per column, as the kernel prints them (%10u) */
        uint64_t total;    /* sum of counts */
};

struct interrupts_table {
        unsigned ncols;          /* number of CPU columns (= online CPUs at read time) */
        unsigned *col_cpu;       /* kernel CPU number of each column, from the header */
        struct interrupts_row *rows;
        size_t nrows;            /* numbered IRQ rows, in file order */
        unsigned skipped_lines;  /* malformed lines that were skipped */
};

/* Parses TEXT. Arch rows (NMI:, LOC:, ERR:, MIS: …: a non-numeric label) are skipped
 * by shape and not counted. A malformed numbered row (wrong column count, garbage,
 * truncated) is skipped, counted in skipped_lines and logged at debug level as
 * ORIGIN:LINE. A missing or malformed header is -EINVAL: without it no column means
 * anything. *ret is overwritten (call interrupts_table_done() first when reusing). */
int interrupts_parse(const char *text, const char *origin, struct interrupts_table *ret);
void interrupts_table_done(struct interrupts_table *t);

/* The row of IRQ number IRQ, or NULL (binary search: rows are sorted by the parser). */
const struct interrupts_row *interrupts_find(const struct interrupts_table *t, unsigned irq);
