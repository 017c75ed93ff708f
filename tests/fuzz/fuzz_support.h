/*
 * fuzz_support.h - what the libFuzzer targets of tests/fuzz share: reading
 * an input piece by piece, and the invariants every target checks on what
 * aksnet makes of hostile input (text for a person is bounded, UTF-8 and
 * free of control characters).  A broken invariant prints why and aborts,
 * which libFuzzer reports as a crash and saves the input.
 */
#ifndef AKSNET_FUZZ_SUPPORT_H
#define AKSNET_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aksnet/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An input being consumed from the front. */
struct fz_input {
    const uint8_t *p;
    size_t n;
};

/* The next byte, or dflt when the input is used up. */
uint8_t fz_byte(struct fz_input *in, uint8_t dflt);

/*
 * The next piece up to the separator sep (not included; the separator is
 * consumed), or the rest when sep does not occur.  Returned as a
 * NUL-terminated malloc'd copy (embedded NULs kept: *len says how long).
 */
char *fz_piece(struct fz_input *in, const char *sep, size_t *len);

/* Abort with a message when cond is false: libFuzzer keeps the input as a crash. */
#define FZ_CHECK(cond, ...)                                                                                            \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                                           \
    } while (0)

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 4, 5)))
#endif
void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...);

/*
 * Text meant for a person (a message, a field of an error, a progress
 * line): NUL-terminated within size, well-formed UTF-8, and without control
 * characters (which could drive a terminal or split a log line).
 */
bool fz_text_ok(const char *s, size_t size);

/* Every text field of err passes fz_text_ok; the code is one of aksnet_code's. */
void fz_check_error(const struct aksnet_error *err, const char *what);

/* Does text hold needle (a plain byte search; an empty needle is never found)? */
bool fz_contains(const char *text, const char *needle);

#endif
