/* tufctl's notary client: the error text every layer fills
 * (client/notary_base.h). */
#include <stdarg.h>
#include <stdio.h>

#include "client/notary_base.h"

int
(tn_fail)(struct tn_error *e, int r, const char *fmt, ...)
{
	va_list ap;

	if (e != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
	}
	return r;
}
