#include <string.h>

#include "common/err.h"
#include "tuf/profile.h"

const char *
ta_profile_name(enum ta_profile p)
{
	switch (p) {
	case TA_PROFILE_NOTARY:
		return "notary";
	case TA_PROFILE_TUF:
		return "tuf";
	}
	return "unknown";
}

int
ta_profile_from_name(const char *s, enum ta_profile *ret_p)
{
	if (s == NULL || ret_p == NULL)
		return TA_ERR_INVALID;
	if (strcmp(s, "notary") == 0)
		*ret_p = TA_PROFILE_NOTARY;
	else if (strcmp(s, "tuf") == 0)
		*ret_p = TA_PROFILE_TUF;
	else
		return TA_ERR_INVALID;
	return 0;
}

bool
ta_profile_valid(enum ta_profile p)
{
	return p == TA_PROFILE_NOTARY || p == TA_PROFILE_TUF;
}
