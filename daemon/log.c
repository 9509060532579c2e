/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <systemd/sd-journal.h>

#include "irqbal/log.h"

static int max_level = LOG_INFO;

enum log_target {
        LOG_TARGET_AUTO,        /* stderr; journal-style prefixes when it is the journal */
        LOG_TARGET_CONSOLE,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_SYSLOG,
        LOG_TARGET_KMSG,
        LOG_TARGET_NULL,
        _LOG_TARGET_MAX,
};

static enum log_target target = LOG_TARGET_AUTO;

static const char *const target_names[_LOG_TARGET_MAX] = {
        [LOG_TARGET_AUTO] = "auto",
        [LOG_TARGET_CONSOLE] = "console",
        [LOG_TARGET_JOURNAL] = "journal",
        [LOG_TARGET_SYSLOG] = "syslog",
        [LOG_TARGET_KMSG] = "kmsg",
        [LOG_TARGET_NULL] = "null",
};

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

static int stderr_is_journal(void);

int log_set_target_from_string(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(target_names); i++)
                if (strcmp(s, target_names[i]) == 0) {
                        target = (enum log_target) i;
                        if (target == LOG_TARGET_SYSLOG)
                                openlog("irqbald", LOG_PID | LOG_NDELAY, LOG_DAEMON);
                        return 0;
                }
        return -EINVAL;
}

const char *log_get_target_string(void)
{
        if (target == LOG_TARGET_AUTO)
                return stderr_is_journal() ? "journal" : "console";
        return target_names[target];
}

/* /dev/kmsg takes one record per write(); it is opened per message, as kmsg is a
 * target for early-boot debugging, not for volume. */
static void log_kmsg(int level, const char *msg)
{
        char buf[2100];
        int fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        int n;

        if (fd < 0)
                return;
        n = snprintf(buf, sizeof(buf), "<%d>irqbald[%d]: %s\n", LOG_DAEMON | level, (int) getpid(), msg);
        if (n > 0)
                (void) !write(fd, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
        close(fd);
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

                if (target == LOG_TARGET_NULL)
                        ;
                else if (target == LOG_TARGET_SYSLOG)
                        syslog(level, "%s", buf);
                else if (target == LOG_TARGET_KMSG)
                        log_kmsg(level, buf);
                else if (target == LOG_TARGET_JOURNAL &&
                         sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%d", level,
                                         "SYSLOG_IDENTIFIER=irqbald", "CODE_FILE=%s", file,
                                         "CODE_LINE=%d", line, NULL) >= 0)
                        ;
                else if (target != LOG_TARGET_CONSOLE && stderr_is_journal())
                        fprintf(stderr, "<%d>%s\n", level, buf);
                else if (max_level >= LOG_DEBUG)
                        fprintf(stderr, "%s:%d: %s\n", file, line, buf);
                else
                        fprintf(stderr, "%s\n", buf);
        }
        errno = saved_errno;
        return -error;
}
