/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <syslog.h>

#include "irqbal/macro.h"

/* Levels are syslog's (LOG_ERR … LOG_DEBUG), so that the journal prefix "<N>" is the
 * level itself. */
void log_set_max_level(int level);
int log_get_max_level(void);
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* Where messages go (LogControl1's LogTarget): "console" (stderr), "journal",
 * "syslog", "kmsg" or "null". Until set, stderr, with "<N>" prefixes when it is
 * connected to the journal. */
int log_set_target_from_string(const char *s);
const char *log_get_target_string(void);

/* Returns -abs(error) so that callers can write "return log_error_errno(r, …);".
 * "%m" in the format stands for strerror(error). */
int log_internal(int level, int error, const char *file, int line, const char *format, ...)
        _printf_(5, 6);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __VA_ARGS__)
#define log_full(level, ...) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)
