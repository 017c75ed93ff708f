/*
 * buf.c - the growable buffer: doubling growth, a hard cap checked before
 * any allocation, and for secrets copy-and-wipe instead of realloc, which
 * could leave the old bytes in freed memory.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define NO_CAP ((size_t)-1 / 2)

void aksnet__buf_init(struct aksnet__buf *b, size_t max, bool secret)
{
    memset(b, 0, sizeof(*b));
    b->max = max ? max : NO_CAP;
    b->secret = secret;
}

/* Room for need more bytes and the NUL; a secret's old block is wiped, not realloc'd. */
static aksnet_code grow(struct aksnet__buf *b, size_t need)
{
    if (need > b->max - b->len)
        return AKSNET_EINVAL;
    if (b->data && b->len + need + 1 <= b->cap)
        return AKSNET_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + need + 1)
        cap *= 2;
    if (!b->secret) {
        char *more = realloc(b->data, cap);
        if (!more)
            return AKSNET_ENOMEM;
        b->data = more;
        b->cap = cap;
        return AKSNET_OK;
    }
    char *more = malloc(cap);
    if (!more)
        return AKSNET_ENOMEM;
    if (b->data) {
        memcpy(more, b->data, b->len + 1);
        OPENSSL_cleanse(b->data, b->cap);
        free(b->data);
    }
    b->data = more;
    b->cap = cap;
    return AKSNET_OK;
}

aksnet_code aksnet__buf_add(struct aksnet__buf *b, const void *data, size_t n)
{
    aksnet_code rc = grow(b, n);
    if (rc != AKSNET_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return AKSNET_OK;
}

aksnet_code aksnet__buf_addf(struct aksnet__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return AKSNET_EINVAL;
    aksnet_code rc = grow(b, (size_t)n);
    if (rc != AKSNET_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return AKSNET_OK;
}

const char *aksnet__buf_str(const struct aksnet__buf *b)
{
    return b->data ? b->data : "";
}

char *aksnet__buf_take(struct aksnet__buf *b)
{
    char *out = b->data ? b->data : calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}

void aksnet__buf_free(struct aksnet__buf *b)
{
    if (b->data && b->secret)
        OPENSSL_cleanse(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
