#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"

static const char *log_prog = "tuf-agent";
static enum ta_log_level log_max = TA_LOG_INFO;

void
ta_log_init(const char *progname, enum ta_log_level max)
{
	const char *d = secure_getenv("TA_DEBUG");

	if (progname != NULL)
		log_prog = progname;
	log_max = max;
	if (d != NULL && strcmp(d, "1") == 0)
		log_max = TA_LOG_DEBUG;
}

void
ta_log(enum ta_log_level level, int r, const char *func, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level == TA_LOG_DEBUG)
		(void)fprintf(stderr, "%s: %s: %s%s%s\n", log_prog, func, msg, r ? ": " : "",
		    r ? ta_strerror(r) : "");
	else
		(void)fprintf(stderr, "%s: %s%s%s\n", log_prog, msg, r ? ": " : "",
		    r ? ta_strerror(r) : "");
}
