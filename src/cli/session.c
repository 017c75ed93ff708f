/*
 * session.c - endpoints, credential and pipelines for the commands that
 * talk to Azure; for --dry-run, the same against the in-process mock.
 *
 * A dry run never sees the user's real credentials: its credential comes
 * from a fixed table (a throwaway client secret the mock accepts), not
 * from the environment.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "aksnet/aksnet.h"

#define DRY_TENANT "00000000-0000-0000-0000-00000000d1e7"
#define DRY_CLIENT "00000000-0000-0000-0000-0000000c11e7"

int cli_exit_code(aksnet_code code)
{
    switch (code) {
    case AKSNET_OK: return EXIT_DONE;
    case AKSNET_EPLAN: return EXIT_PLAN;
    case AKSNET_EAUTH: return EXIT_AUTH;
    case AKSNET_ETIMEOUT: return EXIT_TIMEOUT;
    case AKSNET_EINVAL: return EXIT_USAGE;
    default: return EXIT_ARM;
    }
}

/* The dry run's environment: a throwaway client secret, nothing of the user's. */
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

/*
 * Dry run: print each request it would send (method, path, body), the way
 * a reviewer reads a plan.  Sits just before logging in the chain.
 */
static aksnet_code print_policy(const struct aksnet_http_policy *self, struct aksnet_http_request *rq,
                                struct aksnet_http_response *rs, struct aksnet_error *err)
{
    FILE *out = self->ctx;
    const char *path = strstr(rq->url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    if (out && !rq->sensitive_body) {
        fprintf(out, "%s %s\n", rq->method, path ? path : rq->url);
        if (rq->body && rq->body_len)
            fprintf(out, "  %s\n", rq->body);
    }
    return aksnet_http_policy_next(self, rq, rs, err);
}

/* Link policies[0..count) into a chain ending at transport. */
static void link_chain(struct cli_chain *c)
{
    for (size_t i = 0; i < c->count; i++) {
        c->policies[i].next = i + 1 < c->count ? &c->policies[i + 1] : NULL;
        c->policies[i].transport = &c->transport;
    }
}

static aksnet_code build_chain(const struct cli_session *s, struct cli_chain *c, bool bearer,
                               struct aksnet_error *err)
{
    memset(c, 0, sizeof(*c));
    struct aksnet_curl_options co = {.cacert = s->cacert};
    aksnet_code rc = aksnet_curl_transport_new(&co, &c->transport, err);
    if (rc != AKSNET_OK)
        return rc;
    c->policies[c->count++] = (struct aksnet_http_policy){aksnet_policy_request_id, (void *)&s->request_id, 0, 0};
    c->policies[c->count++] = (struct aksnet_http_policy){aksnet_policy_retry, (void *)&s->retry, 0, 0};
    if (bearer)
        c->policies[c->count++] = (struct aksnet_http_policy){aksnet_policy_bearer, (void *)&s->bearer, 0, 0};
    if (bearer && s->requests)
        c->policies[c->count++] = (struct aksnet_http_policy){print_policy, s->requests, 0, 0};
    c->policies[c->count++] = (struct aksnet_http_policy){aksnet_policy_log, (void *)&s->log, 0, 0};
    link_chain(c);
    c->arm.endpoint = s->endpoints.arm_endpoint;
    c->arm.pipeline = &c->policies[0];
    c->arm.clock = aksnet_clock_system();
    c->session = s;
    return AKSNET_OK;
}

/*
 * Start the mock for --dry-run and point the endpoints at it.  Its writes
 * complete synchronously (as ARM answers fast ones): a dry run shows every
 * request the plan needs, not seconds of polling.
 */
static aksnet_code start_dry_run(struct cli_session *s, const char *cloud, struct aksnet_error *err)
{
    struct armmock_options o = {.accept_any_client = true, .instant_operations = true};
    char why[256];
    s->mock = armmock_start(&o, why, sizeof(why));
    if (!s->mock)
        return aksnet_error_set(err, AKSNET_EINVAL, "--dry-run: cannot start the built-in mock: %s", why);
    s->requests = stdout;
    return aksnet_cloud_endpoints(cloud, armmock_url(s->mock), armmock_url(s->mock), NULL, &s->endpoints, err);
}

aksnet_code cli_session_open(const struct cli_args *args, const char *plan_cloud, struct cli_session *s,
                             struct aksnet_error *err)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->pool_lock, NULL);
    const char *cloud = args->plan.cloud ? args->plan.cloud : plan_cloud;
    aksnet_code rc = args->dry_run ? start_dry_run(s, cloud, err)
                                   : aksnet_cloud_endpoints(cloud, args->arm_endpoint, args->authority_host,
                                                            getenv("AZURE_AUTHORITY_HOST"), &s->endpoints, err);
    if (rc != AKSNET_OK)
        return rc;
    s->cacert = args->dry_run ? NULL : args->cacert;
    s->request_id.user_agent = "aksnet/" AKSNET_VERSION;
    aksnet_retry_defaults(&s->retry);
    s->log.out = args->verbose ? stderr : NULL;
    rc = build_chain(s, &s->token_chain, false, err);
    if (rc != AKSNET_OK)
        return rc;
    struct aksnet_auth_options ao = {
        .endpoints = &s->endpoints,
        .pipeline = &s->token_chain.policies[0],
        .getenv = args->dry_run ? dry_getenv : NULL,
    };
    rc = aksnet_auth_new(&ao, &s->auth, err);
    if (rc != AKSNET_OK)
        return rc;
    s->bearer.get_token = aksnet_auth_bearer;
    s->bearer.ctx = s->auth;
    return AKSNET_OK;
}

aksnet_code cli_session_new_client(void *ctx, struct aksnet_arm_client **out, struct aksnet_error *err)
{
    struct cli_session *s = ctx;
    pthread_mutex_lock(&s->pool_lock);
    struct cli_chain *c = s->idle;
    if (c)
        s->idle = c->next_idle;
    pthread_mutex_unlock(&s->pool_lock);
    if (!c) {
        if (!(c = malloc(sizeof(*c))))
            return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
        aksnet_code rc = build_chain(s, c, true, err);
        if (rc != AKSNET_OK) {
            free(c);
            return rc;
        }
    }
    c->next_idle = NULL;
    *out = &c->arm;
    return AKSNET_OK;
}

void cli_session_release_client(void *ctx, struct aksnet_arm_client *client)
{
    struct cli_session *s = ctx;
    if (!client)
        return;
    struct cli_chain *c = (struct cli_chain *)((char *)client - offsetof(struct cli_chain, arm));
    pthread_mutex_lock(&s->pool_lock);
    c->next_idle = s->idle;
    s->idle = c;
    pthread_mutex_unlock(&s->pool_lock);
}

void cli_session_close(struct cli_session *s)
{
    while (s->idle) {
        struct cli_chain *c = s->idle;
        s->idle = c->next_idle;
        aksnet_curl_transport_free(&c->transport);
        free(c);
    }
    pthread_mutex_destroy(&s->pool_lock);
    aksnet_auth_free(s->auth);
    if (s->token_chain.transport.send)
        aksnet_curl_transport_free(&s->token_chain.transport);
    armmock_stop(s->mock);
    memset(s, 0, sizeof(*s));
}
