/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/heatmap: draws one or two simulator traces (irqbal-sim --trace, format at the
 * top of sim/figures.c) as an SVG heat map of per-CPU interrupt load over time: CPUs
 * down (grouped by NUMA node), steps across, colour = load in CPUs on one scale shared
 * by both panels, phase starts as dashed lines, isolated and offline CPUs hatched, the
 * affinity writes of each step as bars underneath. Two traces go side by side (irqbald
 * left, irqbalance right in bench/quality.sh), so that the same CPU is on the same row.
 *
 *   heatmap [-o OUT.svg] [-t TITLE] [-l LABEL] [-n NOTE] TRACE [[-l LABEL] [-n NOTE] TRACE]
 *
 * Plain SVG text, one <rect> per run of equal colour in a row: a few tens of kB for
 * the 8- to 32-CPU scenarios, still valid (rows 1 px high) at 1024 CPUs.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_MAGIC "# irqbal-sim trace 1"
#define MAX_TRACES 2
/* Colour levels: few enough that noise does not split runs of cells (file size), many
 * enough to tell a CPU at half the peak from one at the peak. Level 0 is "no load". */
#define LEVELS 16
/* Target drawing size; cells shrink to fit (down to 1 px rows, 2 px columns) and grow
 * up to a size that stays readable at 8 to 32 CPUs. */
#define TARGET_WIDTH 600
#define TARGET_HEIGHT 512
#define MAX_CELL_W 16
#define MAX_ROW_H 14
#define LABEL_W 70              /* node and CPU labels left of a panel */
#define PANEL_GAP 40
#define TOP 96                  /* title, panel titles, phase names */
#define WRITES_H 24             /* the writes strip under a panel */
#define LEGEND_W 170

struct phase {
        size_t start;
        char *name;
};

struct cpu_states {
        size_t from;
        char *states;           /* one character per CPU */
};

struct trace {
        const char *path;
        const char *label, *note;
        char *scenario;
        unsigned ncpus;
        double step_seconds;
        int *node_of;           /* per CPU: node id, or -1 */
        GArray *node_ids;       /* int, in file order */
        GArray *phases;         /* struct phase */
        GArray *states;         /* struct cpu_states, by step */
        GArray *load;           /* double [step * ncpus + cpu], in CPUs */
        GArray *writes;         /* unsigned per step */
        size_t steps;
        unsigned *rows;         /* CPUs in drawing order */
        size_t n_rows;
};

static int fail(const char *path, size_t line, const char *what)
{
        fprintf(stderr, "heatmap: %s:%zu: %s\n", path, line, what);
        return -EINVAL;
}

/* "0-3,8,10-11" into node_of[]; CPUs beyond ncpus are an error. */
static int parse_cpulist(const char *s, unsigned ncpus, int node, int *node_of)
{
        while (*s) {
                char *end;
                unsigned long a = strtoul(s, &end, 10), b = a;

                if (end == s)
                        return -EINVAL;
                if (*end == '-') {
                        s = end + 1;
                        b = strtoul(s, &end, 10);
                        if (end == s || b < a)
                                return -EINVAL;
                }
                if (b >= ncpus)
                        return -EINVAL;
                for (unsigned long c = a; c <= b; c++)
                        node_of[c] = node;
                s = end;
                if (*s == ',')
                        s++;
                else if (*s)
                        return -EINVAL;
        }
        return 0;
}

static bool parse_size(const char *s, size_t *ret)
{
        char *end;
        unsigned long long v;

        if (!*s || *s == '-')
                return false;
        v = strtoull(s, &end, 10);
        if (*end)
                return false;
        *ret = (size_t) v;
        return true;
}

static int parse_line(struct trace *t, char **f, size_t n, size_t line)
{
        size_t step;

        if (strcmp(f[0], "scenario") == 0 && n == 2) {
                g_free(t->scenario);
                t->scenario = g_strdup(f[1]);
                return 0;
        }
        if (strcmp(f[0], "machine") == 0 && n == 4) {
                char *end;
                unsigned long c = strtoul(f[1], &end, 10);

                if (*end || c == 0 || c > 1u << 20 || t->ncpus)
                        return fail(t->path, line, "bad machine line");
                t->ncpus = (unsigned) c;
                t->step_seconds = g_ascii_strtod(f[2], &end);
                if (*end || !(t->step_seconds > 0))
                        return fail(t->path, line, "bad step length");
                t->node_of = g_new(int, t->ncpus);
                for (unsigned i = 0; i < t->ncpus; i++)
                        t->node_of[i] = -1;
                return 0;
        }
        if (!t->ncpus)
                return fail(t->path, line, "expected the machine line first");
        if (strcmp(f[0], "node") == 0 && n == 3) {
                int id = atoi(f[1]);

                if (parse_cpulist(f[2], t->ncpus, id, t->node_of) < 0)
                        return fail(t->path, line, "bad node CPU list");
                g_array_append_val(t->node_ids, id);
                return 0;
        }
        if (n < 3 || !parse_size(f[1], &step)) {
                /* "writes -1 N": the start-up writes are not drawn. */
                if (strcmp(f[0], "writes") == 0 && n == 3 && strcmp(f[1], "-1") == 0)
                        return 0;
                return fail(t->path, line, "unknown or malformed line");
        }
        if (strcmp(f[0], "phase") == 0) {
                struct phase p = { .start = step, .name = g_strdup(f[2]) };

                g_array_append_val(t->phases, p);
        } else if (strcmp(f[0], "cpus") == 0) {
                struct cpu_states c = { .from = step, .states = g_strdup(f[2]) };

                if (strlen(f[2]) != t->ncpus)
                        return fail(t->path, line, "expected one state per CPU");
                g_array_append_val(t->states, c);
        } else if (strcmp(f[0], "load") == 0) {
                if (n != 3 + t->ncpus)
                        return fail(t->path, line, "expected the bound and one load per CPU");
                if (step >= 1u << 24)
                        return fail(t->path, line, "step number too large");
                if ((step + 1) * t->ncpus > t->load->len)
                        g_array_set_size(t->load, (guint) ((step + 1) * t->ncpus));
                for (unsigned c = 0; c < t->ncpus; c++) {
                        char *end;
                        double v = g_ascii_strtod(f[3 + c], &end);

                        if (*end || !(v >= 0) || !isfinite(v))
                                return fail(t->path, line, "bad load");
                        g_array_index(t->load, double, step * t->ncpus + c) = v;
                }
                t->steps = MAX(t->steps, step + 1);
        } else if (strcmp(f[0], "writes") == 0) {
                size_t w;

                if (!parse_size(f[2], &w) || step >= 1u << 24)
                        return fail(t->path, line, "bad writes line");
                if (step >= t->writes->len)
                        g_array_set_size(t->writes, (guint) step + 1);
                g_array_index(t->writes, unsigned, step) += (unsigned) w;
        } else {
                return fail(t->path, line, "unknown line");
        }
        return 0;
}

static int cmp_int(const void *a, const void *b)
{
        int x = *(const int *) a, y = *(const int *) b;

        return x < y ? -1 : x > y;
}

/* The state of CPU at STEP ('u' when the trace says nothing). */
static char state_at(const struct trace *t, unsigned cpu, size_t step)
{
        char s = 'u';

        for (guint i = 0; i < t->states->len; i++) {
                const struct cpu_states *c = &g_array_index(t->states, struct cpu_states, i);

                if (c->from > step)
                        break;
                s = c->states[cpu];
        }
        return s;
}

/* Rows: node by node (by id), CPUs ascending within a node, CPUs without a node last;
 * CPUs the machine never has ('-' throughout) get no row. */
static void order_rows(struct trace *t)
{
        g_autofree int *ids = g_memdup2(t->node_ids->data, t->node_ids->len * sizeof(int));
        guint n_ids = t->node_ids->len;

        qsort(ids, n_ids, sizeof(int), cmp_int);
        t->rows = g_new(unsigned, t->ncpus);
        for (guint k = 0; k <= n_ids; k++) {
                int node = k < n_ids ? ids[k] : -1;

                if (k > 0 && k < n_ids && ids[k] == ids[k - 1])
                        continue;
                for (unsigned c = 0; c < t->ncpus; c++) {
                        bool exists = false;

                        if (t->node_of[c] != node)
                                continue;
                        for (size_t s = 0; s < MAX(t->steps, 1) && !exists; s++)
                                exists = state_at(t, c, s) != '-';
                        if (exists)
                                t->rows[t->n_rows++] = c;
                }
        }
}

static int trace_load(struct trace *t)
{
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) lines = NULL;
        int r;

        if (!g_file_get_contents(t->path, &text, NULL, &error)) {
                fprintf(stderr, "heatmap: %s\n", error->message);
                return -ENOENT;
        }
        t->node_ids = g_array_new(false, false, sizeof(int));
        t->phases = g_array_new(false, false, sizeof(struct phase));
        t->states = g_array_new(false, false, sizeof(struct cpu_states));
        t->load = g_array_new(false, true, sizeof(double));
        t->writes = g_array_new(false, true, sizeof(unsigned));
        lines = g_strsplit(text, "\n", -1);
        if (!lines[0] || strcmp(lines[0], TRACE_MAGIC) != 0)
                return fail(t->path, 1, "not an irqbal-sim trace (irqbal-sim --trace)");
        for (size_t i = 1; lines[i]; i++) {
                g_auto(GStrv) f = NULL;

                if (!*lines[i] || lines[i][0] == '#')
                        continue;
                f = g_strsplit(lines[i], "\t", -1);
                r = parse_line(t, f, g_strv_length(f), i + 1);
                if (r < 0)
                        return r;
        }
        if (!t->ncpus)
                return fail(t->path, 1, "no machine line");
        order_rows(t);
        return 0;
}

static void trace_free(struct trace *t)
{
        for (guint i = 0; t->phases && i < t->phases->len; i++)
                g_free(g_array_index(t->phases, struct phase, i).name);
        for (guint i = 0; t->states && i < t->states->len; i++)
                g_free(g_array_index(t->states, struct cpu_states, i).states);
        if (t->node_ids)
                g_array_free(t->node_ids, true);
        if (t->phases)
                g_array_free(t->phases, true);
        if (t->states)
                g_array_free(t->states, true);
        if (t->load)
                g_array_free(t->load, true);
        if (t->writes)
                g_array_free(t->writes, true);
        g_free(t->scenario);
        g_free(t->node_of);
        g_free(t->rows);
}

static double load_at(const struct trace *t, size_t step, unsigned cpu)
{
        return g_array_index(t->load, double, step * t->ncpus + cpu);
}

static unsigned writes_at(const struct trace *t, size_t step)
{
        return step < t->writes->len ? g_array_index(t->writes, unsigned, step) : 0;
}

/* ColorBrewer YlOrRd (9 classes), light to dark: sequential, readable in grey and by
 * the colour-blind. */
static const unsigned char palette[][3] = {
        { 0xff, 0xff, 0xcc }, { 0xff, 0xed, 0xa0 }, { 0xfe, 0xd9, 0x76 }, { 0xfe, 0xb2, 0x4c },
        { 0xfd, 0x8d, 0x3c }, { 0xfc, 0x4e, 0x2a }, { 0xe3, 0x1a, 0x1c }, { 0xbd, 0x00, 0x26 },
        { 0x80, 0x00, 0x26 },
};

static void level_colour(unsigned level, char ret[8])
{
        double x = (double) (level - 1) / (LEVELS - 1) * (double) (G_N_ELEMENTS(palette) - 1);
        size_t i = MIN((size_t) x, G_N_ELEMENTS(palette) - 2);
        double f = x - (double) i;
        unsigned rgb[3];

        for (int k = 0; k < 3; k++)
                rgb[k] = (unsigned) lround(palette[i][k] + f * (palette[i + 1][k] - palette[i][k]));
        snprintf(ret, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* Level 0 only for no load at all: a CPU with any interrupt shows. */
static unsigned level_of(double load, double vmax)
{
        double x;

        if (!(load > 0))
                return 0;
        x = ceil(load / vmax * LEVELS);
        return (unsigned) CLAMP(x, 1, LEVELS);
}

/* 1, 2, 2.5 or 5 × 10^k at or above V: a scale with round labels. */
static double nice_ceiling(double v)
{
        static const double steps[] = { 1, 2, 2.5, 5, 10 };
        double e;

        if (!(v > 0))
                return 1;
        e = pow(10, floor(log10(v)));
        for (size_t i = 0; i < G_N_ELEMENTS(steps); i++)
                if (steps[i] * e >= v * (1 - 1e-9))
                        return steps[i] * e;
        return 10 * e;
}

struct layout {
        int cw, rh;             /* cell width, row height */
        size_t steps;           /* columns (the longer trace) */
        size_t rows;            /* rows (the taller panel) */
        int pw, ph;             /* panel size */
        double vmax;            /* load at the top of the scale, CPUs */
        bool clipped;           /* some cells are above it */
        unsigned wmax;          /* most writes in a step, either trace */
        double step_seconds;
};

static void append_escaped(GString *out, const char *s)
{
        g_autofree char *e = g_markup_escape_text(s, -1);

        g_string_append(out, e);
}

static void draw_phases(GString *out, const struct trace *t, const struct layout *l, int x0)
{
        for (guint i = 0; i < t->phases->len; i++) {
                const struct phase *p = &g_array_index(t->phases, struct phase, i);
                int x = x0 + (int) p->start * l->cw;

                if (p->start > 0)
                        g_string_append_printf(out, "<line class=\"ph\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                                               x, TOP - 14, x, TOP + l->ph + 6 + WRITES_H);
                g_string_append_printf(out, "<text class=\"pn\" x=\"%d\" y=\"%d\">", x + 2, TOP - 4);
                append_escaped(out, p->name);
                g_string_append(out, "</text>\n");
        }
}

/* Labels every few rows (every row when there is room), node names and lines between
 * nodes. */
static void draw_rows(GString *out, const struct trace *t, const struct layout *l, int x0)
{
        size_t group = 0;
        int every = 1;

        /* A label per 11 px at least, on round CPU counts (1, 2, 4 … rows). */
        while (every * l->rh < 11)
                every *= 2;

        for (size_t r = 0; r < t->n_rows; r++) {
                unsigned cpu = t->rows[r];
                int y = TOP + (int) r * l->rh;

                if (r % (size_t) every == 0)
                        g_string_append_printf(out, "<text class=\"cl\" x=\"%d\" y=\"%d\">%u</text>\n", x0 - 3,
                                               y + l->rh / 2 + 3 + (l->rh < 8 ? 3 : 0), cpu);
                if (r + 1 == t->n_rows || t->node_of[t->rows[r + 1]] != t->node_of[cpu]) {
                        int y0 = TOP + (int) group * l->rh, y1 = y + l->rh, node = t->node_of[cpu];

                        if (r + 1 < t->n_rows)
                                g_string_append_printf(out, "<line class=\"nb\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
                                                       x0 - LABEL_W + 4, y1, x0 + l->pw, y1);
                        if (node >= 0)
                                g_string_append_printf(out, "<text class=\"nl\" transform=\"translate(%d %d) rotate(-90)\">node %d</text>\n",
                                                       x0 - LABEL_W + 14, (y0 + y1) / 2, node);
                        group = r + 1;
                }
        }
        g_string_append_printf(out, "<text class=\"al\" x=\"%d\" y=\"%d\">CPU</text>\n", x0 - 3, TOP - 4);
}

static void draw_panel(GString *out, const struct trace *t, const struct layout *l, int x0)
{
        size_t cells = 0;
        int tick;

        g_string_append_printf(out, "<text class=\"pt\" x=\"%d\" y=\"44\">", x0);
        append_escaped(out, t->label ? t->label : t->path);
        g_string_append(out, "</text>\n");
        if (t->note) {
                g_string_append_printf(out, "<text class=\"pnote\" x=\"%d\" y=\"60\">", x0);
                append_escaped(out, t->note);
                g_string_append(out, "</text>\n");
        }
        for (size_t r = 0; r < t->n_rows; r++)
                for (size_t s = 0; s < t->steps; s++)
                        cells += level_of(load_at(t, s, t->rows[r]), l->vmax) > 0;
        /* data-*: what a reader (or the test) needs to check the cells add up. */
        g_string_append_printf(out, "<g class=\"panel\" data-steps=\"%zu\" data-rows=\"%zu\" data-cell-width=\"%d\" "
                               "data-row-height=\"%d\" data-loaded-cells=\"%zu\">\n",
                               t->steps, t->n_rows, l->cw, l->rh, cells);
        g_string_append_printf(out, "<rect class=\"bg\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%zu\"/>\n", x0, TOP,
                               (int) t->steps * l->cw, t->n_rows * (size_t) l->rh);
        /* Cells: one rect per run of equal level in a row. */
        for (size_t r = 0; r < t->n_rows; r++) {
                int y = TOP + (int) r * l->rh;

                for (size_t s = 0; s < t->steps;) {
                        unsigned lv = level_of(load_at(t, s, t->rows[r]), l->vmax);
                        size_t e = s + 1;

                        while (e < t->steps && level_of(load_at(t, e, t->rows[r]), l->vmax) == lv)
                                e++;
                        if (lv > 0)
                                g_string_append_printf(out, "<rect class=\"l%u\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                                                       lv, x0 + (int) s * l->cw, y, (int) (e - s) * l->cw, l->rh);
                        s = e;
                }
        }
        /* Isolated and offline CPUs: hatched over their cells, so that load there (a
         * violation) still shows through. */
        for (size_t r = 0; r < t->n_rows; r++) {
                int y = TOP + (int) r * l->rh;

                for (size_t s = 0; s < t->steps;) {
                        char st = state_at(t, t->rows[r], s);
                        size_t e = s + 1;

                        while (e < t->steps && state_at(t, t->rows[r], e) == st)
                                e++;
                        if (st == 'i' || st == 'o' || st == '-')
                                g_string_append_printf(out, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                                                       st == 'i' ? "iso" : "off", x0 + (int) s * l->cw, y,
                                                       (int) (e - s) * l->cw, l->rh);
                        s = e;
                }
        }
        g_string_append_printf(out, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%zu\"/>\n</g>\n", x0,
                               TOP, (int) t->steps * l->cw, t->n_rows * (size_t) l->rh);
        draw_rows(out, t, l, x0);
        draw_phases(out, t, l, x0);

        /* Writes per step: how much the daemon moved. */
        {
                int yb = TOP + l->ph + 6 + WRITES_H;
                unsigned total = 0;

                g_string_append_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", x0, yb,
                                       x0 + (int) t->steps * l->cw, yb);
                for (size_t s = 0; s < t->steps; s++) {
                        unsigned w = writes_at(t, s);
                        int h;

                        total += w;
                        if (!w)
                                continue;
                        h = MAX(1, (int) lround((double) w / l->wmax * WRITES_H));
                        g_string_append_printf(out, "<rect class=\"wr\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n",
                                               x0 + (int) s * l->cw, yb - h, MAX(1, l->cw - 1), h);
                }
                g_string_append_printf(out, "<text class=\"cl\" x=\"%d\" y=\"%d\">writes</text>\n", x0 - 3, yb - 4);
                g_string_append_printf(out, "<text class=\"tl2\" x=\"%d\" y=\"%d\">%u affinity writes after start-up</text>\n",
                                       x0, yb + 40, total);
        }
        /* Time axis, in simulated seconds. */
        tick = 1;
        while (tick * l->cw < 40)
                tick = tick == 1 ? 2 : tick == 2 ? 5 : tick * 2;
        for (size_t s = 0; s <= t->steps; s += (size_t) tick) {
                int x = x0 + (int) s * l->cw, yb = TOP + l->ph + 6 + WRITES_H;

                g_string_append_printf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n"
                                       "<text class=\"tl\" x=\"%d\" y=\"%d\">%g</text>\n",
                                       x, yb, x, yb + 3, x, yb + 13, (double) s * t->step_seconds);
        }
        g_string_append_printf(out, "<text class=\"tl2\" x=\"%d\" y=\"%d\">simulated seconds</text>\n", x0,
                               TOP + l->ph + 6 + WRITES_H + 26);
}

static void draw_legend(GString *out, const struct layout *l, int x0)
{
        const int sh = 12, y0 = TOP;
        int y;

        g_string_append_printf(out, "<text class=\"pt\" x=\"%d\" y=\"%d\">IRQ load (CPUs)</text>\n", x0, y0 - 16);
        for (unsigned lv = LEVELS; lv >= 1; lv--) {
                y = y0 + (int) (LEVELS - lv) * sh;
                g_string_append_printf(out, "<rect class=\"l%u\" x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\"/>\n", lv, x0,
                                       y, sh);
                if (lv == LEVELS && l->clipped)
                        g_string_append_printf(out, "<text class=\"tl2\" x=\"%d\" y=\"%d\">%.3g and more</text>\n",
                                               x0 + 20, y + 4, l->vmax * (LEVELS - 1) / LEVELS);
                else if (lv == LEVELS || lv == LEVELS / 2 || lv == LEVELS / 4 || lv == 1)
                        g_string_append_printf(out, "<text class=\"tl2\" x=\"%d\" y=\"%d\">%s%.3g</text>\n", x0 + 20,
                                               y + 4, lv == 1 ? "> 0 … " : "", l->vmax * lv / LEVELS);
        }
        y = y0 + LEVELS * sh;
        g_string_append_printf(out, "<rect class=\"bg\" x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\"/>"
                               "<text class=\"tl2\" x=\"%d\" y=\"%d\">0 (no interrupts)</text>\n",
                               x0, y, sh, x0 + 20, y + sh - 2);
        y += 2 * sh;
        g_string_append_printf(out, "<rect class=\"bg\" x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\"/>"
                               "<rect class=\"iso\" x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\"/>"
                               "<text class=\"tl2\" x=\"%d\" y=\"%d\">isolated / nohz_full</text>\n",
                               x0, y, sh, x0, y, sh, x0 + 20, y + sh - 2);
        y += sh + 4;
        g_string_append_printf(out, "<rect class=\"bg\" x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\"/>"
                               "<rect class=\"off\" x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\"/>"
                               "<text class=\"tl2\" x=\"%d\" y=\"%d\">offline</text>\n",
                               x0, y, sh, x0, y, sh, x0 + 20, y + sh - 2);
        y += sh + 10;
        g_string_append_printf(out, "<line class=\"nb\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                               "<text class=\"tl2\" x=\"%d\" y=\"%d\">NUMA node boundary</text>\n",
                               x0, y, x0 + 16, y, x0 + 20, y + 4);
        y += sh + 4;
        g_string_append_printf(out, "<line class=\"ph\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                               "<text class=\"tl2\" x=\"%d\" y=\"%d\">phase start</text>\n",
                               x0 + 8, y - 6, x0 + 8, y + 6, x0 + 20, y + 4);
        y += sh + 4;
        g_string_append_printf(out, "<rect class=\"wr\" x=\"%d\" y=\"%d\" width=\"8\" height=\"%d\"/>"
                               "<text class=\"tl2\" x=\"%d\" y=\"%d\">writes (tallest: %u)</text>\n",
                               x0 + 4, y - 6, sh, x0 + 20, y + 4, l->wmax);
        y += sh + 4;
        g_string_append_printf(out, "<text class=\"tl2\" x=\"%d\" y=\"%d\">one column = %g s</text>\n", x0, y + 4,
                               l->step_seconds);
}

/* Room a panel takes across: its cells, or its title and note when they are longer
 * (estimated from the font sizes in the style sheet), so that titles never overlap. */
static int panel_span(const struct trace *t, const struct layout *l)
{
        const char *label = t->label ? t->label : t->path;
        int title = (int) (8.4 * (double) g_utf8_strlen(label, -1));
        int note = t->note ? (int) (6.2 * (double) g_utf8_strlen(t->note, -1)) : 0;

        /* 220: the lines under the time axis. */
        return MAX(MAX(l->pw, 220), MAX(title, note) - LABEL_W / 2);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

/* The top of the colour scale: the 99th percentile of the loaded cells, rounded up.
 * The peak itself would let one start-up step (every IRQ on CPU 0 before the first
 * cycle) wash out the rest of the picture; cells above it take the top colour. */
static double scale_top(struct trace *t, size_t n, double *ret_peak)
{
        g_autoptr(GArray) v = g_array_new(false, false, sizeof(double));
        double peak = 0;

        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < t[i].steps * t[i].ncpus; k++) {
                        double x = g_array_index(t[i].load, double, k);

                        if (x > 0)
                                g_array_append_val(v, x);
                        peak = fmax(peak, x);
                }
        *ret_peak = peak;
        if (v->len == 0)
                return 1;
        g_array_sort(v, cmp_double);
        return nice_ceiling(g_array_index(v, double, (size_t) floor(0.99 * (v->len - 1))));
}

static void draw(GString *out, struct trace *t, size_t n, const char *title)
{
        struct layout l = { .wmax = 1 };
        double peak;
        int width, height, x;

        for (size_t i = 0; i < n; i++) {
                l.steps = MAX(l.steps, t[i].steps);
                l.rows = MAX(l.rows, t[i].n_rows);
                for (size_t s = 0; s < t[i].steps; s++)
                        l.wmax = MAX(l.wmax, writes_at(&t[i], s));
        }
        l.step_seconds = t[0].step_seconds;
        l.vmax = scale_top(t, n, &peak);
        l.clipped = peak > l.vmax;
        l.cw = CLAMP(TARGET_WIDTH / (int) MAX(l.steps, 1), 2, MAX_CELL_W);
        l.rh = CLAMP(TARGET_HEIGHT / (int) MAX(l.rows, 1), 1, MAX_ROW_H);
        l.pw = (int) l.steps * l.cw;
        l.ph = (int) l.rows * l.rh;
        width = LEGEND_W;
        for (size_t i = 0; i < n; i++)
                width += LABEL_W + panel_span(&t[i], &l) + PANEL_GAP;
        height = TOP + l.ph + 6 + WRITES_H + 50;
        height = MAX(height, TOP + (LEVELS + 12) * 12);

        g_string_append_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n", width, height, width, height);
        g_string_append(out, "<title>");
        append_escaped(out, title);
        g_string_append(out, "</title>\n<defs>\n"
                        "<pattern id=\"hi\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
                        "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
                        "stroke=\"#2b5fb3\" stroke-width=\"2\" stroke-opacity=\"0.5\"/></pattern>\n"
                        "<pattern id=\"ho\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
                        "patternTransform=\"rotate(-45)\"><rect width=\"4\" height=\"4\" fill=\"#999\" "
                        "fill-opacity=\"0.35\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#444\" "
                        "stroke-width=\"1.5\" stroke-opacity=\"0.6\"/></pattern>\n</defs>\n<style>\n"
                        ".bg{fill:#fff;stroke:#ddd}.frame{fill:none;stroke:#444}.iso{fill:url(#hi)}"
                        ".off{fill:url(#ho)}.nb{stroke:#000;stroke-width:1.5}"
                        ".ph{stroke:#1a1a1a;stroke-dasharray:4 3}.axis{stroke:#444}.wr{fill:#555}"
                        "text{fill:#222}.pt{font-size:14px;font-weight:bold}.pnote{font-size:11px}"
                        ".pn{font-size:10px;font-style:italic}.cl{font-size:9px;text-anchor:end}"
                        ".al{font-size:9px;text-anchor:end;font-weight:bold}"
                        ".nl{font-size:10px;text-anchor:middle}.tl{font-size:9px;text-anchor:middle}"
                        ".tl2{font-size:10px}"
                        ".ttl{font-size:16px;font-weight:bold}\n");
        for (unsigned lv = 1; lv <= LEVELS; lv++) {
                char c[8];

                level_colour(lv, c);
                g_string_append_printf(out, ".l%u{fill:%s}", lv, c);
        }
        g_string_append(out, "\n</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        g_string_append(out, "<text class=\"ttl\" x=\"10\" y=\"20\">");
        append_escaped(out, title);
        g_string_append(out, "</text>\n");
        x = 0;
        for (size_t i = 0; i < n; i++) {
                draw_panel(out, &t[i], &l, x + LABEL_W);
                x += LABEL_W + panel_span(&t[i], &l) + PANEL_GAP;
        }
        draw_legend(out, &l, x);
        g_string_append(out, "</svg>\n");
}

static void help(void)
{
        printf("Usage: heatmap [-o OUT.svg] [-t TITLE] [-l LABEL] [-n NOTE] TRACE\n"
               "               [[-l LABEL] [-n NOTE] TRACE]\n\n"
               "Draws one or two irqbal-sim traces (--trace FILE) as an SVG heat map of per-CPU\n"
               "interrupt load over time, side by side on one colour scale.\n\n"
               "  -o, --output FILE  write the SVG there (default: standard output)\n"
               "  -t, --title TEXT   the title (default: the first trace's scenario)\n"
               "  -l, --label TEXT   the title of the next trace's panel (default: its path)\n"
               "  -n, --note TEXT    a line under the next trace's panel title\n"
               "  -h, --help         show this help\n");
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "title",  required_argument, NULL, 't' },
                { "label",  required_argument, NULL, 'l' },
                { "note",   required_argument, NULL, 'n' },
                { "help",   no_argument,       NULL, 'h' },
                {}
        };
        struct trace t[MAX_TRACES] = {};
        const char *output = NULL, *title = NULL, *label = NULL, *note = NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        g_autofree char *default_title = NULL;
        size_t n = 0;
        int c, r = 0;

        /* "-" first: traces and their options in order, so -l and -n apply to the next
         * trace. */
        while ((c = getopt_long(argc, argv, "-o:t:l:n:h", options, NULL)) >= 0) {
                switch (c) {
                case 'o': output = optarg; break;
                case 't': title = optarg; break;
                case 'l': label = optarg; break;
                case 'n': note = optarg; break;
                case 'h': help(); return EXIT_SUCCESS;
                case 1:
                        if (n == MAX_TRACES) {
                                fprintf(stderr, "heatmap: at most %d traces.\n", MAX_TRACES);
                                return EXIT_FAILURE;
                        }
                        t[n++] = (struct trace) { .path = optarg, .label = label, .note = note };
                        label = note = NULL;
                        break;
                default:
                        return EXIT_FAILURE;
                }
        }
        if (n == 0) {
                fprintf(stderr, "heatmap: give one or two traces (see --help).\n");
                return EXIT_FAILURE;
        }
        for (size_t i = 0; i < n && r == 0; i++)
                r = trace_load(&t[i]);
        if (r == 0) {
                if (!title) {
                        g_autofree char *base = g_path_get_basename(t[0].scenario ? t[0].scenario : t[0].path);

                        title = default_title = g_strdup(base);
                }
                draw(out, t, n, title);
                if (!output) {
                        fputs(out->str, stdout);
                        r = fflush(stdout) == 0 ? 0 : -EIO;
                } else {
                        g_autoptr(GError) error = NULL;

                        if (!g_file_set_contents(output, out->str, (gssize) out->len, &error)) {
                                fprintf(stderr, "heatmap: %s\n", error->message);
                                r = -EIO;
                        }
                }
        }
        for (size_t i = 0; i < n; i++)
                trace_free(&t[i]);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
