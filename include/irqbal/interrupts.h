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
        /* chip, hwirq and actions share one allocation, freed by interrupts_table_done().
         * ARM's trigger word ("27 Level  arch_timer") is in none of them. */
        uint32_t *counts;  /* one per column, as the kernel prints them (%10u) */
        uint64_t total;    /* sum of counts */
};

struct interrupts_table {
        unsigned ncols;          /* number of CPU columns (= online CPUs at read time) */
        unsigned *col_cpu;       /* kernel CPU number of each column, from the header */
        struct interrupts_row *rows;
        size_t nrows;            /* numbered IRQ rows, sorted by IRQ number (the order the
                                  * kernel prints them in) */
        unsigned skipped_lines;  /* malformed lines that were skipped */
};

/* Parses TEXT, whose first line must be the CPU header. Arch rows (NMI:, LOC:, ERR:,
 * MIS: …: a non-numeric label) are skipped by shape and not counted. A malformed
 * numbered row (wrong column count, garbage, truncated, a count above 2^32-1, a second
 * row for the same IRQ) is skipped, counted in skipped_lines and logged at debug level
 * as ORIGIN:LINE. A missing or malformed header is -EINVAL: without it no column means
 * anything. *ret is overwritten (call interrupts_table_done() first when reusing); on
 * error it is left empty. */
int interrupts_parse(const char *text, const char *origin, struct interrupts_table *ret);
void interrupts_table_done(struct interrupts_table *t);

/* The row of IRQ number IRQ, or NULL (binary search: rows are sorted by the parser). */
const struct interrupts_row *interrupts_find(const struct interrupts_table *t, unsigned irq);

/* Building blocks shared with the /proc/stat and /proc/softirqs parsers. A line ends at
 * '\n' or at the terminating NUL; blanks are spaces and tabs. */

/* Reads the unsigned decimal at *p (digits only, no sign or blanks) and moves *p past
 * it. -EINVAL: *p is not a digit; -ERANGE: the value exceeds MAX. */
int procfs_parse_uint(const char **p, uint64_t max, uint64_t *ret);
/* Skips blanks, then reads one unsigned decimal that must end at a blank or the end of
 * the line; *p and *ret change only on success. */
int procfs_next_uint(const char **p, uint64_t max, uint64_t *ret);
/* Parses a "CPU0 CPU2 …" header line at *p into the CPU number of each column (at least
 * one, increasing) and moves *p to the next line. -EINVAL when malformed. */
int procfs_parse_cpu_header(const char **p, unsigned **ret_cpus, unsigned *ret_ncols);
/* One block for the rows of a per-CPU table starting at P (one row at most per line)
 * and, after them, NCOLS count slots of COUNT_SIZE bytes per row; free(*ret_rows). */
int procfs_alloc_rows(const char *p, size_t row_size, size_t count_size, unsigned ncols,
                      void **ret_rows, void **ret_counts);
