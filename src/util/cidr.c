/*
 * cidr.c - strict IPv4 prefix parsing and the arithmetic the validator and
 * the capacity calculator share.
 *
 * inet_pton does the address (it already refuses leading zeros, spaces and
 * short forms like "10.1"); the length is checked by hand because strtol
 * would accept "+8", " 8" and "08".
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t aksnet__cidr_mask(uint8_t len)
{
    if (len == 0)
        return 0;
    if (len >= 32)
        return 0xffffffffu;
    return 0xffffffffu << (32 - len);
}

bool aksnet__ip_parse(const char *text, uint32_t *out)
{
    struct in_addr a;
    if (!text || inet_pton(AF_INET, text, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

/* "0".."32", plain decimal: no sign, no space, no leading zero. */
static bool parse_length(const char *s, uint8_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 2 || (n == 2 && s[0] == '0'))
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 32)
        return false;
    *out = (uint8_t)v;
    return true;
}

aksnet__cidr_status aksnet__cidr_parse(const char *text, struct aksnet__cidr *out)
{
    if (!text || !*text)
        return AKSNET_CIDR_EMPTY;
    const char *slash = strchr(text, '/');
    if (!slash)
        return AKSNET_CIDR_NO_SLASH;
    char addr[AKSNET_IP_STRLEN];
    size_t alen = (size_t)(slash - text);
    if (alen == 0 || alen >= sizeof(addr))
        return AKSNET_CIDR_BAD_ADDRESS;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    uint32_t ip;
    if (!aksnet__ip_parse(addr, &ip))
        return AKSNET_CIDR_BAD_ADDRESS;
    uint8_t len;
    if (!parse_length(slash + 1, &len))
        return AKSNET_CIDR_BAD_LENGTH;
    out->addr = ip;
    out->len = len;
    if (ip & ~aksnet__cidr_mask(len))
        return AKSNET_CIDR_HOST_BITS;
    return AKSNET_CIDR_OK;
}

const char *aksnet__cidr_parse_strerror(aksnet__cidr_status status)
{
    switch (status) {
    case AKSNET_CIDR_OK: return "valid";
    case AKSNET_CIDR_EMPTY: return "empty";
    case AKSNET_CIDR_NO_SLASH: return "no prefix length (write it as a.b.c.d/len)";
    case AKSNET_CIDR_BAD_ADDRESS: return "not a dotted-quad IPv4 address";
    case AKSNET_CIDR_BAD_LENGTH: return "prefix length is not a whole number from 0 to 32";
    case AKSNET_CIDR_HOST_BITS: return "host bits are set after the prefix length";
    }
    return "invalid";
}

char *aksnet__ip_format(uint32_t addr, char buf[AKSNET_IP_STRLEN])
{
    snprintf(buf, AKSNET_IP_STRLEN, "%u.%u.%u.%u", (addr >> 24) & 0xffu, (addr >> 16) & 0xffu,
             (addr >> 8) & 0xffu, addr & 0xffu);
    return buf;
}

char *aksnet__cidr_format(const struct aksnet__cidr *cidr, char buf[AKSNET_CIDR_STRLEN])
{
    char ip[AKSNET_IP_STRLEN];
    snprintf(buf, AKSNET_CIDR_STRLEN, "%s/%u", aksnet__ip_format(cidr->addr, ip),
             (unsigned)cidr->len);
    return buf;
}

struct aksnet__cidr aksnet__cidr_network(struct aksnet__cidr cidr)
{
    cidr.addr &= aksnet__cidr_mask(cidr.len);
    return cidr;
}

uint64_t aksnet__cidr_size(const struct aksnet__cidr *cidr)
{
    return (uint64_t)1 << (32 - (cidr->len > 32 ? 32 : cidr->len));
}

uint32_t aksnet__cidr_last(const struct aksnet__cidr *cidr)
{
    return cidr->addr | ~aksnet__cidr_mask(cidr->len);
}

bool aksnet__cidr_nth(const struct aksnet__cidr *cidr, uint64_t n, uint32_t *out)
{
    if (n >= aksnet__cidr_size(cidr))
        return false;
    *out = cidr->addr + (uint32_t)n;
    return true;
}

bool aksnet__cidr_contains_ip(const struct aksnet__cidr *cidr, uint32_t addr)
{
    return (addr & aksnet__cidr_mask(cidr->len)) == cidr->addr;
}

bool aksnet__cidr_contains(const struct aksnet__cidr *outer, const struct aksnet__cidr *inner)
{
    return inner->len >= outer->len && aksnet__cidr_contains_ip(outer, inner->addr);
}

bool aksnet__cidr_overlaps(const struct aksnet__cidr *a, const struct aksnet__cidr *b)
{
    return aksnet__cidr_contains(a, b) || aksnet__cidr_contains(b, a);
}

uint64_t aksnet__cidr_count_subnets(const struct aksnet__cidr *cidr, uint8_t sublen)
{
    if (sublen < cidr->len || sublen > 32)
        return 0;
    return (uint64_t)1 << (sublen - cidr->len);
}

/* ---- free blocks among taken ranges -------------------------------------- */

struct aksnet__cidr_span aksnet__cidr_span_of(const struct aksnet__cidr *cidr)
{
    struct aksnet__cidr_span s = {cidr->addr, aksnet__cidr_last(cidr)};
    return s;
}

static int span_cmp(const void *a, const void *b)
{
    const struct aksnet__cidr_span *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->last < y->last ? -1 : x->last > y->last;
}

size_t aksnet__cidr_spans_merge(struct aksnet__cidr_span *spans, size_t count)
{
    if (count == 0)
        return 0;
    qsort(spans, count, sizeof(*spans), span_cmp);
    size_t w = 0;
    for (size_t i = 1; i < count; i++) {
        /* Overlapping or adjacent (last + 1 == first, computed without wrapping). */
        if (spans[w].last == 0xffffffffu || spans[i].first <= spans[w].last + 1) {
            if (spans[i].last > spans[w].last)
                spans[w].last = spans[i].last;
        } else {
            spans[++w] = spans[i];
        }
    }
    return w + 1;
}

/*
 * The gaps of `within` between the merged spans, one after another: *pos is
 * the index of the next span to look at and *from the first address not yet
 * visited (as a 64-bit number, so the end of the address space is 2^32).
 * Returns false when no gap is left.
 */
static bool next_gap(const struct aksnet__cidr_span *taken, size_t count, uint64_t end, size_t *pos,
                     uint64_t *from, uint64_t *gap_first, uint64_t *gap_last)
{
    while (*from <= end) {
        while (*pos < count && (uint64_t)taken[*pos].last < *from)
            (*pos)++;
        if (*pos < count && (uint64_t)taken[*pos].first <= *from) {
            *from = (uint64_t)taken[*pos].last + 1;
            continue;
        }
        *gap_first = *from;
        *gap_last = *pos < count && (uint64_t)taken[*pos].first - 1 < end ? (uint64_t)taken[*pos].first - 1 : end;
        *from = *gap_last + 1;
        return true;
    }
    return false;
}

/* The lowest block of `size` addresses aligned to its size inside [first, last]; false if none. */
static bool aligned_in(uint64_t first, uint64_t last, uint64_t size, uint64_t *at)
{
    uint64_t a = (first + size - 1) & ~(size - 1);
    if (a + size - 1 > last)
        return false;
    *at = a;
    return true;
}

bool aksnet__cidr_first_free(const struct aksnet__cidr *within, const struct aksnet__cidr_span *taken,
                             size_t count, uint8_t len, struct aksnet__cidr *out)
{
    if (len < within->len || len > 32)
        return false;
    uint64_t size = (uint64_t)1 << (32 - len), end = (uint64_t)aksnet__cidr_last(within);
    uint64_t from = within->addr, gf, gl, at;
    size_t pos = 0;
    while (next_gap(taken, count, end, &pos, &from, &gf, &gl))
        if (aligned_in(gf, gl, size, &at)) {
            out->addr = (uint32_t)at;
            out->len = len;
            return true;
        }
    return false;
}

bool aksnet__cidr_largest_free(const struct aksnet__cidr *within, const struct aksnet__cidr_span *taken,
                               size_t count, struct aksnet__cidr *out)
{
    uint64_t end = (uint64_t)aksnet__cidr_last(within), from = within->addr, gf, gl, at;
    size_t pos = 0;
    bool found = false;
    while (next_gap(taken, count, end, &pos, &from, &gf, &gl)) {
        /* The largest aligned block of this gap: try lengths from the longest block down. */
        for (unsigned len = within->len; len <= 32; len++) {
            if (found && len >= out->len)
                break;
            if (aligned_in(gf, gl, (uint64_t)1 << (32 - len), &at)) {
                out->addr = (uint32_t)at;
                out->len = (uint8_t)len;
                found = true;
                break;
            }
        }
    }
    return found;
}
