/*
 * fuzz_mock.c - libFuzzer target for aksnet-mock's request handling, without
 * sockets: requests are built as server.c builds them (mocks/request.c parses
 * the body and splits the path), run through the fault rules and
 * mock_dispatch under the mock's lock, answered (the body serialised) and
 * journalled, then freed.  The mock is started once; its resources and
 * operations are cleared before each input, so an input replays alone.
 *
 * An input is up to MAX_REQUESTS requests separated by "\n---\n".  Each is
 *   byte 0  method: G GET, P PUT, O POST, D DELETE, A PATCH, H HEAD (else byte % 6)
 *   byte 1  path: 'a'..'z' pick from paths[] below, '/' = the path (and an
 *           optional "?query") follows up to '\n', any other byte % the list size
 *   byte 2  flags, '@' (0x40) = the happy path:
 *             bits 0-1 bearer token: valid, none, not ours, expired
 *             bits 2-3 api-version: the path's own, missing, unknown, empty
 *             bit 4    leave out the extra headers (Content-Type, Metadata,
 *                      X-IDENTITY-HEADER, correlation id)
 *             bit 5    move the clock 1 s first (long-running operations end)
 *   the rest: the body.
 * "{op}" in a path is replaced by the id of the newest operation.
 * FUZZ_MOCK_VERBOSE=1 prints each request and its answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"
#include "request.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 16
#define SEPARATOR "\n---\n"
#define CLOCK_START 1700000000.0
#define RG "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1"
#define NET RG "/providers/Microsoft.Network"

static const char *const paths[] = {
    /* a */ "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1",
    /* b */ NET "/virtualNetworks/vnet1",
    /* c */ NET "/virtualNetworks/vnet1/subnets/snet1",
    /* d */ NET "/routeTables/rt1",
    /* e */ NET "/routeTables/rt1/routes/r1",
    /* f */ RG "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
    /* g */ NET "/virtualNetworks/vnet1/providers/Microsoft.Authorization/roleAssignments/"
            "11111111-1111-1111-1111-111111111111",
    /* h */ RG "/providers/Microsoft.ContainerService/managedClusters/aks1",
    /* i */ "/" MOCK_DEFAULT_TENANT "/oauth2/v2.0/token",
    /* j */ "/metadata/identity/oauth2/token",
    /* k */ "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups",
    /* l */ RG "/resources",
    /* m */ "/subscriptions",
    /* n */ "/tenants",
    /* o */ "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/register",
    /* p */ NET "/virtualNetworks",
    /* q */ "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
            "roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7",
    /* r */ "/" MOCK_DEFAULT_TENANT "/v2.0/.well-known/openid-configuration",
    /* s */ "/msi/token",
    /* t */ "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_rg1_aks1_eastus",
    /* u */ "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/eastus/"
            "operations/{op}",
    /* v */ "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/eastus/"
            "operationResults/{op}",
    /* w */ NET "/virtualNetworks/vnet1/subnets",
    /* x */ "/adfs/.well-known/openid-configuration",
    /* y */ NET "/routeTables/rt1/providers/Microsoft.Authorization/roleAssignments",
    /* z */ "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg2",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

static struct armmock *mock;
static double fake_now = CLOCK_START;
static char *good_token, *expired_token;
static bool verbose; /* FUZZ_MOCK_VERBOSE=1: print each request and its answer (to replay a crash) */

static double fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    verbose = getenv("FUZZ_MOCK_VERBOSE") != NULL;
    static const struct armmock_credential secrets[] = {{"fuzz-client", "fuzz-secret"}};
    static const struct armmock_credential federated[] = {{"fed-client", "fed-token"}};
    static const char *const faults[] = {"*:*/faulty*:429:1000000", "PUT:*/failing*:fail:1000000",
                                         "GET:*/dropme*:reset:1000000"};
    struct armmock_options o = {
        .listen = "127.0.0.1:0",
        .lro_seconds = 0.05,
        .principal_delay = 0.05,
        .token_lifetime = 1e6,
        .journal_path = "/dev/null",
        .faults = faults,
        .fault_count = sizeof(faults) / sizeof(faults[0]),
        .secrets = secrets,
        .secret_count = 1,
        .federated = federated,
        .federated_count = 1,
        .accept_any_client = true,
        .identity_header = "fuzz-identity-header",
        .clock = fake_clock,
    };
    char err[512];
    mock = armmock_start(&o, err, sizeof(err));
    if (!mock) {
        fprintf(stderr, "fuzz_mock: armmock_start: %s\n", err);
        abort();
    }
    pthread_mutex_lock(&mock->lock);
    good_token = mock_token_issue(mock, "fuzz-client", MOCK_DEFAULT_TENANT, "https://management.azure.com/",
                                  CLOCK_START);
    expired_token = mock_token_issue(mock, "fuzz-client", MOCK_DEFAULT_TENANT, "https://management.azure.com/",
                                     CLOCK_START - 2e6);
    pthread_mutex_unlock(&mock->lock);
    if (!good_token || !expired_token)
        abort();
    return 0;
}

/* ---- building a request ----------------------------------------------------- */

struct kvs {
    struct mock_kv *items;
    size_t count, cap;
};

static void kv_add(struct kvs *l, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct mock_kv *items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            abort();
        l->items = items;
        l->cap = cap;
    }
    char *n = strndup(name, nlen), *v = strndup(value, vlen);
    if (!n || !v)
        abort();
    l->items[l->count].name = n;
    l->items[l->count].value = v;
    l->count++;
}

static void kv_add_str(struct kvs *l, const char *name, const char *value)
{
    kv_add(l, name, strlen(name), value, strlen(value));
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode '+' and %XX in place, as libmicrohttpd does for arguments (a decoded NUL ends the string). */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '+') {
            *w++ = ' ';
        } else if (*r == '%' && hex(r[1]) >= 0 && hex(r[2]) >= 0) {
            *w++ = (char)(hex(r[1]) * 16 + hex(r[2]));
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* "a=1&b&c=3" -> decoded arguments, as libmicrohttpd splits a query. */
static void parse_query(struct kvs *args, const char *q)
{
    while (*q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (n > 0) {
            if (eq)
                kv_add(args, q, (size_t)(eq - q), eq + 1, n - (size_t)(eq - q) - 1);
            else
                kv_add(args, q, n, "", 0);
            unescape(args->items[args->count - 1].name);
            unescape(args->items[args->count - 1].value);
        }
        q += n + (q[n] == '&');
    }
}

/* The api-version the path's resource provider takes. */
static const char *api_version_for(const char *path)
{
    char *lower = mock_lower(path);
    if (!lower)
        abort();
    const char *v = "2021-04-01";
    if (strstr(lower, "microsoft.authorization"))
        v = "2022-04-01";
    else if (strstr(lower, "microsoft.containerservice"))
        v = "2024-09-01";
    else if (strstr(lower, "microsoft.managedidentity"))
        v = "2023-01-31";
    else if (strstr(lower, "microsoft.network"))
        v = "2024-05-01";
    else if (strstr(lower, "/metadata/identity"))
        v = "2018-02-01";
    else if (strstr(lower, "/msi/"))
        v = "2019-08-01";
    free(lower);
    return v;
}

/* paths[i] with "{op}" replaced by the newest operation's id. */
static char *listed_path(size_t i)
{
    const char *p = paths[i], *hole = strstr(p, "{op}");
    if (!hole)
        return strdup(p);
    const char *op = mock->ops.count ? mock->ops.items[mock->ops.count - 1]->id : "none";
    size_t a = (size_t)(hole - p), b = strlen(op), c = strlen(hole + 4);
    char *out = malloc(a + b + c + 1);
    if (!out)
        abort();
    memcpy(out, p, a);
    memcpy(out + a, op, b);
    memcpy(out + a + b, hole + 4, c + 1);
    return out;
}

static const char *method_of(uint8_t b)
{
    static const char *const methods[] = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"};
    switch (b) {
    case 'G': return "GET";
    case 'P': return "PUT";
    case 'O': return "POST";
    case 'D': return "DELETE";
    case 'A': return "PATCH";
    case 'H': return "HEAD";
    default: return methods[b % 6];
    }
}

/* One request from one chunk of the input, as server.c's build_request makes it. */
static void build(const uint8_t *d, size_t n, struct mock_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    rq->method = method_of(n > 0 ? d[0] : 'G');
    uint8_t pick = n > 1 ? d[1] : 'a', flags = n > 2 ? d[2] : '@';
    size_t off = n < 3 ? n : 3;
    char *target; /* path[?query] */
    if (pick == '/') {
        const uint8_t *nl = memchr(d + off, '\n', n - off);
        size_t len = nl ? (size_t)(nl - (d + off)) : n - off;
        target = malloc(len + 2);
        if (!target)
            abort();
        target[0] = '/';
        memcpy(target + 1, d + off, len);
        target[len + 1] = '\0'; /* an embedded NUL ends it, as in a C string from libmicrohttpd */
        off += len + (nl != NULL);
    } else {
        target = listed_path(pick >= 'a' && pick <= 'z' ? (size_t)(pick - 'a') % NPATHS : pick % NPATHS);
    }
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    struct kvs args = {0}, headers = {0};
    if (q)
        parse_query(&args, q);
    bool has_api = false;
    for (size_t i = 0; i < args.count; i++)
        has_api = has_api || strcmp(args.items[i].name, "api-version") == 0;
    unsigned api_mode = (flags >> 2) & 3u;
    if (!has_api && api_mode != 1)
        kv_add_str(&args, "api-version", api_mode == 0 ? api_version_for(target) : api_mode == 2 ? "2099-01-01" : "");
    if (!q && (strstr(target, "/metadata/identity") || strstr(target, "/msi/")))
        kv_add_str(&args, "resource", "https://management.azure.com/");

    /* The token: ours, none, a well-formed one not signed by the mock, ours expired. */
    static const char foreign[] = "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2ln";
    unsigned auth = flags & 3u;
    kv_add_str(&headers, "Host", "127.0.0.1");
    if (auth != 1) {
        const char *tok = auth == 0 ? good_token : auth == 2 ? foreign : expired_token;
        size_t len = strlen(tok) + 8;
        char *value = malloc(len);
        if (!value)
            abort();
        snprintf(value, len, "Bearer %s", tok);
        kv_add_str(&headers, "Authorization", value);
        free(value);
    }
    if (!(flags & 0x10)) {
        bool form = strstr(target, "oauth2/v2.0/token") != NULL;
        kv_add_str(&headers, "Content-Type", form ? "application/x-www-form-urlencoded" : "application/json");
        kv_add_str(&headers, "Metadata", "true");
        kv_add_str(&headers, "X-IDENTITY-HEADER", "fuzz-identity-header");
        kv_add_str(&headers, "x-ms-correlation-request-id", "22222222-2222-2222-2222-222222222222");
    }
    if (flags & 0x20)
        fake_now += 1.0;

    rq->path = target;
    rq->seg_buf = strdup(target);
    rq->query = strdup(q ? q : "");
    rq->args = args.items;
    rq->arg_count = args.count;
    rq->headers = headers.items;
    rq->header_count = headers.count;
    rq->body_len = n - off;
    rq->body = malloc(rq->body_len + 1);
    if (!rq->seg_buf || !rq->query || !rq->body)
        abort();
    memcpy(rq->body, d + off, rq->body_len);
    rq->body[rq->body_len] = '\0';
}

/* What server.c's handle does with a request, minus the socket. */
static void run_one(const uint8_t *d, size_t n)
{
    struct mock_request rq;
    struct mock_response rs = {0};
    pthread_mutex_lock(&mock->lock); /* build reads mock->ops for "{op}" */
    build(d, n, &rq);
    pthread_mutex_unlock(&mock->lock);
    mock_request_parse_body(&rq);
    mock_request_split_path(&rq);
    double started = mock_now(mock);
    pthread_mutex_lock(&mock->lock);
    long delay_ms = 0;
    bool answered = mock_faults_apply(mock, &rq, &rs, &delay_ms);
    rq.now = mock_now(mock);
    if (!answered)
        mock_dispatch(mock, &rq, &rs);
    mock->requests++;
    pthread_mutex_unlock(&mock->lock);
    if (!rs.drop) {
        char *body = rs.json ? cJSON_PrintUnformatted(rs.json) : (rs.text ? strdup(rs.text) : NULL);
        if (verbose)
            fprintf(stderr, "fuzz_mock: %s %s?%s -> %d %s\n", rq.method, rq.path, rq.query, rs.status,
                    body ? body : "");
        if (rs.status < 100 || rs.status > 599)
            abort(); /* libmicrohttpd would refuse to send it */
        free(body);
    }
    if (mock->journal)
        mock_journal_write(mock, &rq, &rs, started, mock_now(mock), 0);
    mock_request_free(&rq);
    mock_response_free(&rs);
    fake_now += 0.03;
}

static const uint8_t *find_sep(const uint8_t *d, size_t n)
{
    size_t k = sizeof(SEPARATOR) - 1;
    for (size_t i = 0; n >= k && i <= n - k; i++)
        if (memcmp(d + i, SEPARATOR, k) == 0)
            return d + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pthread_mutex_lock(&mock->lock);
    mock_store_free(&mock->store);
    mock_ops_free(&mock->ops);
    pthread_mutex_unlock(&mock->lock);
    fake_now = CLOCK_START;
    for (size_t i = 0; i < MAX_REQUESTS && size > 0; i++) {
        const uint8_t *sep = find_sep(data, size);
        size_t n = sep ? (size_t)(sep - data) : size;
        run_one(data, n);
        if (!sep)
            break;
        size -= n + sizeof(SEPARATOR) - 1;
        data = sep + sizeof(SEPARATOR) - 1;
    }
    return 0;
}
