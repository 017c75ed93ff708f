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
