/*
 * utf8.h - is this text UTF-8?  Plans, ARM bodies and tokens are
 * JSON, which must be UTF-8; cJSON passes invalid bytes through, so the
 * check happens before parsing.
 */
#ifndef AKSNET_UTF8_H
#define AKSNET_UTF8_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Offset of the first byte of text that is not well-formed UTF-8 (overlong
 * forms, surrogates, code points past U+10FFFF, truncated sequences) or is
 * a NUL byte; len when every byte is fine.
 */
size_t aksnet__utf8_invalid_offset(const char *text, size_t len);

/** A cut at the end of a buffer must not leave half a UTF-8 sequence behind: drop it. */
void aksnet__utf8_trim_partial(char *s);

/**
 * src (NULL reads as "") as text for a person, into dst of size bytes
 * (size > 0): control characters (below 0x20, and 0x7f) as ' ', so a
 * server's text cannot drive a terminal or split a log line; each byte
 * that is not part of well-formed UTF-8 as '?', so the text stays UTF-8
 * (JSON output needs it); cut on a character boundary when it does not
 * fit.  Returns dst.
 */
char *aksnet__utf8_sanitize(char *dst, size_t size, const char *src);

#ifdef __cplusplus
}
#endif
#endif
