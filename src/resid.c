/*
 * resid.c - ARM resource ids.  One parser, so that --vnet-subnet-id,
 * --assign-identity and (later) every id ARM returns are read alike.
 */
#include "aksnet/resid.h"

#include <string.h>
#include <strings.h>

/*
 * Split id on '/' into at most max segments.  The id must start with '/',
 * have no empty segment and no trailing '/'.  Returns the count, or -1.
 */
static int split(const char *id, char segs[][AKSNET_RESID_SEGMENT_MAX], int max)
{
    if (!id || id[0] != '/')
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

bool aksnet_resid_parse(const char *id, struct aksnet_resid *out)
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

bool aksnet_resid_is(const struct aksnet_resid *id, const char *provider, const char *type,
                     const char *child_type)
{
    if (strcasecmp(id->provider, provider) != 0 || strcasecmp(id->type, type) != 0)
        return false;
    if (!child_type)
        return id->child_type[0] == '\0';
    return strcasecmp(id->child_type, child_type) == 0;
}
