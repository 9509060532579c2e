/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irqbal/log.h"

static int max_level = LOG_INFO;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",   [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
        [LOG_ERR] = "err",       [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",     [LOG_DEBUG] = "debug",
};

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

int log_level_from_string(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcmp(s, level_names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *log_level_to_string(int level)
{
        if (level < 0 || (size_t) level >= ELEMENTSOF(level_names))
                return NULL;
        return level_names[level];
}

/* Under systemd, stderr goes to the journal, which reads a "<N>" prefix as the
 * priority; on a terminal a plain message reads better. */
static int stderr_is_journal(void)
{
        static int cached = -1;

        if (cached < 0)
                cached = getenv("JOURNAL_STREAM") != NULL;
        return cached;
}

int log_internal(int level, int error, const char *file, int line, const char *format, ...)
{
        int saved_errno = errno;
        va_list ap;

        if (error < 0)
                error = -error;
        if (level <= max_level) {
                char buf[2048];

                /* glibc expands %m from errno: point it at the error we were given. */
                errno = error;
                va_start(ap, format);
                vsnprintf(buf, sizeof(buf), format, ap);
                va_end(ap);

                if (stderr_is_journal())
                        fprintf(stderr, "<%d>%s\n", level, buf);
                else if (max_level >= LOG_DEBUG)
                        fprintf(stderr, "%s:%d: %s\n", file, line, buf);
                else
                        fprintf(stderr, "%s\n", buf);
        }
        errno = saved_errno;
        return -error;
}
