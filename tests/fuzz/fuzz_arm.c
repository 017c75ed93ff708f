/*
 * fuzz_arm.c - libFuzzer target for the ARM client reading ARM's answers
 * (src/arm/arm.c, lro.c, request.c): a GET, a list with nextLink, a PUT or
 * a DELETE followed to its end (Azure-AsyncOperation, Location, or the
 * resource's provisioningState; Retry-After; 409 busy and retried writes),
 * a POST, and resuming an operation URL, each against answers the input
 * scripts.  Time is a fake clock; nothing sleeps.
 *
 * An input: byte 0 the call (% 6: GET, list, PUT, DELETE, POST, wait),
 * byte 1 the deadline (60 s times 1 + byte % 60), then answers separated by
 * "\n--\n", each
 *   STATUS\n                 (a line "!" instead: the connection failed)
 *   Name: value\n ...        (headers, up to a blank line)
 *   \n
 *   body
 * When the answers run out, the connection fails.  FUZZ_VERBOSE=1 prints
 * what each call came to.
 *
 * Invariants: every request goes to https://management.azure.com:443 (the
 * token goes with it: a header must not send it elsewhere), is a GET after
 * the first unless a write is sent again, and the calls are bounded by the
 * answers; the time waited is never more than the deadline (none for GET,
 * list and POST); each wait told is finite, 2 s or more and within the
 * deadline; every state told (on_poll) is text fit to show; a failure comes
 * with its code and error fields fit to show; a list's result is an array.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arm_internal.h"
#include "fuzz_support.h"

#define ENDPOINT "https://management.azure.com"
#define ID "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Network/" \
           "routeTables/rt1"
#define OP_URL ENDPOINT "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/" \
               "locations/eastus/operations/op1?api-version=2024-05-01"
#define MAX_ANSWERS 64

struct answer {
    bool fail;
    long status;
    char *headers[8][2];
    size_t nheaders;
    char *body;
    size_t body_len;
};

struct script {
    struct answer answers[MAX_ANSWERS];
    size_t count, next;
    size_t writes;        /* requests that were not GETs */
    double now, slept;
};

static struct script sc;

static double fake_now(void *ctx)
{
    (void)ctx;
    return sc.now;
}

static void fake_sleep(void *ctx, double seconds)
{
    (void)ctx;
    FZ_CHECK(isfinite(seconds) && seconds >= 0, "slept %.17g s", seconds);
    sc.now += seconds;
    sc.slept += seconds;
}

static const struct aksnet__clock fake_clock = {fake_now, fake_sleep, NULL};

/*
 * Where a request goes, read from the text (not with libcurl, which the code
 * under test asks): the endpoint's scheme and host in any case, then the
 * path, query or end, at once or after ":443", so no authority can follow.
 */
static void check_destination(const char *url)
{
    size_t n = strlen(ENDPOINT);
    if (strncasecmp(url, ENDPOINT, n) == 0 && strncmp(url + n, ":443", 4) == 0)
        n += 4;
    bool ok = strncasecmp(url, ENDPOINT, strlen(ENDPOINT)) == 0 && strchr("/?#", url[n]); /* '\0' too */
    FZ_CHECK(ok, "a request went to '%s'", url);
}

static aksnet_code transport(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                             struct aksnet__http_response *rs, struct aksnet_error *err)
{
    (void)self;
    check_destination(rq->url);
    if (strcmp(rq->method, "GET") != 0)
        sc.writes++;
    sc.now += 0.1; /* a round trip */
    if (sc.next >= sc.count || sc.answers[sc.next].fail) {
        sc.next++;
        return aksnet_error_set(err, AKSNET_ETRANSPORT, "connection reset (the script)");
    }
    const struct answer *a = &sc.answers[sc.next++];
    rs->status = a->status;
    for (size_t i = 0; i < a->nheaders; i++)
        if (aksnet__http_response_add_header(rs, a->headers[i][0], a->headers[i][1]) != AKSNET_OK)
            abort();
    rs->body = malloc(a->body_len + 1);
    if (!rs->body)
        abort();
    memcpy(rs->body, a->body, a->body_len);
    rs->body[a->body_len] = '\0';
    rs->body_len = a->body_len;
    return AKSNET_OK;
}

static const struct aksnet__http_policy pipeline = {transport, NULL, NULL, NULL};
static const struct aksnet__arm_client client = {.endpoint = ENDPOINT, .pipeline = &pipeline, .clock = &fake_clock};

static double deadline;

static void on_poll(void *ctx, const char *state, const char *url)
{
    (void)ctx;
    FZ_CHECK(fz_text_ok(state, strlen(state) + 1), "on_poll state '%s'", state);
    check_destination(url);
}

static void on_wait(void *ctx, double seconds, const char *url)
{
    (void)ctx;
    FZ_CHECK(isfinite(seconds) && seconds >= AKSNET_LRO_TELL_WAIT && seconds <= deadline, "on_wait %.17g s",
             seconds);
    check_destination(url);
}

/* One answer from its text: status line, headers, blank line, body. */
static void read_answer(char *text, size_t len, struct answer *a)
{
    memset(a, 0, sizeof(*a));
    if (text[0] == '!') {
        a->fail = true;
        free(text);
        return;
    }
    char *end = text + len, *p = text;
    a->status = strtol(p, NULL, 10) % 1000;
    if (a->status < 0)
        a->status = -a->status;
    p = memchr(p, '\n', (size_t)(end - p));
    p = p ? p + 1 : end;
    while (p < end && *p != '\n') {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line_end = nl ? nl : end;
        char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon && a->nheaders < 8) {
            char *v = colon + 1 + (colon + 1 < line_end && colon[1] == ' ');
            a->headers[a->nheaders][0] = strndup(p, (size_t)(colon - p));
            a->headers[a->nheaders][1] = strndup(v, (size_t)(line_end - v));
            if (!a->headers[a->nheaders][0] || !a->headers[a->nheaders][1])
                abort();
            a->nheaders++;
        }
        p = nl ? nl + 1 : end;
    }
    if (p < end)
        p++; /* the blank line */
    a->body_len = (size_t)(end - p);
    a->body = malloc(a->body_len + 1);
    if (!a->body)
        abort();
    memcpy(a->body, p, a->body_len);
    a->body[a->body_len] = '\0';
    free(text);
}

static void script_free(void)
{
    for (size_t i = 0; i < sc.count; i++) {
        for (size_t k = 0; k < sc.answers[i].nheaders; k++) {
            free(sc.answers[i].headers[k][0]);
            free(sc.answers[i].headers[k][1]);
        }
        free(sc.answers[i].body);
    }
    memset(&sc, 0, sizeof(sc));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    unsigned call = fz_byte(&in, 0) % 6;
    deadline = 60.0 * (1 + fz_byte(&in, 0) % 60);
    memset(&sc, 0, sizeof(sc));
    sc.now = 1700000000.0;
    while (in.n > 0 && sc.count < MAX_ANSWERS) {
        size_t len;
        char *text = fz_piece(&in, "\n--\n", &len);
        read_answer(text, len, &sc.answers[sc.count++]);
    }
    struct aksnet__lro_options lro = {.deadline = deadline, .on_poll = on_poll, .on_wait = on_wait};
    struct aksnet_error err;
    aksnet_error_clear(&err);
    cJSON *out = NULL, *body = cJSON_Parse("{\"location\":\"eastus\",\"properties\":{}}");
    aksnet_code rc;
    switch (call) {
    case 0:
        rc = aksnet__arm_get(&client, ID, "2024-05-01", &out, &err);
        break;
    case 1:
        rc = aksnet__arm_list(&client, ID "/routes", "2024-05-01", "principalId eq 'x'", &out, &err);
        FZ_CHECK(rc != AKSNET_OK || cJSON_IsArray(out), "a list that is not an array");
        break;
    case 2:
        rc = aksnet__arm_put_if_match(&client, ID, "2024-05-01", body, sc.count % 2 ? "W/\"etag\"" : NULL, &lro,
                                      &out, &err);
        break;
    case 3:
        rc = aksnet__arm_delete(&client, ID, "2024-05-01", &lro, &err);
        break;
    case 4:
        rc = aksnet__arm_post(&client, ID "/register", "2024-05-01", body, &out, &err);
        break;
    default:
        rc = aksnet__arm_wait(&client, sc.count % 2 ? OP_URL : ENDPOINT ID "/operationResults/1?api-version=x", &lro,
                              &err);
        break;
    }
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_arm: call %u: %d after %zu requests, %.1f s waited: %s\n", call, (int)rc, sc.next,
                sc.slept, err.message);
    FZ_CHECK(sc.next <= sc.count + 1, "%zu requests for %zu answers", sc.next, sc.count);
    FZ_CHECK(sc.writes <= (AKSNET_ARM_CONFLICT_RETRIES + 1) * (AKSNET_ARM_CONFLICT_RETRIES + 1), "%zu writes",
             sc.writes);
    FZ_CHECK(sc.slept <= deadline, "waited %.17g s, past the %.0f s deadline", sc.slept, deadline);
    FZ_CHECK(sc.slept == 0 || call == 2 || call == 3 || call == 5, "call %u waited %.17g s", call, sc.slept);
    if (rc != AKSNET_OK) {
        FZ_CHECK(err.code == rc, "returned %d, the error says %d", (int)rc, (int)err.code);
        fz_check_error(&err, "arm");
        FZ_CHECK(out == NULL, "a result left behind on failure");
    }
    cJSON_Delete(out);
    cJSON_Delete(body);
    script_free();
    return 0;
}
