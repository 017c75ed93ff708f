/*
 * resid.c - ARM resource ids.  One parser, so that --vnet-subnet-id,
 * --assign-identity and (later) every id ARM returns are read alike, and
 * one writer, so that every id aksnet sends is spelt alike.
 */
#include "resid.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A path starting with '/' that names itself in a URL: no '?', '#', "." or ".." segment. */
bool aksnet__resid_path_ok(const char *path)
{
    if (!path || path[0] != '/' || strpbrk(path, "?#"))
        return false;
    for (const char *p = path; (p = strchr(p, '/')); p++) {
        size_t n = strcspn(p + 1, "/");
        if ((n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
            return false;
    }
    return true;
}

/*
 * Split id on '/' into at most max segments.  The id must start with '/',
 * have no empty segment and no trailing '/', and pass aksnet__resid_path_ok.
 * Returns the count, or -1.
 */
static int split(const char *id, char segs[][AKSNET_RESID_SEGMENT_MAX], int max)
{
    if (!aksnet__resid_path_ok(id))
        return -1;
    int n = 0;
    const char *p = id + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || len >= AKSNET_RESID_SEGMENT_MAX || n == max)
            return -1;
        memcpy(segs[n], p, len);
        segs[n][len] = '\0';
        n++;
        if (!end)
            return n;
        p = end + 1;
    }
}

bool aksnet__resid_parse(const char *id, struct aksnet__resid *out)
{
    char segs[10][AKSNET_RESID_SEGMENT_MAX];
    int n = split(id, segs, 10);
    /* subscriptions/S/resourceGroups/G/providers/NS/T/N[/CT/CN] */
    if (n != 8 && n != 10)
        return false;
    if (strcasecmp(segs[0], "subscriptions") != 0 || strcasecmp(segs[2], "resourceGroups") != 0 ||
        strcasecmp(segs[4], "providers") != 0)
        return false;
    memset(out, 0, sizeof(*out));
    memcpy(out->subscription, segs[1], sizeof(segs[1]));
    memcpy(out->resource_group, segs[3], sizeof(segs[3]));
    memcpy(out->provider, segs[5], sizeof(segs[5]));
    memcpy(out->type, segs[6], sizeof(segs[6]));
    memcpy(out->name, segs[7], sizeof(segs[7]));
    if (n == 10) {
        memcpy(out->child_type, segs[8], sizeof(segs[8]));
        memcpy(out->child_name, segs[9], sizeof(segs[9]));
    }
    return true;
}

bool aksnet__resid_is(const struct aksnet__resid *id, const char *provider, const char *type, const char *child_type)
{
    if (strcasecmp(id->provider, provider) != 0 || strcasecmp(id->type, type) != 0)
        return false;
    if (!child_type)
        return id->child_type[0] == '\0';
    return strcasecmp(id->child_type, child_type) == 0;
}

/* A segment that may stand between two '/': not empty, no '/', and what aksnet__resid_path_ok allows. */
static bool segment_ok(const char *s)
{
    return s[0] != '\0' && strpbrk(s, "/?#") == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* The parts aksnet__resid_format needs for the form id's empty parts select. */
static bool format_parts_ok(const struct aksnet__resid *id)
{
    if (!segment_ok(id->subscription))
        return false;
    bool group = id->resource_group[0] != '\0', provider = id->provider[0] != '\0';
    bool child = id->child_type[0] != '\0' || id->child_name[0] != '\0';
    if (group && !segment_ok(id->resource_group))
        return false;
    if (!provider)
        return group && !child && id->type[0] == '\0' && id->name[0] == '\0';
    if (!segment_ok(id->provider) || !segment_ok(id->type) || !segment_ok(id->name))
        return false;
    return !child || (segment_ok(id->child_type) && segment_ok(id->child_name));
}

/*
 * One writer for every id aksnet sends, so that ids are spelt alike
 * everywhere and a user's lower-cased --vnet-subnet-id comes out canonical.
 */
bool aksnet__resid_format(const struct aksnet__resid *id, char *out, size_t size)
{
    if (size == 0)
        return false;
    out[0] = '\0';
    if (!format_parts_ok(id))
        return false;
    char group[AKSNET_RESID_SEGMENT_MAX + 16] = "";
    char resource[3 * AKSNET_RESID_SEGMENT_MAX + 16] = "";
    char child[2 * AKSNET_RESID_SEGMENT_MAX + 4] = "";
    if (id->resource_group[0])
        snprintf(group, sizeof(group), "/resourceGroups/%s", id->resource_group);
    if (id->provider[0])
        snprintf(resource, sizeof(resource), "/providers/%s/%s/%s", id->provider, id->type, id->name);
    if (id->child_type[0])
        snprintf(child, sizeof(child), "/%s/%s", id->child_type, id->child_name);
    int n = snprintf(out, size, "/subscriptions/%s%s%s%s", id->subscription, group, resource, child);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return false;
    }
    return true;
}
