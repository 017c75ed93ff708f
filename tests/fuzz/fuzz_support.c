/*
 * fuzz_support.c - input reading and the shared invariants of the fuzz
 * targets (fuzz_support.h says what each does).
 */
#include "fuzz_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

uint8_t fz_byte(struct fz_input *in, uint8_t dflt)
{
    if (in->n == 0)
        return dflt;
    in->n--;
    return *in->p++;
}

char *fz_piece(struct fz_input *in, const char *sep, size_t *len)
{
    size_t k = strlen(sep), n = in->n;
    for (size_t i = 0; k && in->n >= k && i <= in->n - k; i++) {
        if (memcmp(in->p + i, sep, k) == 0) {
            n = i;
            break;
        }
    }
    char *out = malloc(n + 1);
    if (!out)
        abort();
    if (n)
        memcpy(out, in->p, n);
    out[n] = '\0';
    if (len)
        *len = n;
    size_t used = n < in->n ? n + k : n;
    in->p += used;
    in->n -= used;
    return out;
}

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "%s:%d: invariant broken: %s: ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

bool fz_text_ok(const char *s, size_t size)
{
    const char *end = memchr(s, '\0', size);
    if (!end)
        return false;
    size_t n = (size_t)(end - s);
    if (aksnet__utf8_invalid_offset(s, n) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

void fz_check_error(const struct aksnet_error *err, const char *what)
{
    FZ_CHECK((int)err->code >= 0 && err->code < AKSNET_ECODE_COUNT, "%s: code %d", what, (int)err->code);
    FZ_CHECK(fz_text_ok(err->message, sizeof(err->message)), "%s: message '%.600s'", what, err->message);
    FZ_CHECK(fz_text_ok(err->arm_code, sizeof(err->arm_code)), "%s: arm_code '%.200s'", what, err->arm_code);
    FZ_CHECK(fz_text_ok(err->arm_message, sizeof(err->arm_message)), "%s: arm_message '%.1100s'", what,
             err->arm_message);
    FZ_CHECK(fz_text_ok(err->request_id, sizeof(err->request_id)), "%s: request_id '%.100s'", what,
             err->request_id);
}

bool fz_contains(const char *text, const char *needle)
{
    return text && needle && *needle && strstr(text, needle) != NULL;
}
