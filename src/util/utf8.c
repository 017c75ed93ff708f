/*
 * utf8.c - a strict UTF-8 check (RFC 3629): the shortest form only, no
 * surrogates, nothing past U+10FFFF, and no NUL, which no text file of ours
 * may hold; and text from elsewhere made fit to show.
 */
#include "utf8.h"

#include <string.h>

size_t aksnet__utf8_invalid_offset(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned min;
        if (c == 0)
            return i;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) {
            n = 1;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
            n = 3;
            min = 0x10000;
        } else {
            return i;
        }
        if (i + n >= len)
            return i;
        unsigned cp = c & (0x3fu >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n + 1;
    }
    return len;
}


void aksnet__utf8_trim_partial(char *s)
{
    size_t n = strlen(s), i = n, cont = 0;
    while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        cont++;
    }
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (lead >= 0xC0 && need > cont + 1)
        s[i - 1] = '\0';
}

/* Bytes of the character a well-formed sequence starts with. */
static size_t char_len(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

char *aksnet__utf8_sanitize(char *dst, size_t size, const char *src)
{
    size_t len = src ? strlen(src) : 0, i = 0, w = 0;
    while (i < len && w + 1 < size) {
        size_t good = aksnet__utf8_invalid_offset(src + i, len - i);
        if (good == 0) {
            dst[w++] = '?';
            i++;
            continue;
        }
        for (size_t end = i + good; i < end;) {
            unsigned char c = (unsigned char)src[i];
            size_t n = char_len(c);
            if (w + n >= size) {
                i = len; /* does not fit: cut before it */
                break;
            }
            if (n == 1)
                dst[w] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
            else
                memcpy(dst + w, src + i, n);
            w += n;
            i += n;
        }
    }
    dst[w] = '\0';
    return dst;
}
