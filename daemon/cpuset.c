/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/cpuset.h"
#include "irqbal/macro.h"

/* Far above any machine Linux runs on (NR_CPUS tops out at 8192), low enough that a
 * garbage number cannot make hwloc allocate gigabytes. */
#define CPU_NUMBER_MAX 65535u

static int parse_number(const char **p, unsigned *ret)
{
        char *end;
        unsigned long v;

        if (!isdigit((unsigned char) **p))
                return -EINVAL;
        errno = 0;
        v = strtoul(*p, &end, 10);
        if (errno || v > CPU_NUMBER_MAX)
                return -ERANGE;
        *p = end;
        *ret = (unsigned) v;
        return 0;
}

static int at_end(const char *p)
{
        while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
        return *p == 0;
}

int cpulist_parse(const char *s, hwloc_bitmap_t set)
{
        const char *p = s;
        int r;

        hwloc_bitmap_zero(set);
        if (at_end(p))
                return 0;
        for (;;) {
                unsigned first, last, used = 1, group = 1;

                r = parse_number(&p, &first);
                if (r < 0)
                        goto fail;
                last = first;
                if (*p == '-') {
                        p++;
                        r = parse_number(&p, &last);
                        if (r < 0)
                                goto fail;
                        if (last < first) {
                                r = -EINVAL;
                                goto fail;
                        }
                        if (*p == ':') {
                                p++;
                                r = parse_number(&p, &used);
                                if (r < 0 || *p != '/')
                                        goto fail_inval;
                                p++;
                                r = parse_number(&p, &group);
                                if (r < 0 || used == 0 || group == 0 || used > group)
                                        goto fail_inval;
                        }
                }
                /* A plain range in one call: the kernel's default mask ("0-1023") is
                 * what every IRQ shows until it is placed, and a bit at a time cost
                 * 25 k instructions per such mask. */
                if (used == group)
                        hwloc_bitmap_set_range(set, first, (int) last);
                else
                        for (unsigned cpu = first; cpu <= last; cpu++)
                                if ((cpu - first) % group < used)
                                        hwloc_bitmap_set(set, cpu);
                if (*p == ',') {
                        p++;
                        continue;
                }
                if (at_end(p))
                        return 0;
                goto fail_inval;
        }
fail_inval:
        r = -EINVAL;
fail:
        hwloc_bitmap_zero(set);
        return r;
}

int cpumask_parse(const char *s, hwloc_bitmap_t set)
{
        size_t len = strlen(s);
        unsigned bit = 0;

        hwloc_bitmap_zero(set);
        while (len > 0 && isspace((unsigned char) s[len - 1]))
                len--;
        if (len == 0)
                return -EINVAL;
        /* Walk from the least significant (rightmost) digit. */
        for (size_t i = len; i-- > 0;) {
                char c = s[i];
                unsigned v;

                if (c == ',')
                        continue;
                if (!isxdigit((unsigned char) c) || bit > CPU_NUMBER_MAX) {
                        hwloc_bitmap_zero(set);
                        return -EINVAL;
                }
                v = isdigit((unsigned char) c) ? (unsigned) (c - '0')
                                               : (unsigned) (tolower((unsigned char) c) - 'a' + 10);
                for (unsigned b = 0; b < 4; b++)
                        if (v & (1u << b))
                                hwloc_bitmap_set(set, bit + b);
                bit += 4;
        }
        return 0;
}

int cpuset_single_cpu(hwloc_const_bitmap_t set)
{
        int cpu = hwloc_bitmap_first(set);

        return cpu >= 0 && hwloc_bitmap_next(set, cpu) < 0 ? cpu : -1;
}

char *cpulist_format(hwloc_const_bitmap_t set)
{
        char *s = NULL;

        if (hwloc_bitmap_iszero(set))
                return strdup("");
        if (hwloc_bitmap_list_asprintf(&s, set) < 0)
                return NULL;
        return s;
}

int root_read_cpulist(const struct irqbal_root *root, const char *abspath, hwloc_bitmap_t set)
{
        /* Read every cycle for every IRQ: a buffer on the stack keeps that free of
         * allocations. Longer lists (thousands of scattered CPUs) take the heap. */
        char buf[4096];
        _cleanup_free_ char *s = NULL;
        size_t len = 0;
        int r;

        r = root_read_into(root, abspath, buf, sizeof(buf), &len);
        if (r < 0)
                return r;
        if (len < sizeof(buf) - 1)
                return cpulist_parse(buf, set);
        r = root_read_file(root, abspath, &s);
        if (r < 0)
                return r;
        return cpulist_parse(s, set);
}
