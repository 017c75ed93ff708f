/*
 * fuzz_resid.c - libFuzzer target for ARM resource ids (src/util/resid.c)
 * and the URL aksnet builds from an id (aksnet__arm_resource_url): ids come
 * from plans (--vnet-subnet-id) and from ARM's answers.
 *
 * Byte 0 chooses what the rest is (byte % 2):
 *   0  an id.  When it parses: it formats again, the result parses to the
 *      same parts, equals the id but for the case of the fixed segments
 *      (subscriptions, resourceGroups, providers), aksnet__resid_is
 *      agrees with its own parts, and it makes a URL.  When aksnet__arm_resource_url accepts
 *      it: the URL's path, as libcurl will send it (dot segments removed,
 *      RFC 3986 section 5.2.4), is exactly the id percent-encoded, so a
 *      request goes to the resource the id names and no other.
 *   1  parts, one per line (subscription, group, provider, type, name,
 *      child type, child name), and a byte of buffer size.  Formatting
 *      succeeds exactly when every part the form needs is there, no part
 *      holds '/', '?' or '#' or is "." or "..", and the id fits; a formatted id of a resource in a group
 *      parses back to the same parts.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "arm_internal.h"
#include "fuzz_support.h"
#include "resid.h"

static aksnet_code never_sent(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                              struct aksnet__http_response *rs, struct aksnet_error *err)
{
    (void)self;
    (void)rq;
    (void)rs;
    (void)err;
    abort();
}

static const struct aksnet__http_policy pipeline = {never_sent, NULL, NULL, NULL};
static const struct aksnet__arm_client client = {.endpoint = "https://management.azure.com", .pipeline = &pipeline};

static bool same_parts(const struct aksnet__resid *a, const struct aksnet__resid *b)
{
    return strcmp(a->subscription, b->subscription) == 0 && strcmp(a->resource_group, b->resource_group) == 0 &&
           strcmp(a->provider, b->provider) == 0 && strcmp(a->type, b->type) == 0 && strcmp(a->name, b->name) == 0 &&
           strcmp(a->child_type, b->child_type) == 0 && strcmp(a->child_name, b->child_name) == 0;
}

/* The path libcurl sends for url ("" when it does not parse). */
static char *curl_path(const char *url)
{
    CURLU *u = curl_url();
    char *path = NULL;
    if (!u)
        abort();
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        path = NULL;
    char *copy = strdup(path ? path : "");
    curl_free(path);
    curl_url_cleanup(u);
    if (!copy)
        abort();
    return copy;
}

static void check_url(const char *id)
{
    char *url = NULL;
    struct aksnet_error err;
    aksnet_error_clear(&err);
    if (aksnet__arm_resource_url(&client, id, "2024-05-01", &url, &err) != AKSNET_OK) {
        fz_check_error(&err, "resource_url");
        return;
    }
    const char *start = url + strlen(client.endpoint);
    size_t plen = strcspn(start, "?");
    char *want = strndup(start, plen);
    char *sent = curl_path(url);
    FZ_CHECK(want && strcmp(want, sent) == 0, "id '%s': URL path '%s' is sent as '%s'", id, want, sent);
    FZ_CHECK(strcmp(start + plen, "?api-version=2024-05-01") == 0, "id '%s' changed the query: '%s'", id, url);
    free(want);
    free(sent);
    free(url);
}

static void check_id(const char *id)
{
    struct aksnet__resid p, q;
    if (aksnet__resid_parse(id, &p)) {
        char out[8 * AKSNET_RESID_SEGMENT_MAX + 64];
        FZ_CHECK(aksnet__resid_format(&p, out, sizeof(out)), "'%s' parses but does not format", id);
        FZ_CHECK(aksnet__resid_parse(out, &q) && same_parts(&p, &q), "'%s' formats as '%s', which differs", id, out);
        FZ_CHECK(strcasecmp(out, id) == 0, "'%s' formats as '%s'", id, out);
        FZ_CHECK(aksnet__resid_is(&p, p.provider, p.type, p.child_type[0] ? p.child_type : NULL),
                 "'%s' is not what it says", id);
        char *url = NULL;
        FZ_CHECK(aksnet__arm_resource_url(&client, out, "2024-05-01", &url, NULL) == AKSNET_OK,
                 "'%s' parses but makes no URL", id);
        free(url);
    }
    check_url(id);
}

/* Whether format must succeed: the parts its form needs, none with '/', and room for the id. */
static bool should_format(const struct aksnet__resid *r, size_t size)
{
    const char *const parts[] = {r->subscription, r->resource_group, r->provider, r->type,
                                 r->name,         r->child_type,     r->child_name};
    for (size_t i = 0; i < 7; i++)
        if (strpbrk(parts[i], "/?#") || strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0)
            return false;
    bool child = r->child_type[0] || r->child_name[0];
    if (!r->subscription[0])
        return false;
    size_t len = strlen("/subscriptions/") + strlen(r->subscription);
    if (r->resource_group[0])
        len += strlen("/resourceGroups/") + strlen(r->resource_group);
    if (!r->provider[0]) {
        if (!r->resource_group[0] || child || r->type[0] || r->name[0])
            return false;
    } else {
        if (!r->type[0] || !r->name[0] || (child && (!r->child_type[0] || !r->child_name[0])))
            return false;
        len += strlen("/providers///") + strlen(r->provider) + strlen(r->type) + strlen(r->name);
        if (child)
            len += 2 + strlen(r->child_type) + strlen(r->child_name);
    }
    return len < size;
}

static void check_parts(struct fz_input *in)
{
    size_t size = fz_byte(in, 255) * 4u;
    struct aksnet__resid r;
    memset(&r, 0, sizeof(r));
    char *const fields[] = {r.subscription, r.resource_group, r.provider, r.type, r.name, r.child_type, r.child_name};
    for (size_t i = 0; i < 7 && in->n > 0; i++) {
        size_t len;
        char *piece = fz_piece(in, "\n", &len);
        snprintf(fields[i], AKSNET_RESID_SEGMENT_MAX, "%s", piece);
        free(piece);
    }
    char *out = malloc(size ? size : 1);
    if (!out)
        abort();
    bool ok = aksnet__resid_format(&r, out, size);
    bool want = should_format(&r, size);
    FZ_CHECK(ok == want, "format gave %d, should give %d (size %zu)", ok, want, size);
    if (ok) {
        FZ_CHECK(strncmp(out, "/subscriptions/", 15) == 0 && !strstr(out, "//"), "formatted '%s'", out);
        struct aksnet__resid q;
        if (r.provider[0] && r.resource_group[0]) /* the forms aksnet__resid_parse reads */
            FZ_CHECK(aksnet__resid_parse(out, &q) && same_parts(&r, &q), "'%s' does not parse back", out);
        check_id(out);
    } else if (size) {
        FZ_CHECK(out[0] == '\0', "a refused format left '%s'", out);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    if (fz_byte(&in, 0) % 2 == 0) {
        char *id = fz_piece(&in, "", NULL);
        check_id(id);
        free(id);
    } else {
        check_parts(&in);
    }
    return 0;
}
