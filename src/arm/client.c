/*
 * client.c - the one place the HTTP pipeline is put together: endpoints of
 * the cloud, the credential the environment configures, and a pool of ARM
 * connections that the engine's threads take and give back.
 *
 * Every ARM chain is request id -> retry -> pace -> cancel -> bearer ->
 * [request printer] -> log -> transport; token requests use the same chain
 * without the pacer and the bearer policy.  The pacer is the client's one:
 * every plan and thread of a client spends one budget of ARM's throttle;
 * a cancel ends its waits, and the cancel policy after it refuses to send.
 * Every chain's transport sends through the client's one pool of libcurl
 * handles (transport_curl.c), so the token request's connection serves the
 * first ARM request too, and a connection opened by one thread serves the
 * next request of any other.  The tool, the dry run and the tests all
 * build it here (the tests through
 * aksnet__client_new_with, which swaps only the seams: transport, clock,
 * token source), so what the tests exercise is what ships.
 */
#include "client_internal.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aksnet/version.h"
#include "secret.h"
#include "dryrun.h"

/* The dry run's environment: a throwaway client secret that the mock accepts, nothing of the user's. */
#define DRY_TENANT "00000000-0000-0000-0000-00000000d1e7"
#define DRY_CLIENT "00000000-0000-0000-0000-0000000c11e7"

struct chain {
    struct aksnet__http_transport transport;
    struct aksnet__http_policy policies[9];
    size_t count;
    struct aksnet__arm_client arm;
    struct chain *next_idle;                   /* in the client's pool */
};

struct aksnet_client {
    struct aksnet__endpoints endpoints;
    struct aksnet__client_seams seams;
    struct aksnet__auth *auth;                 /* NULL when seams.get_token replaces it */
    char *cacert;
    long timeout_ms;                           /* one try of a request; 0 = the transport's */
    char user_agent[64];
    FILE *requests;
    struct chain token_chain;
    struct aksnet__pacer *pacer;               /* ARM's throttle, shared by every chain */
    struct aksnet__request_id_options request_id;
    struct aksnet__retry_options retry;
    struct aksnet__log_options log;
    struct aksnet__bearer_options bearer;
    struct aksnet__dryrun *mock;
    struct aksnet__redact_set secrets;         /* every secret value handled: masked in every output */
    const struct aksnet_cancel *cancel;        /* options->cancel, or NULL */
    struct aksnet__cancel_clock cancel_clock;  /* seams.clock whose waits end once cancelled */
    void (*on_retry)(void *ctx, const char *method, const char *url, double seconds, const char *why);
    void *on_retry_ctx;
    pthread_mutex_t pool_lock;
    struct chain *idle;                        /* released chains */
    struct aksnet__curl_pool *http;            /* every chain's connections (libcurl transport only) */
};

void aksnet_client_options_init(struct aksnet_client_options *options)
{
    memset(options, 0, sizeof(*options));
}

static const char *dry_getenv(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "AZURE_TENANT_ID") == 0)
        return DRY_TENANT;
    if (strcmp(name, "AZURE_CLIENT_ID") == 0)
        return DRY_CLIENT;
    if (strcmp(name, "AZURE_CLIENT_SECRET") == 0)
        return "dry-run-throwaway-secret";
    return NULL;
}

static const char *real_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

/*
 * Print each ARM request as it is sent (method, path, body), the way a
 * reviewer reads a plan; sits just before logging, after the token is set,
 * and never prints a request whose body is a secret.
 */
static aksnet_code print_policy(const struct aksnet__http_policy *self, struct aksnet__http_request *rq,
                                struct aksnet__http_response *rs, struct aksnet_error *err)
{
    struct aksnet_client *cl = self->ctx;
    const char *path = strstr(rq->url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    if (!rq->sensitive_body) {
        char *shown = strdup(path ? path : rq->url), *body = rq->body && rq->body_len ? strdup(rq->body) : NULL;
        aksnet__redact_text(&cl->secrets, shown);
        aksnet__redact_text(&cl->secrets, body);
        flockfile(cl->requests);
        fprintf(cl->requests, "%s %s\n", rq->method, shown ? shown : "(not shown: out of memory)");
        if (body)
            fprintf(cl->requests, "  %s\n", body);
        funlockfile(cl->requests);
        free(shown);
        free(body);
    }
    return aksnet__http_policy_next(self, rq, rs, err);
}

/* The retry policy's notice, handed to the client's user as method, URL, wait and reason. */
static void tell_retry(void *ctx, const struct aksnet__http_request *rq, int attempt, double delay, long status,
                       const char *why)
{
    (void)attempt;
    (void)status;
    struct aksnet_client *cl = ctx;
    char *url = strdup(rq->url), *reason = strdup(why ? why : "");
    aksnet__redact_text(&cl->secrets, url);
    aksnet__redact_text(&cl->secrets, reason);
    if (url && reason)
        cl->on_retry(cl->on_retry_ctx, rq->method, url, delay, reason);
    free(url);
    free(reason);
}

/* A chain's transport: the client's pool, made in setup with the client's CA bundle, cancel and timeout. */
static aksnet_code curl_new(void *ctx, const char *cacert, struct aksnet__http_transport *out,
                            struct aksnet_error *err)
{
    (void)cacert;
    (void)err;
    const struct aksnet_client *cl = ctx;
    aksnet__curl_pool_transport(cl->http, out);
    return AKSNET_OK;
}

static void curl_free(void *ctx, struct aksnet__http_transport *transport)
{
    (void)ctx;
    aksnet__curl_transport_free(transport);
}

static void add(struct chain *c, aksnet__http_policy_fn fn, const void *ctx)
{
    c->policies[c->count++] = (struct aksnet__http_policy){fn, (void *)ctx, NULL, NULL};
}

/* One chain; bearer for ARM requests, none for token requests. */
static aksnet_code build_chain(struct aksnet_client *cl, struct chain *c, bool bearer,
                               struct aksnet_error *err)
{
    memset(c, 0, sizeof(*c));
    aksnet_code rc = cl->seams.transport_new(cl->seams.transport_ctx, cl->cacert, &c->transport, err);
    if (rc != AKSNET_OK)
        return rc;
    add(c, aksnet__policy_request_id, &cl->request_id);
    add(c, aksnet__policy_retry, &cl->retry);
    if (bearer)
        add(c, aksnet__policy_pace, cl->pacer);
    add(c, aksnet__policy_cancel, cl->cancel);
    if (bearer)
        add(c, aksnet__policy_bearer, &cl->bearer);
    if (bearer && cl->requests)
        add(c, print_policy, cl);
    add(c, aksnet__policy_log, &cl->log);
    for (size_t i = 0; i < c->count; i++) {
        c->policies[i].next = i + 1 < c->count ? &c->policies[i + 1] : NULL;
        c->policies[i].transport = &c->transport;
    }
    c->arm = (struct aksnet__arm_client){
        .endpoint = cl->endpoints.arm_endpoint, .pipeline = &c->policies[0], .clock = cl->seams.clock};
    return AKSNET_OK;
}

static void free_chain(const struct aksnet_client *cl, struct chain *c)
{
    if (c->transport.send)
        cl->seams.transport_free(cl->seams.transport_ctx, &c->transport);
}

/* The endpoints: the dry run's mock, or the cloud's with the overrides. */
static aksnet_code resolve_endpoints(struct aksnet_client *cl, const struct aksnet_client_options *o,
                                     const char *(*env)(void *, const char *), void *env_ctx,
                                     struct aksnet_error *err)
{
    if (!o->dry_run)
        return aksnet__cloud_endpoints(o->cloud, o->arm_endpoint, o->authority_host,
                                       env(env_ctx, "AZURE_AUTHORITY_HOST"), &cl->endpoints, err);
    if (o->arm_endpoint || o->authority_host || o->cacert)
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "a dry run talks only to its own mock: leave out --arm-endpoint, --authority-host "
                                "and --cacert");
    aksnet_code rc = aksnet__dryrun_start(o->mock_program, &cl->mock, err);
    if (rc != AKSNET_OK)
        return rc;
    const char *url = aksnet__dryrun_url(cl->mock);
    return aksnet__cloud_endpoints(o->cloud, url, url, NULL, &cl->endpoints, err);
}

static aksnet_code setup_credential(struct aksnet_client *cl, const struct aksnet_client_options *o,
                                    struct aksnet_error *err)
{
    if (cl->seams.get_token) {
        cl->bearer = (struct aksnet__bearer_options){cl->seams.get_token, cl->seams.token_ctx};
        return AKSNET_OK;
    }
    struct aksnet__auth_options ao = {
        .endpoints = &cl->endpoints,
        .pipeline = &cl->token_chain.policies[0],
        .clock = cl->seams.clock,
        .getenv = o->dry_run ? dry_getenv : o->getenv,
        .getenv_ctx = o->getenv_ctx,
        .run = cl->seams.run,
        .run_ctx = cl->seams.run_ctx,
        .imds_authority = cl->seams.imds_authority,
        .imds_probe_timeout = cl->seams.imds_probe_timeout,
        .secrets = &cl->secrets,
    };
    aksnet_code rc = aksnet__auth_new(&ao, &cl->auth, err);
    if (rc == AKSNET_OK)
        cl->bearer = (struct aksnet__bearer_options){aksnet__auth_bearer, cl->auth};
    return rc;
}

static aksnet_code setup(struct aksnet_client *cl, const struct aksnet_client_options *o, struct aksnet_error *err)
{
    const char *(*env)(void *, const char *) = o->getenv ? o->getenv : real_getenv;
    aksnet_code rc = resolve_endpoints(cl, o, o->dry_run ? dry_getenv : env, o->getenv_ctx, err);
    if (rc != AKSNET_OK)
        return rc;
    if (o->cacert && !(cl->cacert = strdup(o->cacert)))
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    if (!(o->request_timeout >= 0 && o->request_timeout <= 86400))
        return aksnet_error_set(err, AKSNET_EINVAL, "request timeout %g s: expected 0 (the default) to 86400 s",
                                o->request_timeout);
    cl->timeout_ms = (long)(o->request_timeout * 1000.0);
    if (cl->seams.transport_new == curl_new) {
        struct aksnet__curl_options co = {.cacert = cl->cacert, .cancel = cl->cancel, .timeout_ms = cl->timeout_ms};
        rc = aksnet__curl_pool_new(&co, &cl->http, err);
        if (rc != AKSNET_OK)
            return rc;
    }
    snprintf(cl->user_agent, sizeof(cl->user_agent), "%.40s", o->user_agent ? o->user_agent : "aksnet/" AKSNET_VERSION);
    cl->request_id.user_agent = cl->user_agent;
    if (cl->seams.retry)
        cl->retry = *cl->seams.retry;
    else
        aksnet__retry_defaults(&cl->retry);
    cl->retry.clock = cl->seams.clock;
    if (o->on_retry) {
        cl->on_retry = o->on_retry;
        cl->on_retry_ctx = o->on_retry_ctx;
        cl->retry.on_retry = tell_retry;
        cl->retry.on_retry_ctx = cl;
    }
    cl->log = (struct aksnet__log_options){o->log, cl->seams.clock, &cl->secrets};
    cl->requests = o->requests;
    struct aksnet__pace_options po = {.clock = cl->seams.clock};
    if (o->on_retry) {
        po.on_wait = tell_retry;
        po.on_wait_ctx = cl;
    }
    rc = aksnet__pacer_new(&po, &cl->pacer, err);
    if (rc != AKSNET_OK)
        return rc;
    rc = build_chain(cl, &cl->token_chain, false, err);
    return rc == AKSNET_OK ? setup_credential(cl, o, err) : rc;
}

aksnet_code aksnet__client_new_with(const struct aksnet_client_options *options,
                                    const struct aksnet__client_seams *seams, struct aksnet_client **out,
                                    struct aksnet_error *err)
{
    aksnet_error_clear(err);
    if (!out)
        return aksnet_error_set(err, AKSNET_EINVAL, "aksnet_client_new: out is NULL");
    *out = NULL;
    struct aksnet_client_options none;
    aksnet_client_options_init(&none);
    struct aksnet_client *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    pthread_mutex_init(&cl->pool_lock, NULL);
    aksnet__redact_init(&cl->secrets);
    if (seams)
        cl->seams = *seams;
    if (!cl->seams.transport_new) {
        cl->seams.transport_new = curl_new;
        cl->seams.transport_free = curl_free;
        cl->seams.transport_ctx = cl;
    }
    if (!cl->seams.clock)
        cl->seams.clock = aksnet__clock_system();
    if (options && options->cancel) {
        /* every wait of the client (retries, operations, the engine's) goes through this clock */
        cl->cancel = options->cancel;
        aksnet__clock_cancellable(&cl->cancel_clock, cl->seams.clock, cl->cancel);
        cl->seams.clock = &cl->cancel_clock.clock;
    }
    aksnet_code rc = setup(cl, options ? options : &none, err);
    if (rc != AKSNET_OK) {
        aksnet_client_free(cl);
        return rc;
    }
    *out = cl;
    return AKSNET_OK;
}

aksnet_code aksnet_client_new(const struct aksnet_client_options *options, struct aksnet_client **out,
                              struct aksnet_error *err)
{
    return aksnet__client_new_with(options, NULL, out, err);
}

aksnet_code aksnet__client_acquire(struct aksnet_client *cl, struct aksnet__arm_client **out,
                                   struct aksnet_error *err)
{
    pthread_mutex_lock(&cl->pool_lock);
    struct chain *c = cl->idle;
    if (c)
        cl->idle = c->next_idle;
    pthread_mutex_unlock(&cl->pool_lock);
    if (!c) {
        if (!(c = malloc(sizeof(*c))))
            return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
        aksnet_code rc = build_chain(cl, c, true, err);
        if (rc != AKSNET_OK) {
            free(c);
            return rc;
        }
    }
    c->next_idle = NULL;
    *out = &c->arm;
    return AKSNET_OK;
}

void aksnet__client_release(struct aksnet_client *cl, struct aksnet__arm_client *arm)
{
    if (!arm)
        return;
    struct chain *c = (struct chain *)((char *)arm - offsetof(struct chain, arm));
    pthread_mutex_lock(&cl->pool_lock);
    c->next_idle = cl->idle;
    cl->idle = c;
    pthread_mutex_unlock(&cl->pool_lock);
}

aksnet_code aksnet__client_token(struct aksnet_client *cl, struct aksnet_error *err)
{
    char *token = NULL;
    aksnet_code rc = cl->bearer.get_token(cl->bearer.ctx, false, &token, err);
    aksnet__secret_free(token);
    return rc;
}

size_t aksnet__client_connections(const struct aksnet_client *cl)
{
    return cl->http ? aksnet__curl_pool_handles(cl->http) : 0;
}

const struct aksnet__clock *aksnet__client_clock(const struct aksnet_client *cl)
{
    return cl->seams.clock;
}

const struct aksnet__http_policy *aksnet__client_token_pipeline(const struct aksnet_client *cl)
{
    return &cl->token_chain.policies[0];
}

const struct aksnet__endpoints *aksnet__client_endpoints(const struct aksnet_client *cl)
{
    return &cl->endpoints;
}

struct aksnet__redact_set *aksnet__client_secrets(struct aksnet_client *cl)
{
    return &cl->secrets;
}

const struct aksnet_cancel *aksnet__client_cancel(const struct aksnet_client *cl)
{
    return cl->cancel;
}

aksnet_code aksnet_client_identity(struct aksnet_client *cl, bool fetch_token, struct aksnet_identity *out,
                                   struct aksnet_error *err)
{
    aksnet_error_clear(err);
    memset(out, 0, sizeof(*out));
    out->cloud = cl->endpoints.cloud;
    out->authority_host = cl->endpoints.authority_host;
    out->arm_endpoint = cl->endpoints.arm_endpoint;
    out->tenant = out->client = "";
    char *token = NULL;
    double expires = 0;
    aksnet_code rc = AKSNET_OK;
    if (fetch_token && cl->auth)
        rc = aksnet__auth_get_token(cl->auth, false, &token, &expires, err);
    else if (fetch_token)
        rc = cl->bearer.get_token(cl->bearer.ctx, false, &token, err);
    aksnet__secret_free(token);
    if (cl->auth) {
        out->credential = aksnet__auth_kind(cl->auth);
        out->tenant = aksnet__auth_tenant(cl->auth);
        out->client = aksnet__auth_client(cl->auth);
    }
    out->expires_on = rc == AKSNET_OK ? expires : 0;
    aksnet__redact_error(&cl->secrets, err);
    return rc;
}

void aksnet_client_stats(struct aksnet_client *cl, struct aksnet_client_stats *out)
{
    memset(out, 0, sizeof(*out));
    struct aksnet__pace_stats s;
    aksnet__pacer_stats(cl->pacer, &s);
    out->requests = s.requests;
    out->throttled = s.throttled;
    out->paced = s.paced;
    out->paced_seconds = s.waited;
}

void aksnet_client_free(struct aksnet_client *cl)
{
    if (!cl)
        return;
    while (cl->idle) {
        struct chain *c = cl->idle;
        cl->idle = c->next_idle;
        free_chain(cl, c);
        free(c);
    }
    aksnet__auth_free(cl->auth);
    free_chain(cl, &cl->token_chain);
    aksnet__curl_pool_free(cl->http);
    aksnet__pacer_free(cl->pacer);
    aksnet__dryrun_stop(cl->mock);
    aksnet__redact_free(&cl->secrets);
    pthread_mutex_destroy(&cl->pool_lock);
    free(cl->cacert);
    free(cl);
}
