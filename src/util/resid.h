/*
 * resid.h - Azure resource ids, composed and parsed in one place.
 *
 * ARM ids look like
 *   /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{child-type}/{child}]
 * and are case-insensitive in their fixed segments.  Parsing is strict about
 * the shape (a user pastes ids into --vnet-subnet-id) and lenient about case.
 */
#ifndef AKSNET_RESID_H
#define AKSNET_RESID_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest id segment kept (names are at most 260 characters in ARM). */
#define AKSNET_RESID_SEGMENT_MAX 261

/** A parsed id.  Strings are copies; an absent part is "". */
struct aksnet__resid {
    char subscription[AKSNET_RESID_SEGMENT_MAX];
    char resource_group[AKSNET_RESID_SEGMENT_MAX];
    char provider[AKSNET_RESID_SEGMENT_MAX];     /**< "Microsoft.Network" */
    char type[AKSNET_RESID_SEGMENT_MAX];         /**< "virtualNetworks" */
    char name[AKSNET_RESID_SEGMENT_MAX];
    char child_type[AKSNET_RESID_SEGMENT_MAX];   /**< "subnets", or "" */
    char child_name[AKSNET_RESID_SEGMENT_MAX];
};

/**
 * Parse an id of a resource (with at most one child level).  Returns false
 * for anything else: wrong prefix, empty or missing segment, extra segments,
 * a segment longer than AKSNET_RESID_SEGMENT_MAX - 1, a "." or ".." segment,
 * '?' or '#' (which would make a URL name another path).
 */
bool aksnet__resid_parse(const char *id, struct aksnet__resid *out);

/**
 * Whether path (an id, or any ARM path) names itself when put in a URL:
 * it starts with '/' and holds no '?' or '#' (which would start a query or
 * a fragment) and no "." or ".." segment (which libcurl removes before
 * sending: RFC 3986 section 5.2.4, CURLOPT_PATH_AS_IS off).  No ARM name
 * holds them.
 */
bool aksnet__resid_path_ok(const char *path);

/** True if id parses and names provider/type (and child_type, when not NULL), case-insensitively. */
bool aksnet__resid_is(const struct aksnet__resid *id, const char *provider, const char *type, const char *child_type);

/**
 * Compose the id that id's parts name, the inverse of aksnet__resid_parse,
 * with the fixed segments spelt as ARM spells them:
 *   /subscriptions/S/resourceGroups/G/providers/NS/T/N[/CT/CN]
 * Shorter forms follow from empty parts: no provider gives the group's id
 * (/subscriptions/S/resourceGroups/G), and no resource group a
 * subscription-level resource (/subscriptions/S/providers/NS/T/N, as role
 * definitions are).  A child needs both child_type and child_name.  Returns
 * false, with out empty, when a part that the form needs is empty, a part
 * holds '/', '?' or '#' or is "." or "..", or the id does not fit in size
 * bytes.
 */
bool aksnet__resid_format(const struct aksnet__resid *id, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
