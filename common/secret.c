#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/err.h"
#include "common/secret.h"

struct ta_secret *
ta_secret_new(size_t cap)
{
	struct ta_secret *s;
	long pg = sysconf(_SC_PAGESIZE);
	size_t maplen;
	void *p;

	if (cap == 0 || cap > TA_SECRET_MAX || pg <= 0)
		return NULL;
	maplen = ((cap + 1 + (size_t)pg - 1) / (size_t)pg) * (size_t)pg;
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, maplen, MADV_DONTDUMP);
	(void)madvise(p, maplen, MADV_WIPEONFORK);
	(void)mlock(p, maplen); /* best effort: RLIMIT_MEMLOCK may forbid it */
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)munmap(p, maplen);
		return NULL;
	}
	s->data = p;
	s->cap = maplen - 1;
	if (s->cap > cap)
		s->cap = cap;
	return s;
}

struct ta_secret *
ta_secret_from(const void *p, size_t len)
{
	struct ta_secret *s = ta_secret_new(len ? len : 1);

	if (s == NULL)
		return NULL;
	if (ta_secret_append(s, p, len) != 0) {
		ta_secret_free(s);
		return NULL;
	}
	return s;
}

int
ta_secret_append(struct ta_secret *s, const void *p, size_t len)
{
	if (len > s->cap - s->len)
		return TA_ERR_TOO_LARGE;
	if (len == 0)
		return 0; /* p may be NULL: memcpy(d, NULL, 0) is undefined */
	memcpy(s->data + s->len, p, len);
	s->len += len;
	s->data[s->len] = '\0';
	return 0;
}

void
ta_secret_free(struct ta_secret *s)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t maplen;

	if (s == NULL)
		return;
	maplen = ((s->cap + 1 + (size_t)pg - 1) / (size_t)pg) * (size_t)pg;
	explicit_bzero(s->data, s->cap + 1);
	(void)munlock(s->data, maplen);
	(void)munmap(s->data, maplen);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void
ta_wipe(void *p, size_t len)
{
	if (p != NULL)
		explicit_bzero(p, len);
}

void
ta_wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void
ta_free_wiping(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}
