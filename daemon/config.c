/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The operator's files: irqbald.conf and the policy.d drop-ins, read through the root,
 * checked line by line and key by key, and merged in precedence order.
 *
 * GKeyFile defines the syntax (what a line is, the escapes in values), but it knows no
 * line numbers and accepts keys nobody reads. So every file is scanned here first: the
 * scan records the line of each section and key, reports what is not irqbald's (typos,
 * keys of another section, garbage), and blanks those lines, so that GKeyFile reads
 * exactly what irqbald understood, at the same line numbers. Values are then read with
 * GKeyFile and checked one by one. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqbal/config.h"
#include "irqbal/cpuset.h"
#include "irqbal/macro.h"
#include "irqbal/policy.h"

const char *const config_dropin_dirs[] = {
        "/usr/lib/irqbald/policy.d",
        "/usr/local/lib/irqbald/policy.d",
        CONFIG_RUNTIME_DIR,
        CONFIG_PERSISTENT_DIR,
        NULL,
};

/* An operator's file is a few dozen lines; the bound keeps a runaway file (a log sent
 * to the wrong path) from costing the daemon memory at every reload. */
#define FILE_SIZE_MAX (64 * 1024)
/* The bounds and default of --interval (options.c): a cycle far below one second
 * measures noise, one beyond an hour never reacts. */
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 3600.0
#define INTERVAL_DEFAULT 10.0
/* A thousand times the estimate already makes one IRQ outweigh a busy machine; more is
 * a typo, not a measurement. */
#define WEIGHT_MAX 1000.0
/* IFNAMSIZ - 1: the kernel refuses longer network interface names. */
#define IFNAME_MAX 15
/* Node ids are sparse but small (MAX_NUMNODES is 1024 on the largest configs). */
#define NODE_ID_MAX 65535u
/* Messages quote a bad line; a whole 64 KiB line helps nobody. */
#define QUOTE_MAX 60

enum section {
        SECTION_DAEMON,
        SECTION_MATCH,
        SECTION_PLACEMENT,
        _SECTION_MAX,
        SECTION_NONE = -1,      /* before the first header */
        SECTION_SKIPPED = -2,   /* under a header already reported as wrong */
};

enum daemon_key {
        DAEMON_POLICY,
        DAEMON_INTERVAL,
        DAEMON_BANNED_CPUS,
        DAEMON_BAN_ISOLATED,
        DAEMON_RESTORE_ON_EXIT,
        DAEMON_RESPECT_EXTERNAL_PINS,
        DAEMON_HYSTERESIS,
        DAEMON_PACK_THRESHOLDS,
        DAEMON_HOUSEKEEPING_CPUS,
        _DAEMON_MAX,
};

#define KEYS_MAX _DAEMON_MAX
_Static_assert((int) _MATCH_MAX <= (int) KEYS_MAX && (int) _PLACE_MAX <= (int) KEYS_MAX,
               "KEYS_MAX is the longest section");

static const char *const daemon_keys[_DAEMON_MAX] = {
        [DAEMON_POLICY] = "Policy",
        [DAEMON_INTERVAL] = "Interval",
        [DAEMON_BANNED_CPUS] = "BannedCPUs",
        [DAEMON_BAN_ISOLATED] = "BanIsolated",
        [DAEMON_RESTORE_ON_EXIT] = "RestoreOnExit",
        [DAEMON_RESPECT_EXTERNAL_PINS] = "RespectExternalPins",
        [DAEMON_HYSTERESIS] = "Hysteresis",
        [DAEMON_PACK_THRESHOLDS] = "PackThresholds",
        [DAEMON_HOUSEKEEPING_CPUS] = "HousekeepingCPUs",
};

static const char *const match_keys[_MATCH_MAX] = {
        [MATCH_IRQ] = "Irq",
        [MATCH_NAME] = "Name",
        [MATCH_DRIVER] = "Driver",
        [MATCH_DEVICE] = "Device",
        [MATCH_CLASS] = "Class",
        [MATCH_INTERFACE] = "Interface",
        [MATCH_NODE] = "Node",
};

static const char *const placement_keys[_PLACE_MAX] = {
        [PLACE_BAN] = "Ban",
        [PLACE_CPUS] = "CPUs",
        [PLACE_NODE] = "Node",
        [PLACE_POLICY] = "Policy",
        [PLACE_WEIGHT] = "Weight",
        [PLACE_EXCLUSIVE] = "Exclusive",
};

static const struct {
        const char *name;
        const char *const *keys;
        unsigned n_keys;
} sections[_SECTION_MAX] = {
        [SECTION_DAEMON] = { "Daemon", daemon_keys, _DAEMON_MAX },
        [SECTION_MATCH] = { "Match", match_keys, _MATCH_MAX },
        [SECTION_PLACEMENT] = { "Placement", placement_keys, _PLACE_MAX },
};

static const char *const section_names[_SECTION_MAX] = { "Daemon", "Match", "Placement" };

/* ---- Findings ---------------------------------------------------------------------- */

void config_diag_add(struct config_diags *d, enum config_severity severity, const char *file,
                     unsigned line, const char *fmt, ...)
{
        _cleanup_free_ char *name = NULL;
        char *message;
        va_list ap;
        int r;

        /* Counted first: an error that cannot be stored for lack of memory must still
         * fail the load, never pass for a clean one. */
        if (severity == CONFIG_ERROR)
                d->errors++;
        va_start(ap, fmt);
        r = vasprintf(&message, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        name = strdup(file ? file : "");
        if (!name) {
                free(message);
                return;
        }
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 8;
                struct config_diag *items = reallocarray(d->items, cap, sizeof(*items));

                if (!items) {
                        free(message);
                        return;
                }
                d->items = items;
                d->cap = cap;
        }
        d->items[d->n++] = (struct config_diag) {
                .severity = severity, .file = TAKE_PTR(name), .line = line, .message = message,
        };
}

char *config_diags_format(const struct config_diags *d)
{
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);

        if (!f)
                return NULL;
        for (size_t i = 0; i < d->n; i++) {
                const struct config_diag *it = &d->items[i];
                const char *sev = it->severity == CONFIG_ERROR ? "error" : "warning";

                if (it->line)
                        fprintf(f, "%s:%u: %s: %s\n", it->file, it->line, sev, it->message);
                else
                        fprintf(f, "%s: %s: %s\n", it->file, sev, it->message);
        }
        if (fclose(f) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

void config_diags_done(struct config_diags *d)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        free(d->items);
        *d = (struct config_diags) {};
}

/* Hands one file's findings to DST, top to bottom: the line scan and the value checks
 * find them in two passes, a reader wants them in file order. */
static void diags_move_sorted(struct config_diags *dst, struct config_diags *src)
{
        struct config_diag *items;

        /* Insertion sort: stable, and a file has a handful of findings. */
        for (size_t i = 1; i < src->n; i++) {
                struct config_diag x = src->items[i];
                size_t j = i;

                for (; j > 0 && src->items[j - 1].line > x.line; j--)
                        src->items[j] = src->items[j - 1];
                src->items[j] = x;
        }
        dst->errors += src->errors;
        src->errors = 0;
        if (src->n == 0)
                goto done;
        items = reallocarray(dst->items, dst->n + src->n, sizeof(*items));
        if (!items)
                goto done;      /* the errors still count; the texts are lost */
        memcpy(items + dst->n, src->items, src->n * sizeof(*items));
        dst->items = items;
        dst->n += src->n;
        dst->cap = dst->n;
        free(src->items);
        *src = (struct config_diags) {};
done:
        config_diags_done(src);
}

/* ---- Small parsers ----------------------------------------------------------------- */

/* A plain decimal number ("10", "0.5", ".5"); returns where it ends, NULL if there is
 * none. strtod() alone would also take "nan", "inf", "0x10" and "1e3", which are no way
 * to write seconds or shares, and would follow the locale. */
static const char *parse_decimal(const char *s, double *ret)
{
        const char *p = s;
        bool digits = false;

        for (; isdigit((unsigned char) *p); p++)
                digits = true;
        if (*p == '.')
                for (p++; isdigit((unsigned char) *p); p++)
                        digits = true;
        if (!digits)
                return NULL;
        *ret = g_ascii_strtod(s, NULL);
        return isfinite(*ret) ? p : NULL;
}

static bool parse_number(const char *s, double *ret)
{
        const char *end = parse_decimal(s, ret);

        return end && *end == 0;
}

/* "10", "10s", "500ms", "2min" (a blank before the unit is fine) into seconds. */
static bool parse_interval(const char *s, double *ret)
{
        double v;
        const char *unit = parse_decimal(s, &v);

        if (!unit)
                return false;
        while (*unit == ' ' || *unit == '\t')
                unit++;
        if (strcmp(unit, "ms") == 0)
                v /= 1000;
        else if (strcmp(unit, "min") == 0)
                v *= 60;
        else if (*unit && strcmp(unit, "s") != 0)
                return false;
        if (v < INTERVAL_MIN || v > INTERVAL_MAX)
                return false;
        *ret = v;
        return true;
}

static int parse_bool(const char *s)
{
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

static bool parse_node_id(const char *s, int *ret)
{
        unsigned long v;
        char *end;

        if (!isdigit((unsigned char) *s))
                return false;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > NODE_ID_MAX)
                return false;
        *ret = (int) v;
        return true;
}

/* Irq= and Node=: numbers and ranges separated by blanks or commas ("24-31 40",
 * "0,2"), read as a cpulist. -ENODATA when there is none. */
static int parse_id_list(const char *s, hwloc_bitmap_t set)
{
        _cleanup_free_ char *list = malloc(strlen(s) + 1);
        char *q = list;

        if (!list)
                return -ENOMEM;
        for (const char *p = s; *p;) {
                size_t n;

                p += strspn(p, " \t,");
                n = strcspn(p, " \t,");
                if (n == 0)
                        break;
                if (q != list)
                        *q++ = ',';
                memcpy(q, p, n);
                q += n;
                p += n;
        }
        *q = 0;
        if (q == list)
                return -ENODATA;
        return cpulist_parse(list, set) < 0 ? -EINVAL : 0;
}

static void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

/* Appends S (taking it) to the NULL-terminated *V of *N items. */
static int strv_push(char ***v, size_t *n, char *s)
{
        char **p = reallocarray(*v, *n + 2, sizeof(char *));

        if (!p) {
                free(s);
                return -ENOMEM;
        }
        p[(*n)++] = s;
        p[*n] = NULL;
        *v = p;
        return 0;
}

/* "balanced, numa-local, pack, housekeeping, hint" */
static const char *policy_names(char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = 0;
        for (size_t i = 0; irqbal_policies[i] && len < size; i++)
                len += (size_t) snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
                                         irqbal_policies[i]->name);
        return buf;
}

/* "net, storage, gpu, sound, usb, legacy, other": the catch-all last. */
static const char *class_names(char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = 0;
        for (int i = 1; i <= _IRQ_CLASS_MAX && len < size; i++)
                len += (size_t) snprintf(buf + len, size - len, "%s%s", i > 1 ? ", " : "",
                                         irq_class_to_string((enum irq_class) (i % _IRQ_CLASS_MAX)));
        return buf;
}

/* ---- Suggestions ------------------------------------------------------------------- */

/* Levenshtein distance, ignoring case. */
static unsigned edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned row[64];

        if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
                return UINT_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = (unsigned) j;
        for (size_t i = 1; i <= la; i++) {
                unsigned diag = row[0];

                row[0] = (unsigned) i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned up = row[j];
                        unsigned cost = tolower((unsigned char) a[i - 1]) !=
                                        tolower((unsigned char) b[j - 1]);
                        unsigned best = diag + cost;

                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diag = up;
                }
        }
        return row[lb];
}

/* What NAME was probably meant to be: the same word in another case, else the nearest
 * within two edits (the first of equals); -1 if nothing is that close. */
static int suggest(const char *name, const char *const *candidates, size_t n)
{
        unsigned best_d = 3;
        int best = -1;

        for (size_t i = 0; i < n; i++)
                if (strcasecmp(name, candidates[i]) == 0)
                        return (int) i;
        for (size_t i = 0; i < n; i++) {
                unsigned d = edit_distance(name, candidates[i]);

                if (d < best_d) {
                        best_d = d;
                        best = (int) i;
                }
        }
        return best;
}

/* ---- One file ---------------------------------------------------------------------- */

struct file_ctx {
        struct config *conf;
        const char *file;               /* the path on the machine */
        bool dropin;
        struct config_diags diags;      /* this file's findings, sorted when done */
        unsigned section_lines[_SECTION_MAX];           /* first header, 0 = none */
        unsigned key_lines[_SECTION_MAX][KEYS_MAX];     /* last line of a key, 0 = none */
        unsigned n_keys[_SECTION_MAX];                  /* key lines seen, known or not */
        GKeyFile *kf;
};

#define file_error(c, line, ...) \
        config_diag_add(&(c)->diags, CONFIG_ERROR, (c)->file, (line), __VA_ARGS__)
#define file_warning(c, line, ...) \
        config_diag_add(&(c)->diags, CONFIG_WARNING, (c)->file, (line), __VA_ARGS__)

static bool section_allowed(const struct file_ctx *c, enum section s)
{
        return c->dropin || s == SECTION_DAEMON;
}

static int find_key(enum section s, const char *key)
{
        for (unsigned k = 0; k < sections[s].n_keys; k++)
                if (strcmp(sections[s].keys[k], key) == 0)
                        return (int) k;
        return -1;
}

/* GKeyFile reads only '#' comments; blanks also keep a rejected line from reaching it
 * while every other line keeps its number. */
static void blank_line(char *start, char *end)
{
        memset(start, ' ', (size_t) (end - start));
}

static enum section scan_header(struct file_ctx *c, unsigned line, const char *s, const char *e)
{
        const char *close = memchr(s + 1, ']', (size_t) (e - s - 1));
        g_autofree char *name = NULL;
        int i;

        /* As GKeyFile: "[", a name, "]", then only blanks (trimmed by the caller). */
        if (!close || close != e - 1) {
                const char *stop = close ? close : e;

                name = g_strstrip(g_strndup(s + 1, (size_t) (stop - s - 1)));
                i = suggest(name, section_names, c->dropin ? _SECTION_MAX : 1);
                file_error(c, line, "malformed section header '%.*s'; write it like [%s]",
                           (int) (e - s > QUOTE_MAX ? QUOTE_MAX : e - s), s,
                           section_names[i >= 0 ? i : 0]);
                return SECTION_SKIPPED;
        }
        name = g_strndup(s + 1, (size_t) (close - s - 1));
        for (i = 0; i < _SECTION_MAX; i++)
                if (strcmp(name, section_names[i]) == 0)
                        break;
        if (i < _SECTION_MAX && section_allowed(c, (enum section) i)) {
                if (i != SECTION_DAEMON && c->section_lines[i]) {
                        file_error(c, line, "[%s] appears again (first at line %u); a drop-in "
                                   "holds one rule: put this one in a file of its own",
                                   name, c->section_lines[i]);
                        return SECTION_SKIPPED;
                }
                if (!c->section_lines[i])
                        c->section_lines[i] = line;
                return (enum section) i;
        }
        if (i < _SECTION_MAX) {
                file_error(c, line, "[%s] belongs in a drop-in like %s/50-rule.conf, not in "
                           "irqbald.conf", name, CONFIG_PERSISTENT_DIR);
                return SECTION_SKIPPED;
        }
        i = suggest(name, section_names, c->dropin ? _SECTION_MAX : 1);
        if (i >= 0)
                file_error(c, line, "unknown section [%s]; did you mean [%s]?", name,
                           section_names[i]);
        else if (c->dropin)
                file_error(c, line, "unknown section [%s]; expected [Daemon], [Match] or [Placement]",
                           name);
        else
                file_error(c, line, "unknown section [%s]; irqbald.conf holds only [Daemon]", name);
        return SECTION_SKIPPED;
}

static void unknown_key(struct file_ctx *c, unsigned line, enum section cur, const char *key)
{
        char list[256];
        size_t len = 0;
        int k = suggest(key, sections[cur].keys, sections[cur].n_keys);

        if (k >= 0) {
                file_error(c, line, "unknown key '%s' in [%s]; did you mean '%s='?",
                           key, sections[cur].name, sections[cur].keys[k]);
                return;
        }
        /* A key of another section: say where it goes. */
        list[0] = 0;
        for (int s = 0; s < _SECTION_MAX; s++)
                if (s != (int) cur && find_key((enum section) s, key) >= 0)
                        len += (size_t) snprintf(list + len, sizeof(list) - len, "%s[%s]",
                                                 len ? " or " : "", sections[s].name);
        if (len > 0) {
                file_error(c, line, "unknown key '%s' in [%s]; %s= belongs in %s%s", key,
                           sections[cur].name, key, list,
                           c->dropin ? "" : " of a drop-in in " CONFIG_PERSISTENT_DIR);
                return;
        }
        for (unsigned i = 0; i < sections[cur].n_keys && len < sizeof(list); i++)
                len += (size_t) snprintf(list + len, sizeof(list) - len, "%s%s=", i ? ", " : "",
                                         sections[cur].keys[i]);
        file_error(c, line, "unknown key '%s' in [%s]; expected one of %s", key,
                   sections[cur].name, list);
}

/* Returns whether the key line stays for GKeyFile. */
static bool scan_key(struct file_ctx *c, unsigned line, enum section cur, const char *s,
                     const char *eq)
{
        const char *e = eq;
        g_autofree char *key = NULL;
        int k;

        while (e > s && g_ascii_isspace(e[-1]))
                e--;
        key = g_strndup(s, (size_t) (e - s));
        if (cur == SECTION_SKIPPED)
                return false;
        if (cur == SECTION_NONE) {
                for (int i = 0; i < _SECTION_MAX; i++)
                        if (section_allowed(c, (enum section) i) &&
                            find_key((enum section) i, key) >= 0) {
                                file_error(c, line, "%s= comes before any section; put [%s] above it",
                                           key, section_names[i]);
                                return false;
                        }
                file_error(c, line, "%s= comes before any section; put a section header like "
                           "[Daemon] above it", key);
                return false;
        }
        /* Counted known or not: a [Match] whose only key is a typo needs the typo
         * fixed, not a second message about being empty. */
        c->n_keys[cur]++;
        k = find_key(cur, key);
        if (k < 0) {
                unknown_key(c, line, cur, key);
                return false;
        }
        if (c->key_lines[cur][k])
                file_warning(c, line, "%s= is set twice in [%s] (lines %u and %u); line %u wins",
                             key, sections[cur].name, c->key_lines[cur][k], line, line);
        c->key_lines[cur][k] = line;
        return true;
}

/* The first pass: sections, keys and their lines. What irqbald does not understand is
 * reported and blanked in TEXT. */
static void scan_lines(struct file_ctx *c, char *text, size_t len)
{
        enum section cur = SECTION_NONE;
        char *p = text, *end = text + len;
        unsigned line = 0;

        while (p < end) {
                char *nl = memchr(p, '\n', (size_t) (end - p));
                char *eol = nl ? nl : end;
                char *s = p, *e = eol;
                char *eq;
                bool keep = true;

                line++;
                while (s < e && g_ascii_isspace(*s))
                        s++;
                while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                        e--;
                if (s == e || *s == '#')
                        ;
                else if (*s == ';')
                        keep = false;   /* a comment, as in systemd's files */
                else if (*s == '[') {
                        cur = scan_header(c, line, s, e);
                        keep = cur >= 0;
                } else if ((eq = memchr(s, '=', (size_t) (e - s))) && eq > s)
                        keep = scan_key(c, line, cur, s, eq);
                else {
                        file_error(c, line, "cannot parse '%.*s%s': expected [Section], Key=Value "
                                   "or a # comment", (int) (e - s > QUOTE_MAX ? QUOTE_MAX : e - s), s,
                                   e - s > QUOTE_MAX ? "..." : "");
                        keep = false;
                }
                if (!keep)
                        blank_line(p, eol);
                p = nl ? nl + 1 : end;
        }
}

/* Where RAW (a value as written) has an escape GKeyFile refuses: NULL if none. */
static const char *bad_escape(const char *raw)
{
        for (const char *p = raw; *p; p++)
                if (*p == '\\') {
                        if (!p[1] || !strchr("sntr\\", p[1]))
                                return p;
                        p++;
                }
        return NULL;
}

/* KEY's value as GKeyFile reads it (escapes resolved), without surrounding blanks;
 * NULL when it cannot be read, which is reported. Free with g_free(). */
static char *read_value(struct file_ctx *c, enum section s, unsigned k)
{
        const char *key = sections[s].keys[k];
        unsigned line = c->key_lines[s][k];
        g_autoptr(GError) err = NULL;
        g_autofree char *raw = NULL;
        const char *bad;
        char *v = g_key_file_get_string(c->kf, sections[s].name, key, &err);

        if (!err)
                return g_strstrip(v);
        g_free(v);
        raw = g_key_file_get_value(c->kf, sections[s].name, key, NULL);
        if (!raw)
                file_error(c, line, "%s=: %s", key, err->message);
        else if (!g_utf8_validate(raw, -1, NULL))
                file_error(c, line, "%s= is not valid UTF-8; save the file as UTF-8", key);
        else if ((bad = bad_escape(g_strstrip(raw))) && !bad[1])
                file_error(c, line, "%s=%s: a \\ at the end of a value escapes nothing; write \\\\ "
                           "for a backslash", key, raw);
        else if (bad)
                file_error(c, line, "%s=%s: invalid escape \\%c; write \\\\ for a backslash (the "
                           "escapes are \\s \\n \\t \\r \\\\)", key, raw, bad[1]);
        else
                file_error(c, line, "%s=%s: %s", key, raw, err->message);
        return NULL;
}

/* One word of a list as written, with GKeyFile's escapes resolved: per word, so that
 * "\s" puts a blank into a glob (action names can hold spaces) instead of splitting it.
 * read_value() has refused invalid escapes already. */
static char *unescape_word(const char *s, size_t n)
{
        char *ret = malloc(n + 1), *q = ret;

        if (!ret)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 1 < n) {
                        i++;
                        *q++ = s[i] == 's' ? ' ' : s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' :
                               s[i] == 'r' ? '\r' : s[i];
                } else
                        *q++ = s[i];
        }
        *q = 0;
        return ret;
}

/* The words of a list value as written: blanks separate them, an escape never does. */
static int split_words(const char *raw, char ***ret, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0;
        int r;

        for (const char *p = raw; *p;) {
                const char *start;
                char *w;

                while (*p && g_ascii_isspace(*p))
                        p++;
                if (!*p)
                        break;
                for (start = p; *p && !g_ascii_isspace(*p); p++)
                        if (*p == '\\' && p[1])
                                p++;
                w = unescape_word(start, (size_t) (p - start));
                r = w ? strv_push(&v, &n, w) : -ENOMEM;
                if (r < 0) {
                        strv_free(v);
                        return r;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* ---- Values ------------------------------------------------------------------------ */

static void set_origin(struct config_origin *o, const struct file_ctx *c, unsigned line)
{
        *o = (struct config_origin) { .file = c->file, .line = line };
}

/* A CPU list into *SLOT (replacing what an earlier file set). 1 = set, 0 = reported,
 * -ENOMEM. */
static int read_cpus(struct file_ctx *c, unsigned line, const char *key, const char *v,
                     bool allow_empty, hwloc_bitmap_t *slot)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();

        if (!set)
                return -ENOMEM;
        if (cpulist_parse(v, set) < 0) {
                file_error(c, line, "%s=%s: not a CPU list; write it like 0-3,8", key, v);
                hwloc_bitmap_free(set);
                return 0;
        }
        if (!allow_empty && hwloc_bitmap_iszero(set)) {
                file_error(c, line, "%s=: expected at least one CPU, like 0-3,8", key);
                hwloc_bitmap_free(set);
                return 0;
        }
        hwloc_bitmap_free(*slot);
        *slot = set;
        return 1;
}

static void bool_error(struct file_ctx *c, unsigned line, const char *key, const char *v)
{
        file_error(c, line, "%s=%s: expected yes or no (or true/false, on/off, 1/0)", key, v);
}

static void policy_error(struct file_ctx *c, unsigned line, const char *v)
{
        char names[256];

        file_error(c, line, "Policy=%s: no such policy; expected one of %s", v,
                   policy_names(names, sizeof(names)));
}

static int read_daemon_key(struct file_ctx *c, enum daemon_key k, const char *v, unsigned line)
{
        struct config_daemon *d = &c->conf->daemon;
        const char *key = daemon_keys[k];
        double x, y;
        char *colon;
        int b, r;

        switch (k) {
        case DAEMON_POLICY: {
                char *copy;

                if (!policy_find(v)) {
                        policy_error(c, line, v);
                        return 0;
                }
                copy = strdup(v);
                if (!copy)
                        return -ENOMEM;
                free(d->policy);
                d->policy = copy;
                set_origin(&d->policy_origin, c, line);
                return 0;
        }
        case DAEMON_INTERVAL:
                if (!parse_interval(v, &x)) {
                        file_error(c, line, "Interval=%s: expected seconds between %g and %g, like "
                                   "10 or 500ms", v, INTERVAL_MIN, INTERVAL_MAX);
                        return 0;
                }
                d->interval = x;
                set_origin(&d->interval_origin, c, line);
                return 0;
        case DAEMON_BANNED_CPUS:
        case DAEMON_HOUSEKEEPING_CPUS: {
                bool banned = k == DAEMON_BANNED_CPUS;

                /* BannedCPUs= empty bans none, and overrides an earlier file's list. */
                r = read_cpus(c, line, key, v, banned,
                              banned ? &d->banned_cpus : &d->housekeeping_cpus);
                if (r > 0)
                        set_origin(banned ? &d->banned_cpus_origin : &d->housekeeping_cpus_origin,
                                   c, line);
                return r < 0 ? r : 0;
        }
        case DAEMON_BAN_ISOLATED:
        case DAEMON_RESTORE_ON_EXIT:
        case DAEMON_RESPECT_EXTERNAL_PINS:
                b = parse_bool(v);
                if (b < 0) {
                        bool_error(c, line, key, v);
                        return 0;
                }
                if (k == DAEMON_BAN_ISOLATED) {
                        d->ban_isolated = b;
                        set_origin(&d->ban_isolated_origin, c, line);
                } else if (k == DAEMON_RESTORE_ON_EXIT) {
                        d->restore_on_exit = b;
                        set_origin(&d->restore_on_exit_origin, c, line);
                } else {
                        d->respect_external_pins = b;
                        set_origin(&d->respect_external_pins_origin, c, line);
                }
                return 0;
        case DAEMON_HYSTERESIS:
                if (!parse_number(v, &x) || x > 1) {
                        file_error(c, line, "Hysteresis=%s: expected a share between 0 and 1, like "
                                   "0.1 for 10 %%", v);
                        return 0;
                }
                d->hysteresis = x;
                set_origin(&d->hysteresis_origin, c, line);
                return 0;
        case DAEMON_PACK_THRESHOLDS: {
                _cleanup_free_ char *low = strdup(v);

                if (!low)
                        return -ENOMEM;
                colon = strchr(low, ':');
                if (colon)
                        *colon = 0;
                if (!colon || !parse_number(low, &x) || !parse_number(colon + 1, &y) || y < x) {
                        file_error(c, line, "PackThresholds=%s: expected LOW:HIGH in CPUs' worth of "
                                   "load with 0 <= LOW <= HIGH, like 0.5:1", v);
                        return 0;
                }
                d->pack_low = x;
                d->pack_high = y;
                set_origin(&d->pack_thresholds_origin, c, line);
                return 0;
        }
        case _DAEMON_MAX:
                break;
        }
        return 0;
}

static int read_daemon(struct file_ctx *c)
{
        for (unsigned k = 0; k < _DAEMON_MAX; k++) {
                unsigned line = c->key_lines[SECTION_DAEMON][k];
                g_autofree char *v = NULL;
                int r;

                if (!line)
                        continue;
                v = read_value(c, SECTION_DAEMON, k);
                if (!v)
                        continue;
                r = read_daemon_key(c, (enum daemon_key) k, v, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Walks GLOB as fnmatch(3) without flags reads it: LITERALS gets the characters every
 * match contains, *MIN_LEN the length every match has at least. False for a '[' that
 * opens no set: fnmatch would take it literally, which is hardly what was meant. */
static bool glob_walk(const char *g, char *literals, size_t *min_len)
{
        size_t n = 0, len = 0;

        for (size_t i = 0; g[i];) {
                if (g[i] == '*') {
                        i++;
                        continue;
                }
                if (g[i] == '?') {
                        len++;
                        i++;
                        continue;
                }
                if (g[i] == '[') {
                        size_t j = i + 1;

                        if (g[j] == '!' || g[j] == '^')
                                j++;
                        if (g[j] == ']')
                                j++;    /* a leading ']' is a member */
                        while (g[j] && g[j] != ']') {
                                if (g[j] == '[' && g[j + 1] && strchr(":.=", g[j + 1])) {
                                        /* [:alpha:], [.x.], [=a=] */
                                        const char *p = g + j + 2;

                                        while (*p && !(p[0] == g[j + 1] && p[1] == ']'))
                                                p++;
                                        if (*p) {
                                                j = (size_t) (p - g) + 2;
                                                continue;
                                        }
                                }
                                j += g[j] == '\\' && g[j + 1] ? 2 : 1;
                        }
                        if (!g[j])
                                return false;
                        len++;
                        i = j + 1;
                        continue;
                }
                if (g[i] == '\\' && g[i + 1])
                        i++;
                literals[n++] = g[i++];
                len++;
        }
        literals[n] = 0;
        *min_len = len;
        return true;
}

/* Reports a glob that can never match what the kernel names; true when it can. */
static bool check_glob(struct file_ctx *c, unsigned line, enum rule_match_key k, const char *g)
{
        const char *key = match_keys[k];
        _cleanup_free_ char *lit = malloc(strlen(g) + 1);
        size_t min_len;

        if (!lit)
                return true;    /* no memory to check with: let fnmatch decide */
        if (!glob_walk(g, lit, &min_len)) {
                file_error(c, line, "%s=%s: the [ is never closed; close the set like [0-9], or "
                           "write \\\\[ for a literal [", key, g);
                return false;
        }
        if (k == MATCH_DEVICE) {
                bool upper = false;

                for (const char *p = lit; *p; p++) {
                        if (strchr("0123456789abcdef:.", *p))
                                continue;
                        if (*p >= 'A' && *p <= 'F') {
                                upper = true;
                                continue;
                        }
                        file_error(c, line, "Device=%s can never match: '%c' is not in a PCI "
                                   "address, which looks like 0000:3b:00.0", g, *p);
                        return false;
                }
                if (upper) {
                        g_autofree char *lower = g_ascii_strdown(g, -1);

                        file_error(c, line, "Device=%s can never match: PCI addresses are "
                                   "lower-case hex like %s", g, lower);
                        return false;
                }
        } else if (k == MATCH_INTERFACE) {
                for (const char *p = lit; *p; p++)
                        if (*p == '/' || g_ascii_isspace(*p)) {
                                file_error(c, line, "Interface=%s can never match: interface "
                                           "names have no '/' and no blanks", g);
                                return false;
                        }
                if (min_len > IFNAME_MAX) {
                        file_error(c, line, "Interface=%s can never match: interface names have "
                                   "at most %d characters", g, IFNAME_MAX);
                        return false;
                }
        } else if (k == MATCH_DRIVER && strchr(lit, '/')) {
                file_error(c, line, "Driver=%s can never match: driver names have no '/'; write "
                           "the name as in /sys/bus/pci/drivers, like mlx5_core", g);
                return false;
        }
        return true;
}

/* Name=, Driver=, Device=, Interface=: 1 = *RET set, 0 = reported, -ENOMEM. */
static int read_globs(struct file_ctx *c, enum rule_match_key k, unsigned line, char ***ret)
{
        static const char *const examples[_MATCH_MAX] = {
                [MATCH_NAME] = "eth0-TxRx-*", [MATCH_DRIVER] = "mlx5_core",
                [MATCH_DEVICE] = "0000:3b:00.*", [MATCH_INTERFACE] = "eth0",
        };
        const char *key = match_keys[k];
        g_autofree char *v = read_value(c, SECTION_MATCH, (unsigned) k);
        g_autofree char *raw = NULL;
        char **globs = NULL;
        size_t n = 0;
        bool ok = true;
        int r;

        if (!v)
                return 0;
        raw = g_key_file_get_value(c->kf, sections[SECTION_MATCH].name, key, NULL);
        if (!raw)
                return -ENOMEM;
        r = split_words(raw, &globs, &n);
        if (r < 0)
                return r;
        if (n == 0) {
                file_error(c, line, "%s=: expected one or more patterns separated by spaces, like %s",
                           key, examples[k]);
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                ok = check_glob(c, line, k, globs[i]) && ok;
        if (!ok) {
                strv_free(globs);
                return 0;
        }
        strv_free(*ret);
        *ret = globs;
        return 1;
}

static int read_classes(struct file_ctx *c, unsigned line, const char *v, unsigned *ret)
{
        char names[128];
        g_auto(GStrv) words = g_strsplit_set(v, " \t", -1);
        unsigned classes = 0;
        bool ok = true, any = false;

        for (char **w = words; *w; w++) {
                int cl;

                if (!**w)
                        continue;
                any = true;
                cl = irq_class_from_string(*w);
                if (cl < 0) {
                        file_error(c, line, "Class=%s: expected one of %s", *w,
                                   class_names(names, sizeof(names)));
                        ok = false;
                } else
                        classes |= 1u << cl;
        }
        if (!any) {
                file_error(c, line, "Class=: expected one or more of %s",
                           class_names(names, sizeof(names)));
                return 0;
        }
        if (!ok)
                return 0;
        *ret = classes;
        return 1;
}

static int read_ids(struct file_ctx *c, unsigned line, const char *key, const char *v,
                    hwloc_bitmap_t *slot)
{
        bool irq = strcmp(key, "Irq") == 0;
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        int r;

        if (!set)
                return -ENOMEM;
        r = parse_id_list(v, set);
        if (r == -ENOMEM) {
                hwloc_bitmap_free(set);
                return r;
        }
        if (r == -ENODATA)
                file_error(c, line, "%s=: expected %s, like %s", key,
                           irq ? "IRQ numbers" : "NUMA node ids", irq ? "24-31 40" : "0 1");
        else if (r < 0)
                file_error(c, line, "%s=%s: not a list of %s; write it like %s", key, v,
                           irq ? "IRQ numbers" : "NUMA node ids", irq ? "24-31 40" : "0 1");
        if (r < 0) {
                hwloc_bitmap_free(set);
                return 0;
        }
        hwloc_bitmap_free(*slot);
        *slot = set;
        return 1;
}

static int read_match(struct file_ctx *c, struct config_rule *rule)
{
        for (unsigned k = 0; k < _MATCH_MAX; k++) {
                unsigned line = c->key_lines[SECTION_MATCH][k];
                g_autofree char *v = NULL;
                int r;

                if (!line)
                        continue;
                switch ((enum rule_match_key) k) {
                case MATCH_NAME:
                        r = read_globs(c, MATCH_NAME, line, &rule->names);
                        break;
                case MATCH_DRIVER:
                        r = read_globs(c, MATCH_DRIVER, line, &rule->drivers);
                        break;
                case MATCH_DEVICE:
                        r = read_globs(c, MATCH_DEVICE, line, &rule->devices);
                        break;
                case MATCH_INTERFACE:
                        r = read_globs(c, MATCH_INTERFACE, line, &rule->interfaces);
                        break;
                case MATCH_IRQ:
                case MATCH_NODE:
                case MATCH_CLASS:
                        v = read_value(c, SECTION_MATCH, k);
                        if (!v)
                                continue;
                        if (k == MATCH_CLASS)
                                r = read_classes(c, line, v, &rule->classes);
                        else
                                r = read_ids(c, line, match_keys[k], v,
                                             k == MATCH_IRQ ? &rule->irqs : &rule->nodes);
                        break;
                default:
                        r = 0;
                        break;
                }
                if (r < 0)
                        return r;
                /* The line marks a key as given: only with a value rules can use. */
                if (r > 0)
                        rule->match_lines[k] = line;
        }
        return 0;
}

static int read_placement_key(struct file_ctx *c, struct config_rule *rule,
                              enum rule_placement_key k, const char *v, unsigned line)
{
        const char *key = placement_keys[k];
        double x;
        int b;

        switch (k) {
        case PLACE_BAN:
        case PLACE_EXCLUSIVE:
                b = parse_bool(v);
                if (b < 0) {
                        bool_error(c, line, key, v);
                        return 0;
                }
                if (k == PLACE_BAN)
                        rule->ban = b;
                else
                        rule->exclusive = b;
                return 1;
        case PLACE_CPUS:
                return read_cpus(c, line, key, v, false, &rule->cpus);
        case PLACE_NODE:
                if (!parse_node_id(v, &rule->node)) {
                        file_error(c, line, "Node=%s: expected one NUMA node id, like 0", v);
                        return 0;
                }
                return 1;
        case PLACE_POLICY:
                if (!policy_find(v)) {
                        policy_error(c, line, v);
                        return 0;
                }
                free(rule->policy);
                rule->policy = strdup(v);
                return rule->policy ? 1 : -ENOMEM;
        case PLACE_WEIGHT:
                if (!parse_number(v, &x) || x <= 0 || x > WEIGHT_MAX) {
                        file_error(c, line, "Weight=%s: expected a factor above 0 and at most %g, "
                                   "like 2 or 0.5", v, WEIGHT_MAX);
                        return 0;
                }
                rule->weight = x;
                return 1;
        case _PLACE_MAX:
                break;
        }
        return 0;
}

static int read_placement(struct file_ctx *c, struct config_rule *rule)
{
        for (unsigned k = 0; k < _PLACE_MAX; k++) {
                unsigned line = c->key_lines[SECTION_PLACEMENT][k];
                g_autofree char *v = NULL;
                int r;

                if (!line)
                        continue;
                v = read_value(c, SECTION_PLACEMENT, k);
                if (!v)
                        continue;
                r = read_placement_key(c, rule, (enum rule_placement_key) k, v, line);
                if (r < 0)
                        return r;
                if (r > 0)
                        rule->placement_lines[k] = line;
        }
        if (rule->placement_lines[PLACE_BAN] && rule->ban)
                for (unsigned k = 0; k < _PLACE_MAX; k++)
                        if (k != PLACE_BAN && rule->placement_lines[k])
                                file_warning(c, rule->placement_lines[k], "Ban=yes: irqbald never "
                                             "touches the IRQ, so %s= has no effect",
                                             placement_keys[k]);
        return 0;
}

static void rule_done(struct config_rule *r)
{
        hwloc_bitmap_free(r->irqs);
        strv_free(r->names);
        strv_free(r->drivers);
        strv_free(r->devices);
        strv_free(r->interfaces);
        hwloc_bitmap_free(r->nodes);
        hwloc_bitmap_free(r->cpus);
        free(r->policy);
        *r = (struct config_rule) {};
}

static int read_rule(struct file_ctx *c)
{
        unsigned match = c->section_lines[SECTION_MATCH];
        unsigned placement = c->section_lines[SECTION_PLACEMENT];
        struct config *conf = c->conf;
        struct config_rule rule = {
                .file = c->file, .match_line = match, .node = -1, .weight = 1.0,
        };
        struct config_rule *rules;
        int r;

        if (!match && !placement)
                return 0;
        if (match && !placement)
                file_error(c, match, "[Match] without [Placement]: a rule needs both; add "
                           "[Placement] with CPUs=, Node=, Ban= or another key");
        if (placement && !match)
                file_error(c, placement, "[Placement] without [Match]: a rule needs both; add "
                           "[Match] saying which IRQs it is for, like Name=eth0-TxRx-*");
        if (match && c->n_keys[SECTION_MATCH] == 0)
                file_error(c, match, "[Match] has no keys, so it would match every IRQ; to mean "
                           "that, write Name=*");
        if (placement && c->n_keys[SECTION_PLACEMENT] == 0)
                file_warning(c, placement, "[Placement] has no keys, so this rule changes "
                             "nothing; add CPUs=, Node=, Policy=, Weight=, Exclusive= or Ban=");
        r = read_match(c, &rule);
        if (r >= 0)
                r = read_placement(c, &rule);
        if (r < 0 || !match || !placement) {
                rule_done(&rule);
                return r;
        }
        rules = reallocarray(conf->rules, conf->n_rules + 1, sizeof(*rules));
        if (!rules) {
                rule_done(&rule);
                return -ENOMEM;
        }
        conf->rules = rules;
        conf->rules[conf->n_rules++] = rule;
        return 0;
}

static int parse_file(struct file_ctx *c, char *text, size_t len)
{
        g_autoptr(GError) err = NULL;
        int r = 0;

        if (memchr(text, 0, len)) {
                file_error(c, 0, "not a text file: it holds a NUL byte");
                return 0;
        }
        scan_lines(c, text, len);
        c->kf = g_key_file_new();
        if (!g_key_file_load_from_data(c->kf, text, len, G_KEY_FILE_NONE, &err)) {
                file_error(c, 0, "%s", err->message);
                return 0;
        }
        if (c->section_lines[SECTION_DAEMON])
                r = read_daemon(c);
        if (r >= 0 && c->dropin)
                r = read_rule(c);
        return r;
}

/* ---- Reading files through the root ------------------------------------------------- */

static const char *file_type(mode_t m)
{
        return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
               S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
               S_ISLNK(m) ? "a symlink" : S_ISREG(m) ? "a regular file" : "of an unknown type";
}

/* A file or directory that steers a root daemon must be writable by root alone (or by
 * the daemon's own user, when it runs as one): anyone else who can write it can make
 * irqbald move interrupts onto real-time CPUs. */
static bool check_trusted(struct config_diags *d, const char *path, const struct stat *st, bool dir)
{
        bool owner = st->st_uid != 0 && st->st_uid != geteuid();
        bool world = st->st_mode & S_IWOTH;
        bool group = !world && (st->st_mode & S_IWGRP);
        char who[128], fix[PATH_MAX * 2 + 64];
        int n = 0, m = 0;

        if (!owner && !world && !group)
                return true;
        who[0] = fix[0] = 0;
        if (owner) {
                n += snprintf(who + n, sizeof(who) - (size_t) n, "owned by uid %u",
                              (unsigned) st->st_uid);
                m += snprintf(fix + m, sizeof(fix) - (size_t) m, "chown root:root %s", path);
        }
        if (world || group) {
                if (world)
                        snprintf(who + n, sizeof(who) - (size_t) n, "%sworld-writable",
                                 n ? " and " : "");
                else
                        snprintf(who + n, sizeof(who) - (size_t) n, "%swritable by group %u",
                                 n ? " and " : "", (unsigned) st->st_gid);
                snprintf(fix + m, sizeof(fix) - (size_t) m, "%schmod go-w %s",
                         m ? " && " : "", path);
        }
        config_diag_add(d, CONFIG_ERROR, path, 0, "refused: %s (mode %04o); a %s must be "
                        "writable only by root: %s", who, (unsigned) (st->st_mode & 07777),
                        dir ? "directory of files that steer irqbald" : "file that steers irqbald",
                        fix);
        return false;
}

/* Reads PATH through the root once it proved trustworthy. LINK is the target when PATH
 * is a symlink. 1 = *RET holds the text, 0 = nothing to read (missing, or reported),
 * -errno on failure. */
static int read_trusted(const struct irqbal_root *root, const char *path, const char *link,
                        struct config_diags *d, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;
        int r;

        /* stat() before open(): opening a device node can have effects; a FIFO would
         * block. Then fstat() on what was opened, which is what gets read. */
        r = root_stat(root, path, &st);
        if (r == -ENOENT && link)
                config_diag_add(d, CONFIG_WARNING, path, 0, "is a symlink to %s, which does not "
                                "exist; ignored", link);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                config_diag_add(d, CONFIG_ERROR, path, 0, "cannot read it: %s", strerror(-r));
                return 0;
        }
        if (!S_ISREG(st.st_mode)) {
                config_diag_add(d, CONFIG_WARNING, path, 0, "not a regular file but %s; ignored",
                                file_type(st.st_mode));
                return 0;
        }
        fd = root_openat(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd == -ENOENT)
                return 0;       /* removed since: as if never there */
        if (fd == -ENOMEM)
                return fd;
        if (fd < 0) {
                config_diag_add(d, CONFIG_ERROR, path, 0, "cannot read it: %s", strerror(-fd));
                return 0;
        }
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode)) {
                config_diag_add(d, CONFIG_WARNING, path, 0, "not a regular file but %s; ignored",
                                file_type(st.st_mode));
                return 0;
        }
        if (!check_trusted(d, path, &st, false))
                return 0;
        buf = malloc(FILE_SIZE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        /* One byte more than allowed tells a file at the limit from a longer one. */
        while (len <= FILE_SIZE_MAX) {
                ssize_t n = read(fd, buf + len, FILE_SIZE_MAX + 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = negative_errno();
                        config_diag_add(d, CONFIG_ERROR, path, 0, "cannot read it: %s", strerror(-r));
                        return 0;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (len > FILE_SIZE_MAX) {
                config_diag_add(d, CONFIG_ERROR, path, 0, "refused: larger than %d KiB, which no "
                                "configuration needs; is this the right file?", FILE_SIZE_MAX / 1024);
                return 0;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 1;
}

/* Reads, checks and applies one file over what CONF holds. */
static int load_file(const struct irqbal_root *root, struct config *conf, const char *path,
                     bool dropin, const char *link, struct config_diags *diags)
{
        struct file_ctx c = { .conf = conf, .file = path, .dropin = dropin };
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = read_trusted(root, path, link, &c.diags, &text, &len);
        if (r > 0) {
                char **files = reallocarray(conf->files, conf->n_files + 1, sizeof(char *));
                char *name = strdup(path);

                if (files)
                        conf->files = files;
                if (!files || !name) {
                        free(name);
                        r = -ENOMEM;
                } else {
                        /* Origins and rules point at this copy. */
                        conf->files[conf->n_files++] = name;
                        c.file = name;
                        r = parse_file(&c, text, len);
                }
        }
        diags_move_sorted(diags, &c.diags);
        if (c.kf)
                g_key_file_free(c.kf);
        return r < 0 ? r : 0;
}

struct dropin {
        char *name;
        unsigned dir;           /* index into config_dropin_dirs */
        char *link;             /* the symlink's target; NULL when not a symlink */
};

static void dropins_free(struct dropin *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].link);
        }
        free(v);
}

static int dropin_cmp(const void *a, const void *b)
{
        return strcmp(((const struct dropin *) a)->name, ((const struct dropin *) b)->name);
}

static bool dropin_name_ok(const char *name)
{
        size_t len = strlen(name), suffix = strlen(CONFIG_DROPIN_SUFFIX);

        /* Hidden names are editors' and irqbalctl's temporary files. */
        return name[0] != '.' && len > suffix &&
               strcmp(name + len - suffix, CONFIG_DROPIN_SUFFIX) == 0;
}

/* Adds one directory's names to V: a name seen in an earlier (lower) directory is
 * replaced, so that each name ends up with its highest-precedence file. */
static int list_dir(const struct irqbal_root *root, unsigned dir, struct dropin **v, size_t *n,
                    struct config_diags *diags)
{
        const char *path = config_dropin_dirs[dir];
        struct dirent *de;
        struct stat st;
        DIR *dp;
        int r;

        r = root_stat(root, path, &st);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                config_diag_add(diags, CONFIG_ERROR, path, 0, "cannot read the directory: %s",
                                strerror(-r));
                return 0;
        }
        if (!S_ISDIR(st.st_mode)) {
                config_diag_add(diags, CONFIG_WARNING, path, 0, "not a directory but %s; ignored",
                                file_type(st.st_mode));
                return 0;
        }
        if (!check_trusted(diags, path, &st, true))
                return 0;
        r = root_opendir(root, path, &dp);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                config_diag_add(diags, CONFIG_ERROR, path, 0, "cannot read the directory: %s",
                                strerror(-r));
                return 0;
        }
        r = 0;
        while ((de = readdir(dp))) {
                _cleanup_free_ char *file = NULL;
                char *link = NULL, *name;
                size_t i;

                if (!dropin_name_ok(de->d_name))
                        continue;
                if (asprintf(&file, "%s/%s", path, de->d_name) < 0) {
                        file = NULL;
                        r = -ENOMEM;
                        break;
                }
                r = root_readlink(root, file, &link);
                if (r == -ENOMEM)
                        break;
                if (r == -ENOENT) {
                        r = 0;
                        continue;       /* gone since readdir() */
                }
                if (r < 0)
                        link = NULL;    /* -EINVAL: not a symlink */
                r = 0;
                for (i = 0; i < *n; i++)
                        if (strcmp((*v)[i].name, de->d_name) == 0)
                                break;
                if (i < *n) {
                        free((*v)[i].link);
                        (*v)[i].link = link;
                        (*v)[i].dir = dir;
                        continue;
                }
                name = strdup(de->d_name);
                if (name) {
                        struct dropin *grown = reallocarray(*v, *n + 1, sizeof(**v));

                        if (grown) {
                                *v = grown;
                                (*v)[(*n)++] = (struct dropin) {
                                        .name = name, .dir = dir, .link = link,
                                };
                                continue;
                        }
                }
                free(name);
                free(link);
                r = -ENOMEM;
                break;
        }
        closedir(dp);
        return r;
}

static void config_defaults(struct config_daemon *d)
{
        struct policy_params p;

        /* The values irqbald runs with when no file sets them (options.c has the same). */
        policy_params_default(&p);
        d->interval = INTERVAL_DEFAULT;
        d->ban_isolated = true;
        d->restore_on_exit = true;
        d->respect_external_pins = true;
        d->hysteresis = p.hysteresis;
        d->pack_low = p.pack_low;
        d->pack_high = p.pack_high;
}

static bool is_mask(const char *link)
{
        return link && strcmp(link, "/dev/null") == 0;
}

int config_load(const struct irqbal_root *root, struct config *ret, struct config_diags *diags)
{
        struct config conf = {};
        struct dropin *dropins = NULL;
        _cleanup_free_ char *main_link = NULL;
        size_t n = 0, errors = diags->errors;
        int r;

        config_defaults(&conf.daemon);
        r = root_readlink(root, CONFIG_MAIN_FILE, &main_link);
        if (r == -ENOMEM)
                goto fail;
        if (r < 0)
                main_link = NULL;
        /* Masked like a drop-in: a /dev/null symlink means "no irqbald.conf". */
        if (!is_mask(main_link)) {
                r = load_file(root, &conf, CONFIG_MAIN_FILE, false, main_link, diags);
                if (r < 0)
                        goto fail;
        }
        for (unsigned i = 0; config_dropin_dirs[i]; i++) {
                r = list_dir(root, i, &dropins, &n, diags);
                if (r < 0)
                        goto fail;
        }
        if (n > 0)
                qsort(dropins, n, sizeof(*dropins), dropin_cmp);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (is_mask(dropins[i].link)) {
                        char **masked = reallocarray(conf.masked, conf.n_masked + 1,
                                                     sizeof(char *));

                        r = -ENOMEM;
                        if (!masked)
                                goto fail;
                        conf.masked = masked;
                        conf.masked[conf.n_masked] = strdup(dropins[i].name);
                        if (!conf.masked[conf.n_masked])
                                goto fail;
                        conf.n_masked++;
                        continue;
                }
                if (asprintf(&path, "%s/%s", config_dropin_dirs[dropins[i].dir],
                             dropins[i].name) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                r = load_file(root, &conf, path, true, dropins[i].link, diags);
                if (r < 0)
                        goto fail;
        }
        dropins_free(dropins, n);
        *ret = conf;
        return diags->errors > errors ? -EINVAL : 0;
fail:
        dropins_free(dropins, n);
        config_done(&conf);
        *ret = conf;
        return r;
}

void config_done(struct config *conf)
{
        struct config_daemon *d = &conf->daemon;

        for (size_t i = 0; i < conf->n_files; i++)
                free(conf->files[i]);
        free(conf->files);
        for (size_t i = 0; i < conf->n_masked; i++)
                free(conf->masked[i]);
        free(conf->masked);
        free(d->policy);
        hwloc_bitmap_free(d->banned_cpus);
        hwloc_bitmap_free(d->housekeeping_cpus);
        for (size_t i = 0; i < conf->n_rules; i++)
                rule_done(&conf->rules[i]);
        free(conf->rules);
        *conf = (struct config) {};
}

/* ---- Against this machine ----------------------------------------------------------- */

/* "CPU 64 does not exist" / "CPUs 64-127 do not exist" for the part of SET the machine
 * lacks; an error when it lacks all of SET. Returns false when nothing of SET exists. */
static bool check_cpus_exist(struct config_diags *d, const struct topology *topo,
                             const struct config_origin *o, const char *key,
                             hwloc_const_bitmap_t set, int *err)
{
        _cleanup_free_ char *list = NULL, *missing_list = NULL, *all = NULL;
        hwloc_bitmap_t missing;
        bool single;

        if (!set || hwloc_bitmap_iszero(set))
                return true;
        missing = hwloc_bitmap_alloc();
        if (!missing) {
                *err = -ENOMEM;
                return true;
        }
        hwloc_bitmap_andnot(missing, set, topo->all);
        if (hwloc_bitmap_iszero(missing)) {
                hwloc_bitmap_free(missing);
                return true;
        }
        single = hwloc_bitmap_weight(missing) == 1;
        list = cpulist_format(set);
        missing_list = cpulist_format(missing);
        all = cpulist_format(topo->all);
        hwloc_bitmap_free(missing);
        if (!list || !missing_list || !all) {
                *err = -ENOMEM;
                return true;
        }
        if (!hwloc_bitmap_intersects(set, topo->all)) {
                config_diag_add(d, CONFIG_ERROR, o->file, o->line, "%s=%s: %s on this machine "
                                "(it has %s)", key, list,
                                single ? "this CPU does not exist" : "none of these CPUs exist", all);
                return false;
        }
        config_diag_add(d, CONFIG_WARNING, o->file, o->line, "%s=%s: CPU%s %s %s not exist on this "
                        "machine (it has %s); %s ignored", key, list, single ? "" : "s", missing_list,
                        single ? "does" : "do", all, single ? "it is" : "they are");
        return true;
}

static char *node_list(const struct topology *topo)
{
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        char *s;

        if (!set)
                return NULL;
        for (size_t i = 0; i < topo->n_nodes; i++)
                if (topo->nodes[i].os_index >= 0)
                        hwloc_bitmap_set(set, (unsigned) topo->nodes[i].os_index);
        s = cpulist_format(set);
        hwloc_bitmap_free(set);
        return s;
}

int config_check_machine(const struct config *conf, const struct topology *topo,
                         struct config_diags *diags)
{
        const struct config_daemon *d = &conf->daemon;
        _cleanup_free_ char *nodes = node_list(topo);
        size_t errors = diags->errors;
        int err = 0;

        if (!nodes)
                return -ENOMEM;
        if (d->banned_cpus_origin.file)
                check_cpus_exist(diags, topo, &d->banned_cpus_origin, "BannedCPUs",
                                 d->banned_cpus, &err);
        if (d->housekeeping_cpus_origin.file && d->housekeeping_cpus &&
            check_cpus_exist(diags, topo, &d->housekeeping_cpus_origin, "HousekeepingCPUs",
                             d->housekeeping_cpus, &err) &&
            !hwloc_bitmap_intersects(d->housekeeping_cpus, topo->usable)) {
                _cleanup_free_ char *list = cpulist_format(d->housekeeping_cpus);

                config_diag_add(diags, CONFIG_ERROR, d->housekeeping_cpus_origin.file,
                                d->housekeeping_cpus_origin.line, "HousekeepingCPUs=%s: none of "
                                "these CPUs is usable (they are offline, isolated or banned); "
                                "housekeeping needs at least one", list ? list : "");
        }
        for (size_t i = 0; i < conf->n_rules; i++) {
                const struct config_rule *rule = &conf->rules[i];
                unsigned cpus_line = rule->placement_lines[PLACE_CPUS];
                unsigned node_line = rule->placement_lines[PLACE_NODE];
                unsigned match_node_line = rule->match_lines[MATCH_NODE];

                /* In file order: [Match] first. */
                if (match_node_line && rule->nodes) {
                        bool any = false;

                        for (size_t n = 0; n < topo->n_nodes && !any; n++)
                                any = topo->nodes[n].os_index >= 0 &&
                                      hwloc_bitmap_isset(rule->nodes,
                                                         (unsigned) topo->nodes[n].os_index);
                        if (!any) {
                                _cleanup_free_ char *list = cpulist_format(rule->nodes);

                                config_diag_add(diags, CONFIG_WARNING, rule->file, match_node_line,
                                                "Node=%s: this machine has node%s %s, so this rule "
                                                "matches nothing here", list ? list : "",
                                                topo->n_nodes == 1 ? "" : "s", nodes);
                        }
                }
                if (cpus_line && rule->cpus) {
                        struct config_origin o = { .file = rule->file, .line = cpus_line };

                        if (check_cpus_exist(diags, topo, &o, "CPUs", rule->cpus, &err) &&
                            !hwloc_bitmap_intersects(rule->cpus, topo->usable)) {
                                _cleanup_free_ char *list = cpulist_format(rule->cpus);

                                config_diag_add(diags, CONFIG_WARNING, rule->file, cpus_line,
                                                "CPUs=%s: none of these CPUs is usable (they are "
                                                "offline, isolated or banned), so this rule has "
                                                "nowhere to put its IRQs", list ? list : "");
                        }
                }
                if (node_line && !topology_node(topo, rule->node))
                        config_diag_add(diags, CONFIG_ERROR, rule->file, node_line,
                                        "Node=%d: this machine has node%s %s", rule->node,
                                        topo->n_nodes == 1 ? "" : "s", nodes);
        }
        if (err < 0)
                return err;
        return diags->errors > errors ? -EINVAL : 0;
}
