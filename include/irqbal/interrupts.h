/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "irqbal/root.h"

/* A parsed /proc/interrupts (see DESIGN.md §4.1). The parser itself is pure: it takes
 * text, either all of it (interrupts_parse) or as it is read from a file descriptor
 * through a small buffer (interrupts_read). */

struct interrupts_row {
        unsigned irq;
        char *chip;        /* "PCI-MSIX-0000:00:02.0", "IR-PCI-MSI", "IO-APIC"; old formats
                            * print chip and trigger as one token: "IR-IO-APIC-edge" */
        char *hwirq;       /* "1-edge", "512000-edge", "27"; NULL when the line has none */
        char *actions;     /* "virtio1-req.0", "ehci_hcd:usb1, mmc0"; "" when none */
        uint32_t *counts;  /* one per column, as the kernel prints them (%10u); only from
                            * interrupts_parse(), NULL from interrupts_read() */
        uint64_t total;    /* sum of the counts */
        /* chip, hwirq, actions and counts share one allocation, freed by
         * interrupts_table_done(). ARM's trigger word ("27 Level  arch_timer") is in
         * none of them. */
};

struct interrupts_table {
        unsigned ncols;          /* number of CPU columns (= online CPUs at read time) */
        unsigned *col_cpu;       /* kernel CPU number of each column, from the header */
        struct interrupts_row *rows;
        size_t nrows;            /* numbered IRQ rows, sorted by IRQ number (the order the
                                  * kernel prints them in) */
        size_t rows_cap;         /* rows allocated */
        unsigned skipped_lines;  /* malformed lines that were skipped */
};

/* Parses TEXT, whose first line must be the CPU header, keeping each row's per-CPU
 * counts. Arch rows (NMI:, LOC:, ERR:, MIS: …: a non-numeric label) are skipped by
 * shape and not counted. A malformed numbered row (wrong column count, garbage,
 * truncated, a count above 2^32-1, a second row for the same IRQ) is skipped, counted
 * in skipped_lines and logged at debug level as ORIGIN:LINE. A missing or malformed
 * header is -EINVAL: without it no column means anything. *ret is overwritten (call
 * interrupts_table_done() first when reusing); on error it is left empty. */
int interrupts_parse(const char *text, const char *origin, struct interrupts_table *ret);

/* The smallest buffer interrupts_read() reads through. A line takes ~11 bytes per CPU
 * (11 KiB at 1024 CPUs): the buffer grows to hold the longest line, never the file. */
#define INTERRUPTS_READ_BUF (64u * 1024u)

/* Reads /proc/interrupts from FD to its end and parses it like interrupts_parse(), a
 * buffer at a time, keeping of each row only its total and names: the file is
 * ~11 bytes × IRQs × CPUs (46 MB at 1024 CPUs × 4096 IRQs), and neither it nor a
 * per-CPU matrix of that size is ever in memory. BUF is reused across reads (at least
 * INTERRUPTS_READ_BUF, more only for a longer line). -errno of read(2), -EINVAL
 * without a header, -ENOMEM. */
int interrupts_read(int fd, const char *origin, struct textbuf *buf, struct interrupts_table *ret);

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
