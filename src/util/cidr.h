/*
 * cidr.h - IPv4 prefixes and addresses, parsed strictly.
 *
 * Azure refuses a prefix with host bits set ("192.168.1.5/24"), and a plan
 * that slips one through fails minutes later; so parsing here is strict:
 * dotted quad via inet_pton (no leading zeros, no spaces, no trailing text),
 * a length of 0..32 written without a sign or leading zero, and no host bits.
 * Addresses are held in host byte order so arithmetic is plain.
 */
#ifndef AKSNET_CIDR_H
#define AKSNET_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An IPv4 prefix: the network address (host order) and its length. */
struct aksnet__cidr {
    uint32_t addr; /**< network address, host byte order, host bits zero */
    uint8_t len;   /**< prefix length, 0..32 */
};

/** Longest text aksnet__cidr_format writes, with the NUL ("255.255.255.255/32"). */
#define AKSNET_CIDR_STRLEN 20
/** Longest text aksnet__ip_format writes, with the NUL. */
#define AKSNET_IP_STRLEN 16

/** Why a prefix did not parse; aksnet__cidr_parse_strerror() explains each. */
typedef enum {
    AKSNET_CIDR_OK = 0,
    AKSNET_CIDR_EMPTY,       /**< NULL or "" */
    AKSNET_CIDR_NO_SLASH,    /**< no "/len" part */
    AKSNET_CIDR_BAD_ADDRESS, /**< the address is not a dotted quad inet_pton accepts */
    AKSNET_CIDR_BAD_LENGTH,  /**< the length is not 0..32 in plain decimal */
    AKSNET_CIDR_HOST_BITS    /**< bits set after the prefix length */
} aksnet__cidr_status;

/**
 * Parse "a.b.c.d/len" into out.  On AKSNET_CIDR_HOST_BITS, out still holds
 * the address with its host bits and the length, so a caller can suggest
 * the corrected prefix with aksnet__cidr_network().
 */
aksnet__cidr_status aksnet__cidr_parse(const char *text, struct aksnet__cidr *out);

/** A short phrase for a parse status ("host bits are set", ...). */
const char *aksnet__cidr_parse_strerror(aksnet__cidr_status status);

/** Parse a bare dotted-quad address strictly (inet_pton); false if malformed. */
bool aksnet__ip_parse(const char *text, uint32_t *out);

/** Write "a.b.c.d/len" into buf (AKSNET_CIDR_STRLEN bytes); returns buf. */
char *aksnet__cidr_format(const struct aksnet__cidr *cidr, char buf[AKSNET_CIDR_STRLEN]);

/** Write "a.b.c.d" into buf (AKSNET_IP_STRLEN bytes); returns buf. */
char *aksnet__ip_format(uint32_t addr, char buf[AKSNET_IP_STRLEN]);

/** The netmask of a prefix length (0 for /0). */
uint32_t aksnet__cidr_mask(uint8_t len);

/** cidr with its host bits cleared. */
struct aksnet__cidr aksnet__cidr_network(struct aksnet__cidr cidr);

/** Number of addresses in the prefix (2^(32-len); 4294967296 for /0). */
uint64_t aksnet__cidr_size(const struct aksnet__cidr *cidr);

/** Last address of the prefix (its broadcast address). */
uint32_t aksnet__cidr_last(const struct aksnet__cidr *cidr);

/** The n-th address of the prefix (0 = network address); false if n is past the end. */
bool aksnet__cidr_nth(const struct aksnet__cidr *cidr, uint64_t n, uint32_t *out);

/** True if inner lies wholly inside outer (a prefix contains itself). */
bool aksnet__cidr_contains(const struct aksnet__cidr *outer, const struct aksnet__cidr *inner);

/** True if addr lies inside cidr. */
bool aksnet__cidr_contains_ip(const struct aksnet__cidr *cidr, uint32_t addr);

/** True if a and b share at least one address. */
bool aksnet__cidr_overlaps(const struct aksnet__cidr *a, const struct aksnet__cidr *b);

/** How many prefixes of length sublen fit in cidr (0 if sublen < cidr->len). */
uint64_t aksnet__cidr_count_subnets(const struct aksnet__cidr *cidr, uint8_t sublen);

/**
 * A closed interval of addresses, first..last (host order): a prefix, or a
 * union of prefixes once merged.  Plain integers, so 0.0.0.0/0 is
 * {0, 0xffffffff} and needs no special case.
 */
struct aksnet__cidr_span {
    uint32_t first;
    uint32_t last;
};

/** The span a prefix covers. */
struct aksnet__cidr_span aksnet__cidr_span_of(const struct aksnet__cidr *cidr);

/**
 * Sort spans by their first address and merge those that overlap or touch,
 * in place; returns how many remain.  The free-block finders below need the
 * set in this form.
 */
size_t aksnet__cidr_spans_merge(struct aksnet__cidr_span *spans, size_t count);

/**
 * The lowest prefix of length len inside `within` that shares no address with
 * the merged set `taken`: true and *out set, or false when every such block
 * overlaps something (or len is shorter than within's).
 */
bool aksnet__cidr_first_free(const struct aksnet__cidr *within, const struct aksnet__cidr_span *taken,
                             size_t count, uint8_t len, struct aksnet__cidr *out);

/**
 * The largest free prefix inside `within` (the lowest of the largest on a
 * tie), given the merged set `taken`: what "nothing fits" reports.  False when
 * every address of within is taken.
 */
bool aksnet__cidr_largest_free(const struct aksnet__cidr *within, const struct aksnet__cidr_span *taken,
                               size_t count, struct aksnet__cidr *out);

#ifdef __cplusplus
}
#endif
#endif
