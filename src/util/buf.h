/*
 * buf.h - a growable byte buffer with a size cap, in the manner of curl's
 * dynbuf (internal).
 *
 * Every body, form and program output that arrives piecemeal goes through
 * one: the cap keeps a rogue server or program from exhausting memory, and
 * a buffer marked secret (a token answer, a form with a client secret)
 * never leaves a copy behind: it grows by copying and wiping instead of
 * realloc, and is wiped when freed.
 */
#ifndef AKSNET__BUF_H
#define AKSNET__BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "aksnet/error.h"

struct aksnet__buf {
    char *data;    /**< NUL-terminated, or NULL while nothing was added */
    size_t len;    /**< bytes held, the NUL not counted */
    size_t cap;    /**< bytes allocated */
    size_t max;    /**< most bytes it may hold */
    bool secret;   /**< grow by copy-and-wipe, wipe when freed */
};

/** An empty buffer that holds at most max bytes (0: no cap but memory). */
void aksnet__buf_init(struct aksnet__buf *b, size_t max, bool secret);

/**
 * Append n bytes.  AKSNET_EINVAL when the cap would be passed (nothing is
 * added), AKSNET_ENOMEM when memory runs out; the buffer is unchanged then.
 */
aksnet_code aksnet__buf_add(struct aksnet__buf *b, const void *data, size_t n);

/** Append text formatted as by printf; the same failures. */
aksnet_code aksnet__buf_addf(struct aksnet__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** The content, "" when empty; valid until the next change. */
const char *aksnet__buf_str(const struct aksnet__buf *b);

/**
 * Hand the content over: a malloc'd NUL-terminated string ("" when empty;
 * NULL only when memory runs out), free it with free() or, for a secret
 * buffer, aksnet__secret_free.  The buffer is left empty.
 */
char *aksnet__buf_take(struct aksnet__buf *b);

/** Free the content (wiped first when secret) and leave the buffer empty.  The cap is kept. */
void aksnet__buf_free(struct aksnet__buf *b);

#endif
