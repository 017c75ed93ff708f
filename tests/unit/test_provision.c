/*
 * test_provision.c - the engine against the in-process aksnet-mock.
 *
 * Every ARM client of a run goes through the real pipeline (request id ->
 * retry -> bearer -> [interceptor] -> libcurl) to the mock, and the run, the
 * pipeline and the mock share one fake clock whose sleep moves time under a
 * mutex: operations of minutes and retries of seconds take no wall time,
 * from any thread.  The interceptor answers in ARM's place for what the mock
 * never says to aksnet's requests (PrincipalNotFound to a principalType
 * ServicePrincipal assignment, a permission not yet effective, a provider
 * not registered).  What was sent is read back from the mock's journal.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "fake_clock.h"
#include "internal.h"
#include "json_support.h"
#include "mock_support.h"
#include "plans.h"
#include "tmpfiles.h"

#define GROUP_ID "/subscriptions/" MT_SUB "/resourceGroups/myResourceGroup"
#define NET GROUP_ID "/providers/Microsoft.Network"
#define VNET_ID NET "/virtualNetworks/myAKSVnet"
#define SUBNET_ID VNET_ID "/subnets/myAKSSubnet"
#define RT_ID NET "/routeTables/myAKSCluster-rt"
#define IDENTITY_ID GROUP_ID "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
#define CLUSTER_ID GROUP_ID "/providers/Microsoft.ContainerService/managedClusters/myAKSCluster"
#define NC_ROLE "4d97b98b-1d4f-4787-a291-c67834d212e7"

#define NETRG_ID "/subscriptions/" MT_SUB "/resourceGroups/networkResourceGroup"
#define CORP_VNET NETRG_ID "/providers/Microsoft.Network/virtualNetworks/corpVnet"
#define CORP_SUBNET CORP_VNET "/subnets/aksNodes"
#define CORP_NSG NETRG_ID "/providers/Microsoft.Network/networkSecurityGroups/corpNsg"
#define OWN_RT_ID NET "/routeTables/myAKSRouteTable"

#define MAX_EVENTS 2048
#define MAX_RULES 4

/* ---- the environment: mock, fake clock, client factory, event recorder ------------------ */

struct rule {
    const char *method;
    const char *contains;   /* in the URL */
    long status;
    const char *body;
    int remaining;
    int hits;
};

struct recorded {
    aksnet_step step;
    aksnet_step_state state;
    char *status;
    char *resource;
    bool has_error;
    char arm_code[AKSNET_ERROR_ARM_CODE_MAX];
};

struct env {
    struct mt_mock t;
    pthread_mutex_t lock;       /* the rules, the events */
    struct mt_fake_clock clock; /* the run's, the pipeline's and the mock's */
    struct rule rules[MAX_RULES];
    size_t nrules;
    struct recorded events[MAX_EVENTS];
    size_t nevents;
    int clients_live;
    /* Called (outside the lock) before a request goes on to the mock: what happens meanwhile in Azure. */
    void (*meanwhile)(struct env *e, const struct aksnet__http_request *rq);
    bool raced;
    struct aksnet_client *client;
    struct aksnet_plan *plan;
    struct aksnet_provision_options opts;
    struct aksnet_provision_result result;
    struct aksnet_error err;
    struct aksnet_cancel *cancel;     /* given to the client env_client builds (NULL: none) */
    const char *cancel_at;            /* cancel_at_put: a PUT whose URL holds this requests the cancel */
};

/* One chain's transport: the rules first, then libcurl to the mock. */
struct ttransport {
    struct env *env;
    struct aksnet__http_transport curl;
};

/* Time passes for everyone (the mock's operations end) without anybody waiting. */
static void env_advance(struct env *e, double seconds)
{
    mt_fake_clock_sleep(&e->clock, seconds);
}

/* Answer in ARM's place when a rule matches; else pass on to the mock. */
static aksnet_code intercept(void *ctx, const struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                             struct aksnet_error *err)
{
    struct ttransport *tt = ctx;
    struct env *e = tt->env;
    const struct rule *hit = NULL;
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->nrules && !hit; i++) {
        struct rule *r = &e->rules[i];
        if (r->remaining > 0 && strcmp(r->method, rq->method) == 0 && strstr(rq->url, r->contains)) {
            r->remaining--;
            r->hits++;
            hit = r;
        }
    }
    long status = hit ? hit->status : 0;
    const char *body = hit ? hit->body : NULL;
    pthread_mutex_unlock(&e->lock);
    if (!hit && e->meanwhile)
        e->meanwhile(e, rq);
    if (!hit)
        return tt->curl.send(tt->curl.ctx, rq, rs, err);
    rs->status = status;
    rs->body = strdup(body);
    rs->body_len = strlen(body);
    aksnet__http_response_add_header(rs, "Content-Type", "application/json");
    return AKSNET_OK;
}

static void add_rule(struct env *e, const char *method, const char *contains, long status, const char *body,
                     int count)
{
    assert_true(e->nrules < MAX_RULES);
    e->rules[e->nrules++] = (struct rule){method, contains, status, body, count, 0};
}

/* The transport seam: every chain the client builds ends in the rules, then libcurl. */
static aksnet_code transport_new(void *ctx, const char *cacert, struct aksnet__http_transport *out,
                                 struct aksnet_error *err)
{
    struct env *e = ctx;
    struct ttransport *tt = calloc(1, sizeof(*tt));
    if (!tt)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    struct aksnet__curl_options co = {.cacert = cacert};
    aksnet_code rc = aksnet__curl_transport_new(&co, &tt->curl, err);
    if (rc != AKSNET_OK) {
        free(tt);
        return rc;
    }
    tt->env = e;
    *out = (struct aksnet__http_transport){intercept, tt};
    pthread_mutex_lock(&e->lock);
    e->clients_live++;
    pthread_mutex_unlock(&e->lock);
    return AKSNET_OK;
}

static void transport_free(void *ctx, struct aksnet__http_transport *transport)
{
    struct env *e = ctx;
    struct ttransport *tt = transport->ctx;
    aksnet__curl_transport_free(&tt->curl);
    free(tt);
    pthread_mutex_lock(&e->lock);
    e->clients_live--;
    pthread_mutex_unlock(&e->lock);
}

/* The library's client over the mock, with the test's transport, clock and token. */
static struct aksnet_client *env_client(struct env *e)
{
    struct aksnet_client_options co;
    aksnet_client_options_init(&co);
    co.arm_endpoint = e->t.url;
    co.authority_host = e->t.url;
    co.cancel = e->cancel;
    struct aksnet__client_seams seams = {
        .transport_new = transport_new, .transport_free = transport_free, .transport_ctx = e,
        .clock = &e->clock.clock, .get_token = mt_token, .token_ctx = &e->t,
    };
    struct aksnet_client *client = NULL;
    struct aksnet_error err;
    assert_int_equal(aksnet__client_new_with(&co, &seams, &client, &err), AKSNET_OK);
    return client;
}

static void record(void *ctx, const struct aksnet_event *ev)
{
    struct env *e = ctx;
    pthread_mutex_lock(&e->lock);
    if (e->nevents < MAX_EVENTS) {
        struct recorded *r = &e->events[e->nevents++];
        r->step = ev->step;
        r->state = ev->state;
        r->status = strdup(ev->status ? ev->status : "");
        r->resource = strdup(ev->resource ? ev->resource : "");
        r->has_error = ev->error != NULL;
        snprintf(r->arm_code, sizeof(r->arm_code), "%s", ev->error ? ev->error->arm_code : "");
    }
    pthread_mutex_unlock(&e->lock);
}

static void events_reset(struct env *e)
{
    for (size_t i = 0; i < e->nevents; i++) {
        free(e->events[i].status);
        free(e->events[i].resource);
    }
    e->nevents = 0;
}

/* An example, for the mock's subscription, with its defaults. */
static struct aksnet_plan *load_plan(const char *name)
{
    struct aksnet_plan *plan = mt_plan_example(name, NULL);
    free(plan->subscription_id);
    plan->subscription_id = strdup(MT_SUB);
    assert_int_equal(aksnet_plan_apply_defaults(plan, NULL), AKSNET_OK);
    return plan;
}

/* Start a mock (opts may be NULL; over HTTPS with tls) on the shared clock, and a run's options for plan. */
static struct env *env_start_tls(struct armmock_options *opts, struct aksnet_plan *plan, bool tls)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    pthread_mutex_init(&e->lock, NULL);
    mt_fake_clock_init(&e->clock, 1800000000.0);
    struct armmock_options o = {0};
    if (opts)
        o = *opts;
    o.clock = mt_fake_clock_now;
    o.clock_ctx = &e->clock;
    assert_true(mt_start(&e->t, &o, tls));
    assert_non_null(e->t.token);
    e->plan = plan;
    aksnet_provision_options_init(&e->opts);
    e->opts.plan = plan;
    e->opts.mode = AKSNET_RUN_APPLY;
    e->client = env_client(e);
    e->opts.client = e->client;
    e->opts.events = (struct aksnet_event_sink){record, e};
    return e;
}

static struct env *env_start(struct armmock_options *opts, struct aksnet_plan *plan)
{
    return env_start_tls(opts, plan, false);
}

static void env_stop(struct env *e)
{
    aksnet_client_free(e->client);
    assert_int_equal(e->clients_live, 0);
    events_reset(e);
    aksnet_plan_free(e->plan);
    mt_stop(&e->t);
    mt_fake_clock_destroy(&e->clock);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

static aksnet_code run(struct env *e, aksnet_run_mode mode)
{
    events_reset(e);
    e->opts.mode = mode;
    aksnet_code rc = aksnet_provision_run(&e->opts, &e->result, &e->err);
    if (rc != AKSNET_OK)
        print_message("run: %s: %s [%s]\n", aksnet_strerror(rc), e->err.message, e->err.arm_code);
    return rc;
}

/* ---- reading what happened -------------------------------------------------------------- */

struct journal {
    cJSON **lines;
    size_t n;
};

static struct journal journal(struct env *e)
{
    struct journal j;
    j.lines = mt_journal(&e->t, &j.n);
    return j;
}

static void journal_free(struct journal *j)
{
    mt_journal_free(j->lines, j->n);
}

static const char *line_method(const cJSON *l)
{
    return mt_json_str(l, "method");
}

static const char *line_path(const cJSON *l)
{
    return mt_json_str(l, "path");
}

static bool is_write(const cJSON *l)
{
    const char *m = line_method(l);
    return m && (strcmp(m, "PUT") == 0 || strcmp(m, "POST") == 0 || strcmp(m, "DELETE") == 0 ||
                 strcmp(m, "PATCH") == 0);
}

/* Requests with method to ARM (not the token endpoint). */
static size_t count_method(struct env *e, const char *method)
{
    struct journal j = journal(e);
    size_t n = 0;
    for (size_t i = 0; i < j.n; i++) {
        const char *p = line_path(j.lines[i]);
        if (p && strncmp(p, "/subscriptions", 14) == 0 && strcmp(line_method(j.lines[i]), method) == 0)
            n++;
    }
    journal_free(&j);
    return n;
}

static size_t count_writes(struct env *e)
{
    struct journal j = journal(e);
    size_t n = 0;
    for (size_t i = 0; i < j.n; i++) {
        const char *p = line_path(j.lines[i]);
        if (p && strncmp(p, "/subscriptions", 14) == 0 && is_write(j.lines[i]))
            n++;
    }
    journal_free(&j);
    return n;
}

/* Index of the first line with method whose path equals path (ignoring case), after from; -1 when none. */
static long find_line(const struct journal *j, const char *method, const char *path, long status, size_t from)
{
    for (size_t i = from; i < j->n; i++) {
        const cJSON *l = j->lines[i];
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(l, "status");
        if (strcmp(line_method(l), method) == 0 && line_path(l) && strcasecmp(line_path(l), path) == 0 &&
            (status == 0 || (cJSON_IsNumber(st) && (long)st->valuedouble == status)))
            return (long)i;
    }
    return -1;
}

/* Index of the first PUT whose path contains text; -1 when none. */
static long find_put_containing(const struct journal *j, const char *text, size_t from)
{
    for (size_t i = from; i < j->n; i++)
        if (strcmp(line_method(j->lines[i]), "PUT") == 0 && strstr(line_path(j->lines[i]), text))
            return (long)i;
    return -1;
}

static size_t count_events(const struct env *e, aksnet_step step, aksnet_step_state state)
{
    size_t n = 0;
    for (size_t i = 0; i < e->nevents; i++)
        if (e->events[i].step == step && e->events[i].state == state)
            n++;
    return n;
}

static const struct recorded *find_event(const struct env *e, aksnet_step step, aksnet_step_state state,
                                         const char *status_part)
{
    for (size_t i = 0; i < e->nevents; i++)
        if (e->events[i].step == step && e->events[i].state == state &&
            (!status_part || strstr(e->events[i].status, status_part)))
            return &e->events[i];
    return NULL;
}

static cJSON *get_resource(struct env *e, const char *id, const char *api, long *status)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s?api-version=%s", id, api);
    struct mt_response r;
    assert_true(mt_request(&e->t, "GET", path, NULL, NULL, true, NULL, &r));
    *status = r.status;
    cJSON *body = r.json;
    r.json = NULL;
    mt_response_free(&r);
    return body;
}

static void expect_status(struct env *e, const char *id, const char *api, long want)
{
    long status = 0;
    cJSON *body = get_resource(e, id, api, &status);
    if (status != want)
        print_message("GET %s: %ld\n", id, status);
    assert_int_equal(status, want);
    cJSON_Delete(body);
}

static void send_ok(struct env *e, const char *method, const char *id, const char *api, const char *body)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s?api-version=%s", id, api);
    struct mt_response r;
    assert_true(mt_request(&e->t, method, path, body, NULL, true, NULL, &r));
    if (r.status < 200 || r.status > 299)
        print_message("%s %s: %ld %s\n", method, id, r.status, r.body);
    assert_true(r.status >= 200 && r.status <= 299);
    mt_response_free(&r);
    env_advance(e, 60); /* any operation it started is over */
}

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = value ? strdup(value) : NULL;
}

static void assert_states(const struct env *e, const aksnet_step_state want[AKSNET_STEP_COUNT])
{
    for (unsigned i = 0; i < AKSNET_STEP_COUNT; i++) {
        if (e->result.states[i] != want[i])
            print_message("step %s: %s, want %s\n", aksnet_step_name((aksnet_step)i),
                          aksnet_state_name(e->result.states[i]), aksnet_state_name(want[i]));
        assert_int_equal(e->result.states[i], want[i]);
    }
}

#define ALL(s) {s, s, s, s, s, s, s, s}

/* ---- the seed's plan ------------------------------------------------------------------------ */

/* Every role assignment PUT: principalType ServicePrincipal, Network Contributor; *scopes gets their scopes. */
static size_t check_role_puts(const struct journal *j, long before, const char **vnet_scope, const char **rt_scope)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n; i++) {
        const cJSON *l = j->lines[i];
        const char *p = line_path(l);
        if (strcmp(line_method(l), "PUT") != 0 || !strstr(p, "/providers/Microsoft.Authorization/roleAssignments/"))
            continue;
        n++;
        if (before >= 0)
            assert_true((long)i < before);
        assert_string_equal(mt_json_str(l, "requestBody.properties.principalType"), "ServicePrincipal");
        const char *role = mt_json_str(l, "requestBody.properties.roleDefinitionId");
        assert_non_null(role);
        assert_non_null(strstr(role, NC_ROLE));
        assert_non_null(mt_json_str(l, "requestBody.properties.principalId"));
        if (strncasecmp(p, VNET_ID "/providers/", strlen(VNET_ID "/providers/")) == 0)
            *vnet_scope = p;
        if (strncasecmp(p, RT_ID "/providers/", strlen(RT_ID "/providers/")) == 0)
            *rt_scope = p;
    }
    return n;
}

static void test_seed_plan_provisions(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    const aksnet_step_state done[] = ALL(AKSNET_STATE_DONE);
    assert_states(e, done);
    assert_string_equal(e->result.ids.cluster, CLUSTER_ID);
    assert_true(e->result.writes >= 7);

    struct journal j = journal(e);
    long group = find_line(&j, "PUT", GROUP_ID, 0, 0), rt = find_line(&j, "PUT", RT_ID, 0, 0);
    long identity = find_line(&j, "PUT", IDENTITY_ID, 0, 0), vnet = find_line(&j, "PUT", VNET_ID, 0, 0);
    long cluster = find_line(&j, "PUT", CLUSTER_ID, 0, 0);
    assert_true(group >= 0 && rt >= 0 && identity >= 0 && vnet >= 0 && cluster >= 0);
    for (size_t i = 0; i < j.n; i++) /* the group first */
        if (strcmp(line_method(j.lines[i]), "PUT") == 0)
            assert_true((long)i >= group);
    assert_true(rt < vnet && identity < cluster && vnet < cluster); /* the graph's edges (identity || vnet) */
    const char *vnet_scope = NULL, *rt_scope = NULL;
    assert_int_equal(check_role_puts(&j, cluster, &vnet_scope, &rt_scope), 2);
    assert_non_null(vnet_scope);
    assert_non_null(rt_scope);
    assert_true(find_put_containing(&j, "roleAssignments", 0) > vnet);
    /* The VNet's subnet is associated with the route table. */
    assert_true(strcasecmp(mt_json_str(j.lines[vnet], "requestBody.properties.subnets.0.properties.routeTable.id"),
                           RT_ID) == 0);
    /* The cluster: kubenet, in the subnet, with the user-assigned identity. */
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(j.lines[cluster], "requestBody");
    assert_string_equal(mt_json_str(body, "properties.networkProfile.networkPlugin"), "kubenet");
    assert_true(strcasecmp(mt_json_str(body, "properties.agentPoolProfiles.0.vnetSubnetID"), SUBNET_ID) == 0);
    assert_string_equal(mt_json_str(body, "identity.type"), "UserAssigned");
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(body,
                                                                                                           "identity"),
                                                                         "userAssignedIdentities"),
                                        IDENTITY_ID));
    journal_free(&j);

    /* Events: every step's DONE with its resource id; waits were told with the state seen. */
    const struct recorded *ev = find_event(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_DONE, NULL);
    assert_non_null(ev);
    assert_string_equal(ev->resource, CLUSTER_ID);
    assert_true(count_events(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_WAITING) > 0);
    assert_non_null(find_event(e, AKSNET_STEP_VNET, AKSNET_STATE_WAITING, "Succeeded"));
    ev = find_event(e, AKSNET_STEP_ROLE_VNET, AKSNET_STATE_DONE, NULL);
    assert_non_null(ev);
    assert_non_null(strstr(ev->resource, "/providers/Microsoft.Authorization/roleAssignments/"));

    /* The identity holds Network Contributor on both scopes (the mock's view). */
    long status = 0;
    cJSON *ra = get_resource(e, ev->resource, "2022-04-01", &status);
    assert_int_equal(status, 200);
    assert_string_equal(mt_json_str(ra, "properties.principalType"), "ServicePrincipal");
    cJSON_Delete(ra);

    /* Again: reads only. */
    size_t puts = count_method(e, "PUT"), writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_method(e, "PUT"), puts);
    assert_int_equal(count_writes(e), writes);
    assert_int_equal(e->result.writes, 0);
    const aksnet_step_state noop[] = {AKSNET_STATE_DONE, AKSNET_STATE_NOOP, AKSNET_STATE_NOOP, AKSNET_STATE_NOOP,
                                      AKSNET_STATE_NOOP, AKSNET_STATE_NOOP, AKSNET_STATE_NOOP, AKSNET_STATE_NOOP};
    assert_states(e, noop);
    env_stop(e);
}

/* The same, one step at a time. */
static void test_serial_run(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    e->opts.parallel = false;
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    const aksnet_step_state done[] = ALL(AKSNET_STATE_DONE);
    assert_states(e, done);
    env_stop(e);
}

/* ---- connections ----------------------------------------------------------------------------- */

/* The mock's client secret, as the environment gives it to the credential. */
static const char *secret_env(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "AZURE_TENANT_ID") == 0)
        return MT_TENANT;
    if (strcmp(name, "AZURE_CLIENT_ID") == 0)
        return MT_CLIENT;
    return strcmp(name, "AZURE_CLIENT_SECRET") == 0 ? MT_SECRET : NULL;
}

/* e's run on the client as the tool makes it (libcurl, the credential from a client secret), on e's clock. */
static void use_real_client(struct env *e)
{
    aksnet_client_free(e->client);
    struct aksnet_client_options co;
    aksnet_client_options_init(&co);
    co.arm_endpoint = co.authority_host = e->t.url;
    co.cacert = e->t.cacert;
    co.getenv = secret_env;
    struct aksnet__client_seams seams = {.clock = &e->clock.clock};
    assert_int_equal(aksnet__client_new_with(&co, &seams, &e->client, &e->err), AKSNET_OK);
    e->opts.client = e->client;
}

/* The connections the journal's lines from from on came by (their "connection" numbers, in a 64-bit set). */
static size_t connections_since(struct env *e, size_t from, size_t *lines)
{
    struct journal j = journal(e);
    uint64_t seen = 0;
    *lines = j.n > from ? j.n - from : 0;
    for (size_t i = from; i < j.n; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j.lines[i], "connection");
        assert_true(cJSON_IsNumber(c) && c->valuedouble >= 1 && c->valuedouble <= 64);
        seen |= (uint64_t)1 << ((unsigned)c->valuedouble - 1);
    }
    journal_free(&j);
    return (size_t)__builtin_popcountll(seen);
}

/*
 * One steps after the other over HTTPS: the token request and every ARM
 * request of the run, from every step's chain, go over one connection, one
 * TLS handshake.  (Each chain had a libcurl handle of its own before: one
 * connection for the token, one more for ARM.)
 */
static void test_serial_run_one_connection(void **state)
{
    (void)state;
    struct env *e = env_start_tls(NULL, load_plan("kubenet.json"), true);
    use_real_client(e);
    e->opts.parallel = false;
    struct journal j = journal(e);
    size_t mark = j.n, lines = 0; /* after mt_start's own token request */
    journal_free(&j);
    uint64_t before = armmock_connection_count(e->t.mock);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(connections_since(e, mark, &lines), 1);
    assert_true(lines > 10); /* the token, the reads, the writes */
    assert_int_equal(armmock_connection_count(e->t.mock) - before, 1);
    env_stop(e);
}

/*
 * Reads at once, then writes: as many connections as requests were in
 * flight together, each opened once.  The mock counts every connection
 * opened to it; over two runs on one client they are exactly the pool's
 * handles, whichever thread opened them and whichever runs next: not one
 * was opened twice.  The mock answers 50 ms late (real time, whatever its
 * clock says), so that reads are in flight together, as over a network.
 */
static void test_parallel_runs_share_connections(void **state)
{
    (void)state;
    struct armmock_options o = {.latency_read_ms = 50, .latency_write_ms = 50};
    struct env *e = env_start_tls(&o, load_plan("kubenet.json"), true);
    use_real_client(e);
    uint64_t before = armmock_connection_count(e->t.mock); /* mt_start's own */
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    struct journal j = journal(e);
    size_t mark = j.n, lines = 0;
    journal_free(&j);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_writes(e), 7); /* the first run's: the re-run wrote nothing */
    size_t used = connections_since(e, mark, &lines);
    assert_true(used < lines);
    size_t handles = aksnet__client_connections(e->client);
    assert_true(handles > 1); /* requests were in flight together */
    assert_int_equal(armmock_connection_count(e->t.mock) - before, handles);
    env_stop(e);
}

/* ---- plan mode ------------------------------------------------------------------------------- */

static void test_plan_mode_fresh(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    const aksnet_step_state want[] = {AKSNET_STATE_DONE,   AKSNET_STATE_CREATE, AKSNET_STATE_CREATE,
                                      AKSNET_STATE_CREATE, AKSNET_STATE_CREATE, AKSNET_STATE_CREATE,
                                      AKSNET_STATE_CREATE, AKSNET_STATE_CREATE};
    assert_states(e, want);
    assert_int_equal(count_writes(e), 0);
    assert_int_equal(e->result.writes, 0);
    assert_non_null(find_event(e, AKSNET_STEP_GROUP, AKSNET_STATE_CREATE, NULL));
    env_stop(e);
}

/* The plan's tags become key=value alone (the plan had none). */
static void set_only_tag(struct aksnet_plan *p, const char *key, const char *value)
{
    p->tags = calloc(1, sizeof(*p->tags));
    assert_non_null(p->tags);
    p->tags[0].key = strdup(key);
    p->tags[0].value = strdup(value);
    p->tag_count = 1;
}

static void test_plan_mode_tag_change(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    set_only_tag(e->plan, "env", "prod");
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    assert_int_equal(count_writes(e), writes);
    assert_int_equal(e->result.states[AKSNET_STEP_GROUP], AKSNET_STATE_UPDATE);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_UPDATE);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_NOOP);
    const struct recorded *ev = find_event(e, AKSNET_STEP_GROUP, AKSNET_STATE_UPDATE, NULL);
    assert_non_null(ev);
    assert_non_null(strstr(ev->status, "tags.env"));
    assert_non_null(strstr(ev->status, "prod"));

    /* Applied: the tag is set, the group keeps aksnet's mark; then nothing more to do. */
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_GROUP], AKSNET_STATE_DONE);
    long status = 0;
    cJSON *g = get_resource(e, GROUP_ID, "2021-04-01", &status);
    assert_string_equal(mt_json_str(g, "tags.env"), "prod");
    assert_string_equal(mt_json_str(g, "tags.createdBy"), "aksnet");
    cJSON_Delete(g);
    writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_writes(e), writes);
    env_stop(e);
}

/*
 * ARM's text in what the engine reports is fit to show: found by
 * tests/fuzz/fuzz_diff.c, a value that differs was shown as ARM held it
 * (an escape sequence in a tag drove the terminal; bytes that are not UTF-8
 * broke --output json).
 */
static void test_arm_text_in_events(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    long status = 0;
    cJSON *g = get_resource(e, GROUP_ID, "2021-04-01", &status);
    cJSON *tags = cJSON_GetObjectItemCaseSensitive(g, "tags");
    cJSON_AddStringToObject(tags, "env", "\x1b[2Jdev");
    char *body = cJSON_PrintUnformatted(g);
    send_ok(e, "PUT", GROUP_ID, "2021-04-01", body);
    free(body);
    cJSON_Delete(g);
    set_only_tag(e->plan, "env", "prod");
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    const struct recorded *ev = find_event(e, AKSNET_STEP_GROUP, AKSNET_STATE_UPDATE, NULL);
    assert_non_null(ev);
    if (!strstr(ev->status, "tags.env:  [2Jdev -> prod"))
        fail_msg("status: %s", ev->status);
    env_stop(e);
}

/* A change ARM cannot make in place stops before any write, naming the field. */
static void test_immutable_change_refused(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    size_t puts = count_method(e, "PUT");
    set_str(&e->plan->cluster.pod_cidr, "10.245.0.0/16");
    /* A tag change too: it would be applicable, but nothing is written. */
    e->plan->tags = calloc(1, sizeof(*e->plan->tags));
    e->plan->tags[0].key = strdup("env");
    e->plan->tags[0].value = strdup("prod");
    e->plan->tag_count = 1;
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "podCidr"));
    assert_non_null(strstr(e->err.message, "10.245.0.0/16"));
    assert_int_equal(count_method(e, "PUT"), puts);
    assert_int_equal(e->result.writes, 0);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_FAILED);
    const struct recorded *ev = find_event(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_FAILED, "podCidr");
    assert_non_null(ev);
    assert_true(ev->has_error);
    /* Plan mode says the same. */
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "properties.networkProfile.podCidr"));
    env_stop(e);
}

/* ---- faults on the wire ----------------------------------------------------------------------- */

static void test_throttled_vnet_put(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/virtualNetworks/myAKSVnet:429=7"};
    struct armmock_options o = {.faults = faults, .fault_count = 1};
    struct env *e = env_start(&o, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_true(mt_fake_clock_waited(&e->clock, 7.0)); /* Retry-After: 7, waited in full */
    struct journal j = journal(e);
    long throttled = find_line(&j, "PUT", VNET_ID, 429, 0);
    assert_true(throttled >= 0);
    assert_true(find_line(&j, "PUT", VNET_ID, 201, (size_t)throttled) > throttled);
    journal_free(&j);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DONE);
    env_stop(e);
}

static void test_unavailable_twice_and_reset(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/routeTables/myAKSCluster-rt:503:2", "PUT:*/userAssignedIdentities/*:reset"};
    struct armmock_options o = {.faults = faults, .fault_count = 2};
    struct env *e = env_start(&o, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    struct journal j = journal(e);
    long first = find_line(&j, "PUT", RT_ID, 503, 0);
    assert_true(first >= 0);
    assert_true(find_line(&j, "PUT", RT_ID, 503, (size_t)first + 1) > first);
    long dropped = -1;
    for (size_t i = 0; i < j.n; i++)
        if (strcmp(line_method(j.lines[i]), "PUT") == 0 && strcasecmp(line_path(j.lines[i]), IDENTITY_ID) == 0 &&
            cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j.lines[i], "status")))
            dropped = (long)i;
    assert_true(dropped >= 0);
    assert_true(find_line(&j, "PUT", IDENTITY_ID, 201, (size_t)dropped) > dropped);
    journal_free(&j);
    const aksnet_step_state done[] = ALL(AKSNET_STATE_DONE);
    assert_states(e, done);
    env_stop(e);
}

/* An operation that ends Failed: ARM's code, and nothing after it attempted. */
static void test_failed_operation_stops_the_graph(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/virtualNetworks/myAKSVnet:fail"};
    struct armmock_options o = {.faults = faults, .fault_count = 1};
    struct env *e = env_start(&o, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EARM);
    assert_string_equal(e->err.arm_code, "InternalOperationError");
    assert_non_null(strstr(e->err.message, "Failed"));
    assert_int_equal(e->result.states[AKSNET_STEP_VNET], AKSNET_STATE_FAILED);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_PENDING);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_ROUTE_TABLE], AKSNET_STATE_PENDING);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_PENDING);
    struct journal j = journal(e);
    assert_true(find_line(&j, "PUT", VNET_ID, 0, 0) >= 0);
    assert_int_equal(find_put_containing(&j, "roleAssignments", 0), -1);
    assert_int_equal(find_line(&j, "PUT", CLUSTER_ID, 0, 0), -1);
    journal_free(&j);
    const struct recorded *ev = find_event(e, AKSNET_STEP_VNET, AKSNET_STATE_FAILED, NULL);
    assert_non_null(ev);
    assert_string_equal(ev->arm_code, "InternalOperationError");
    assert_non_null(find_event(e, AKSNET_STEP_VNET, AKSNET_STATE_WAITING, "Failed"));

    /* Run again: the VNet ARM left Failed is sent again, and the rest follows. */
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_non_null(find_event(e, AKSNET_STEP_VNET, AKSNET_STATE_UPDATE, "provisioningState"));
    const aksnet_step_state done[] = {AKSNET_STATE_DONE, AKSNET_STATE_NOOP, AKSNET_STATE_NOOP, AKSNET_STATE_NOOP,
                                      AKSNET_STATE_DONE, AKSNET_STATE_DONE, AKSNET_STATE_DONE, AKSNET_STATE_DONE};
    assert_states(e, done);
    env_stop(e);
}

/* PUTs of path in the journal, and how many of them ARM accepted (2xx). */
static size_t count_puts(const struct journal *j, const char *path, size_t *accepted)
{
    size_t n = 0;
    *accepted = 0;
    for (long i = find_line(j, "PUT", path, 0, 0); i >= 0; i = find_line(j, "PUT", path, 0, (size_t)i + 1)) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j->lines[i], "status");
        n++;
        *accepted += cJSON_IsNumber(st) && st->valuedouble >= 200 && st->valuedouble < 300;
    }
    return n;
}

/*
 * The network provider's other way of saying busy: it accepts the write,
 * then the operation ends Failed with AnotherOperationInProgress
 * (Azure/bicep#5132, microsoft/AzureTRE#2222) or RetryableError
 * (kubernetes/kubernetes#88151).  aksnet waits and sends the same write
 * once more, within the step's deadline, and the run converges.
 */
static void test_busy_operation_failure_resent(void **state)
{
    (void)state;
    const char *faults[] = {"PUT:*/routeTables/*:fail=AnotherOperationInProgress:1",
                            "PUT:*/virtualNetworks/myAKSVnet:fail=RetryableError:1"};
    struct armmock_options o = {.faults = faults, .fault_count = 2};
    struct env *e = env_start(&o, load_plan("kubenet.json"));
    e->opts.step_deadline = 60;
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    struct journal j = journal(e);
    size_t accepted = 0;
    assert_int_equal(count_puts(&j, RT_ID, &accepted), 2);
    assert_int_equal(accepted, 2);
    assert_int_equal(count_puts(&j, VNET_ID, &accepted), 2);
    assert_int_equal(accepted, 2);
    /* each first operation ended Failed with the busy code, as its status resource said */
    size_t busy = 0, retryable = 0;
    for (size_t i = 0; i < j.n; i++) {
        if (strcmp(line_method(j.lines[i]), "GET") != 0 || !strstr(line_path(j.lines[i]), "/operations/"))
            continue;
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(j.lines[i], "responseBody");
        if (strcmp(mt_json_str(body, "status"), "Failed") != 0)
            continue;
        busy += strcmp(mt_json_str(body, "error.code"), "AnotherOperationInProgress") == 0;
        retryable += strcmp(mt_json_str(body, "error.code"), "RetryableError") == 0 &&
                     strcmp(mt_json_str(body, "error.details.0.code"), "RetryableErrorDueToAnotherOperation") == 0;
    }
    assert_int_equal(busy, 1);
    assert_int_equal(retryable, 1);
    journal_free(&j);
    /* the user reads why a write seen ending Failed goes again */
    assert_non_null(find_event(e, AKSNET_STEP_ROUTE_TABLE, AKSNET_STATE_WAITING, "Failed"));
    assert_non_null(find_event(e, AKSNET_STEP_ROUTE_TABLE, AKSNET_STATE_RETRYING,
                               "another operation holds the resource (AnotherOperationInProgress): sending the "
                               "write again in 1 s"));
    assert_non_null(find_event(e, AKSNET_STEP_VNET, AKSNET_STATE_RETRYING, "(RetryableError)"));
    const aksnet_step_state done[] = ALL(AKSNET_STATE_DONE);
    assert_states(e, done);
    long status = 0;
    cJSON *rt = get_resource(e, RT_ID, "2024-05-01", &status);
    assert_string_equal(mt_json_str(rt, "properties.provisioningState"), "Succeeded");
    cJSON_Delete(rt);
    env_stop(e);
}

/* A deadline that passes: AKSNET_ETIMEOUT with the operation's URL. */
static void test_cluster_deadline(void **state)
{
    (void)state;
    struct armmock_options o = {.lro_seconds = 500};
    struct env *e = env_start(&o, load_plan("kubenet.json"));
    e->opts.step_deadline = 86400;
    e->opts.cluster_deadline = 120;
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_ETIMEOUT);
    assert_non_null(strstr(e->err.message, e->t.url));
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_FAILED);
    assert_int_equal(e->result.states[AKSNET_STEP_VNET], AKSNET_STATE_DONE);

    /* A later run finds the cluster still Creating, equal to the plan: it waits for it, sending no PUT. */
    size_t puts = count_method(e, "PUT");
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_WAITING);
    e->opts.cluster_deadline = 3600;
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_method(e, "PUT"), puts);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DONE);
    assert_non_null(find_event(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_WAITING, "still"));
    assert_non_null(find_event(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_WAITING, "Succeeded"));
    long status = 0;
    cJSON *c = get_resource(e, CLUSTER_ID, "2024-09-01", &status);
    assert_string_equal(mt_json_str(c, "properties.provisioningState"), "Succeeded");
    cJSON_Delete(c);
    env_stop(e);
}

/* ---- answers the mock does not give aksnet: through the interceptor ---------------------------- */

#define PRINCIPAL_NOT_FOUND                                                                                  \
    "{\"error\":{\"code\":\"PrincipalNotFound\",\"message\":\"Principal 0123 does not exist in the directory " \
    "11111111-1111-1111-1111-111111111111.\"}}"

static void test_principal_not_found_retried(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    add_rule(e, "PUT", "/roleAssignments/", 400, PRINCIPAL_NOT_FOUND, 3);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(e->rules[0].hits, 3);
    size_t retries = count_events(e, AKSNET_STEP_ROLE_VNET, AKSNET_STATE_RETRYING) +
                     count_events(e, AKSNET_STEP_ROLE_ROUTE_TABLE, AKSNET_STATE_RETRYING);
    assert_int_equal(retries, 3);
    const struct recorded *ev = find_event(e, AKSNET_STEP_ROLE_VNET, AKSNET_STATE_RETRYING, "attempt 1 ");
    if (!ev)
        ev = find_event(e, AKSNET_STEP_ROLE_ROUTE_TABLE, AKSNET_STATE_RETRYING, "attempt 1 ");
    assert_non_null(ev);
    assert_non_null(strstr(ev->status, "PrincipalNotFound"));
    assert_true(find_event(e, AKSNET_STEP_ROLE_VNET, AKSNET_STATE_RETRYING, "attempt 2 ") ||
                find_event(e, AKSNET_STEP_ROLE_ROUTE_TABLE, AKSNET_STATE_RETRYING, "attempt 2 "));
    assert_true(mt_fake_clock_waited(&e->clock, 5.0));
    const aksnet_step_state done[] = ALL(AKSNET_STATE_DONE);
    assert_states(e, done);
    env_stop(e);
}

/* The budget runs out: ARM's PrincipalNotFound, and no cluster PUT. */
static void test_principal_never_found(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    e->opts.principal_wait = 60;
    add_rule(e, "PUT", "/roleAssignments/", 400, PRINCIPAL_NOT_FOUND, 1000);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_ETIMEOUT); /* a wait ran out: exit 5, not ARM's refusal */
    assert_string_equal(e->err.arm_code, "PrincipalNotFound");
    assert_non_null(strstr(e->err.message, "attempts"));
    /* and says what to do: resume, or wait longer (the seed: up to 60 minutes) */
    assert_non_null(strstr(e->err.message, "run the same command again to resume"));
    assert_non_null(strstr(e->err.message, "--role-wait"));
    assert_true(e->rules[0].hits >= 4 && e->rules[0].hits < 40);
    assert_int_equal(count_method(e, "PUT") > 0, 1);
    struct journal j = journal(e);
    assert_int_equal(find_line(&j, "PUT", CLUSTER_ID, 0, 0), -1);
    journal_free(&j);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_PENDING);
    env_stop(e);
}

static void test_cluster_permission_not_yet_effective(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    add_rule(e, "PUT", "/managedClusters/", 400,
             "{\"error\":{\"code\":\"LinkedAuthorizationFailed\",\"message\":\"The client has permission to perform "
             "action 'Microsoft.ContainerService/managedClusters/write'; however, it does not have permission to "
             "perform action 'Microsoft.Network/virtualNetworks/subnets/join/action'.\"}}",
             1);
    add_rule(e, "PUT", "/managedClusters/", 400,
             "{\"error\":{\"code\":\"CustomRouteTableMissingPermission\",\"message\":\"Managed identity must be "
             "given permission to read and write to custom route table.\"}}",
             1);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_events(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_RETRYING), 2);
    assert_non_null(find_event(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_RETRYING, "LinkedAuthorizationFailed"));
    assert_non_null(find_event(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_RETRYING, "CustomRouteTableMissingPermission"));
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DONE);
    env_stop(e);
}

/* The same grant under another name (another client made it) is found by the plan and adopted: no write. */
static void test_role_assignment_exists(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    /* Make each grant someone else's: the same scope, principal and role under another name. */
    static const aksnet_step roles[] = {AKSNET_STEP_ROLE_VNET, AKSNET_STEP_ROLE_ROUTE_TABLE};
    static const char *const names[] = {"aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"};
    for (size_t i = 0; i < 2; i++) {
        const struct recorded *ev = find_event(e, roles[i], AKSNET_STATE_DONE, NULL);
        assert_non_null(ev);
        char id[1024], other[1024];
        snprintf(id, sizeof(id), "%s", ev->resource);
        long status = 0;
        cJSON *ra = get_resource(e, id, "2022-04-01", &status);
        assert_int_equal(status, 200);
        char *body = NULL;
        {
            cJSON *b = cJSON_CreateObject();
            cJSON *p = cJSON_AddObjectToObject(b, "properties");
            cJSON_AddStringToObject(p, "roleDefinitionId", mt_json_str(ra, "properties.roleDefinitionId"));
            cJSON_AddStringToObject(p, "principalId", mt_json_str(ra, "properties.principalId"));
            cJSON_AddStringToObject(p, "principalType", "ServicePrincipal");
            body = cJSON_PrintUnformatted(b);
            cJSON_Delete(b);
        }
        cJSON_Delete(ra);
        send_ok(e, "DELETE", id, "2022-04-01", NULL);
        snprintf(other, sizeof(other), "%.*s%s", (int)(strrchr(id, '/') + 1 - id), id, names[i]);
        send_ok(e, "PUT", other, "2022-04-01", body);
        free(body);
    }
    /* The plan finds them by listing the scope's assignments of the principal: nothing to add. */
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_NOOP);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_ROUTE_TABLE], AKSNET_STATE_NOOP);
    assert_non_null(find_event(e, AKSNET_STEP_ROLE_VNET, AKSNET_STATE_NOOP, "another client"));
    const struct recorded *adopted = find_event(e, AKSNET_STEP_ROLE_ROUTE_TABLE, AKSNET_STATE_NOOP, NULL);
    assert_non_null(adopted);
    assert_non_null(strstr(adopted->resource, names[1]));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_NOOP);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_ROUTE_TABLE], AKSNET_STATE_NOOP);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_NOOP);
    env_stop(e);
}

static void test_provider_registered_first(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    add_rule(e, "GET", "/providers/Microsoft.ContainerService?", 200,
             "{\"namespace\":\"Microsoft.ContainerService\",\"registrationState\":\"NotRegistered\"}", 1);
    add_rule(e, "GET", "/providers/Microsoft.ContainerService?", 200,
             "{\"namespace\":\"Microsoft.ContainerService\",\"registrationState\":\"Registering\"}", 1);

    /* Plan mode reads and says so; nothing is registered. */
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    assert_non_null(find_event(e, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_WARNING, "NotRegistered"));
    assert_int_equal(count_method(e, "POST"), 0);

    /* Apply registers it, polling every 10 s, before the first PUT. */
    e->rules[0].remaining = 1;
    e->rules[1].remaining = 1;
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_method(e, "POST"), 1);
    struct journal j = journal(e);
    long post = find_line(&j, "POST", "/subscriptions/" MT_SUB "/providers/Microsoft.ContainerService/register", 0, 0);
    assert_true(post >= 0);
    assert_true(find_line(&j, "PUT", GROUP_ID, 0, 0) > post);
    journal_free(&j);
    assert_true(mt_fake_clock_waited(&e->clock, 10.0));
    assert_non_null(find_event(e, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_WAITING, "Registering"));
    env_stop(e);
}

/*
 * A cloud that lags behind: the provider lists neither aksnet's AKS
 * api-version nor (on the second try) the plan's location for managed
 * clusters.  The run stops in the preflight, naming what is offered, before
 * any write.  Display names ("China East 2") match the plan's "chinaeast2".
 */
static void test_provider_offers_version_and_location(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    add_rule(e, "GET", "/providers/Microsoft.ContainerService?", 200,
             "{\"namespace\":\"Microsoft.ContainerService\",\"registrationState\":\"Registered\","
             "\"resourceTypes\":[{\"resourceType\":\"managedClusters\",\"locations\":[\"China East 2\"],"
             "\"apiVersions\":[\"2023-08-01\",\"2022-11-01\"]}]}",
             1);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "does not offer api-version 2024-09-01"));
    assert_non_null(strstr(e->err.message, "2023-08-01"));
    assert_int_equal(count_writes(e), 0);
    add_rule(e, "GET", "/providers/Microsoft.ContainerService?", 200,
             "{\"namespace\":\"Microsoft.ContainerService\",\"registrationState\":\"Registered\","
             "\"resourceTypes\":[{\"resourceType\":\"managedClusters\",\"locations\":[\"China North 3\"],"
             "\"apiVersions\":[\"2024-09-01\"]}]}",
             1);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "not offered in location 'chinaeast2' (offered: China North 3)"));
    assert_int_equal(count_writes(e), 0);
    add_rule(e, "GET", "/providers/Microsoft.ContainerService?", 200,
             "{\"namespace\":\"Microsoft.ContainerService\",\"registrationState\":\"Registered\","
             "\"resourceTypes\":[{\"resourceType\":\"managedClusters\",\"locations\":[\"China East 2\"],"
             "\"apiVersions\":[\"2024-09-01\"]}]}",
             1);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    env_stop(e);
}

/* ---- the user's VNet --------------------------------------------------------------------------------- */

/*
 * A state file holding a signing key, the group networkResourceGroup and
 * the NSG corpNsg (a type the mock does not serve).
 */
static void write_seed_state(const char *path)
{
    cJSON *state = mt_state_new(NULL);
    mt_state_add(state, "Microsoft.Resources", "resourceGroups",
                 mt_json_parse("{\"id\":\"" NETRG_ID "\",\"name\":\"networkResourceGroup\","
                               "\"type\":\"Microsoft.Resources/resourceGroups\",\"location\":\"chinaeast2\","
                               "\"tags\":{},\"properties\":{\"provisioningState\":\"Succeeded\"}}"),
                 1700000000.0);
    mt_state_add(state, "Microsoft.Network", "networkSecurityGroups",
                 mt_json_parse("{\"id\":\"" CORP_NSG "\",\"name\":\"corpNsg\","
                               "\"type\":\"Microsoft.Network/networkSecurityGroups\",\"location\":\"chinaeast2\","
                               "\"properties\":{\"provisioningState\":\"Succeeded\",\"securityRules\":[]}}"),
                 1700000000.0);
    assert_true(mt_state_write(state, path));
}

#define CORP_VNET_BODY                                                                                          \
    "{\"location\":\"chinaeast2\",\"tags\":{\"owner\":\"netops\"},\"properties\":{\"addressSpace\":"             \
    "{\"addressPrefixes\":[\"172.16.0.0/16\"]},\"subnets\":["                                                    \
    "{\"name\":\"gateways\",\"properties\":{\"addressPrefix\":\"172.16.1.0/24\"}},"                              \
    "{\"name\":\"aksNodes\",\"properties\":{\"addressPrefix\":\"172.16.4.0/24\",\"networkSecurityGroup\":"       \
    "{\"id\":\"" CORP_NSG "\"},\"serviceEndpoints\":[{\"service\":\"Microsoft.Storage\"}]}},"                   \
    "{\"name\":\"databases\",\"properties\":{\"addressPrefix\":\"172.16.8.0/24\",\"serviceEndpoints\":"          \
    "[{\"service\":\"Microsoft.Sql\"}]}}]}}"

struct seeded {
    struct mt_tmpdir dir;
    char state[MT_PATH_MAX];
};

static struct env *start_with_corp_vnet(struct seeded *s, const char *vnet_body)
{
    assert_true(mt_tmpdir_make(&s->dir, "prov"));
    assert_non_null(mt_tmpdir_file(&s->dir, "state.json", s->state, sizeof(s->state)));
    write_seed_state(s->state);
    struct armmock_options o = {.state_path = s->state};
    struct env *e = env_start(&o, load_plan("kubenet-existing-vnet.json"));
    send_ok(e, "PUT", CORP_VNET, "2024-05-01", vnet_body);
    return e;
}

static const cJSON *subnet_named(const cJSON *vnet, const char *name)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vnet, "properties"),
                                                           "subnets"))
    {
        if (strcmp(mt_json_str(s, "name"), name) == 0)
            return s;
    }
    return NULL;
}

static void test_existing_vnet_keeps_everything(void **state)
{
    (void)state;
    struct seeded s;
    memset(&s, 0, sizeof(s));
    struct env *e = start_with_corp_vnet(&s, CORP_VNET_BODY);
    struct journal j = journal(e);
    size_t start = j.n;
    journal_free(&j);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    const aksnet_step_state done[] = ALL(AKSNET_STATE_DONE);
    assert_states(e, done);
    /* The NSG is a warning naming the ranges. */
    const struct recorded *w = find_event(e, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_WARNING, "network security group");
    assert_non_null(w);
    assert_non_null(strstr(w->status, "172.16.4.0/24"));
    assert_non_null(strstr(w->status, "172.18.0.0/16"));

    /* Never a PUT on the VNet: only its subnet. */
    j = journal(e);
    assert_int_equal(find_line(&j, "PUT", CORP_VNET, 0, start), -1);
    long sub = find_line(&j, "PUT", CORP_SUBNET, 0, 0);
    assert_true(sub >= 0);
    assert_string_equal(mt_json_str(j.lines[sub], "requestBody.properties.networkSecurityGroup.id"), CORP_NSG);
    /* Role assignments: on the subnet (scope subnet) and on the route table. */
    long ra = find_put_containing(&j, CORP_SUBNET "/providers/Microsoft.Authorization/roleAssignments/", 0);
    assert_true(ra >= 0);
    assert_true(find_put_containing(&j, OWN_RT_ID "/providers/Microsoft.Authorization/roleAssignments/", 0) >= 0);
    assert_true(ra < find_line(&j, "PUT", CLUSTER_ID, 0, 0));
    journal_free(&j);

    long status = 0;
    cJSON *vnet = get_resource(e, CORP_VNET, "2024-05-01", &status);
    assert_int_equal(status, 200);
    assert_int_equal(cJSON_GetArraySize(mt_json_at(vnet, "properties.subnets")), 3);
    assert_string_equal(mt_json_str(vnet, "tags.owner"), "netops");
    const cJSON *nodes = subnet_named(vnet, "aksNodes");
    assert_non_null(nodes);
    assert_string_equal(mt_json_str(nodes, "properties.networkSecurityGroup.id"), CORP_NSG);
    assert_string_equal(mt_json_str(nodes, "properties.serviceEndpoints.0.service"), "Microsoft.Storage");
    assert_true(strcasecmp(mt_json_str(nodes, "properties.routeTable.id"), OWN_RT_ID) == 0);
    assert_string_equal(mt_json_str(subnet_named(vnet, "databases"), "properties.serviceEndpoints.0.service"),
                        "Microsoft.Sql");
    assert_non_null(subnet_named(vnet, "gateways"));
    cJSON_Delete(vnet);

    /* Again: nothing to write. */
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_writes(e), writes);

    /* Destroy: the user's VNet stays with everything; only aksnet's route table's association goes. */
    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_OK);
    vnet = get_resource(e, CORP_VNET, "2024-05-01", &status);
    assert_int_equal(status, 200);
    nodes = subnet_named(vnet, "aksNodes");
    assert_non_null(nodes);
    assert_string_equal(mt_json_str(nodes, "properties.networkSecurityGroup.id"), CORP_NSG);
    assert_null(mt_json_str(nodes, "properties.routeTable.id"));
    assert_non_null(subnet_named(vnet, "gateways"));
    assert_non_null(subnet_named(vnet, "databases"));
    cJSON_Delete(vnet);
    expect_status(e, NETRG_ID, "2021-04-01", 200);
    expect_status(e, OWN_RT_ID, "2024-05-01", 404);
    expect_status(e, GROUP_ID, "2021-04-01", 404);
    env_stop(e);
    mt_tmpdir_remove(&s.dir);
}

/* The service range over a subnet of the user's VNet: refused before any write. */
static void test_existing_vnet_service_range_overlap(void **state)
{
    (void)state;
    struct seeded s;
    memset(&s, 0, sizeof(s));
    struct env *e = start_with_corp_vnet(&s, CORP_VNET_BODY);
    set_str(&e->plan->cluster.service_cidr, "172.16.8.0/22");
    set_str(&e->plan->cluster.dns_service_ip, "172.16.8.10");
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "databases"));
    assert_non_null(strstr(e->err.message, "serviceCidr"));
    assert_int_equal(count_writes(e), writes);
    assert_int_equal(e->result.states[AKSNET_STEP_PREFLIGHT], AKSNET_STATE_FAILED);
    env_stop(e);
    mt_tmpdir_remove(&s.dir);
}

/* A subnet another cluster uses: refused before any write. */
static void test_subnet_of_another_cluster(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    /* Another plan with another cluster name on the same subnet. */
    struct aksnet_plan *other = load_plan("kubenet.json");
    set_str(&other->cluster.name, "otherCluster");
    aksnet_plan_free(e->plan);
    e->plan = other;
    e->opts.plan = other;
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "myAKSCluster"));
    assert_int_equal(count_writes(e), writes);
    env_stop(e);
}

/*
 * The list of the subscription's clusters that never ends (its second page
 * names itself as the next) fails the preflight before any write, after
 * two requests: the check was not made, so it is not passed.
 */
static void test_cluster_list_that_loops(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK); /* the subnet exists: the clusters are listed */
    char body[512];
    snprintf(body, sizeof(body),
             "{\"value\":[],\"nextLink\":\"%s/subscriptions/%s/providers/Microsoft.ContainerService/"
             "managedClusters?api-version=%s&$skipToken=2\"}",
             e->t.url, MT_SUB, AKSNET_API_AKS);
    add_rule(e, "GET", "/managedClusters?", 200, body, 5000);
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EARM);
    assert_non_null(strstr(e->err.message, "managedClusters loops"));
    assert_non_null(strstr(e->err.message, "incomplete"));
    assert_int_equal(e->rules[0].hits, 2);
    assert_int_equal(e->result.states[AKSNET_STEP_PREFLIGHT], AKSNET_STATE_FAILED);
    assert_int_equal(count_writes(e), writes);
    env_stop(e);
}

/* An existing subnet already associated with a route table not the plan's: aksnet does not replace it. */
static void test_user_subnet_with_other_route_table(void **state)
{
    (void)state;
    struct seeded s;
    memset(&s, 0, sizeof(s));
    struct env *e = start_with_corp_vnet(&s, CORP_VNET_BODY);
    send_ok(e, "PUT", NETRG_ID "/providers/Microsoft.Network/routeTables/corpRoutes", "2024-05-01",
            "{\"location\":\"chinaeast2\",\"properties\":{\"routes\":[]}}");
    send_ok(e, "PUT", CORP_SUBNET, "2024-05-01",
            "{\"properties\":{\"addressPrefix\":\"172.16.4.0/24\",\"routeTable\":{\"id\":\"" NETRG_ID
            "/providers/Microsoft.Network/routeTables/corpRoutes\"}}}");
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "corpRoutes"));
    assert_int_equal(count_writes(e), writes);
    env_stop(e);
    mt_tmpdir_remove(&s.dir);
}

/* ---- destroy ---------------------------------------------------------------------------------------------- */

static void test_destroy_removes_only_what_it_made(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    /* Someone else's group, with a VNet. */
    const char *keep = "/subscriptions/" MT_SUB "/resourceGroups/keep";
    send_ok(e, "PUT", keep, "2021-04-01", "{\"location\":\"chinaeast2\"}");
    send_ok(e, "PUT", "/subscriptions/" MT_SUB "/resourceGroups/keep/providers/Microsoft.Network/virtualNetworks/v",
            "2024-05-01",
            "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.9.0.0/16\"]}}}");
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    struct journal j = journal(e);
    size_t before = j.n;
    journal_free(&j);

    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_OK);
    const aksnet_step_state want[] = {AKSNET_STATE_SKIPPED, AKSNET_STATE_DELETED, AKSNET_STATE_DELETED,
                                      AKSNET_STATE_DELETED, AKSNET_STATE_DELETED, AKSNET_STATE_DELETED,
                                      AKSNET_STATE_DELETED, AKSNET_STATE_DELETED};
    assert_states(e, want);
    expect_status(e, keep, "2021-04-01", 200);
    expect_status(e, "/subscriptions/" MT_SUB "/resourceGroups/keep/providers/Microsoft.Network/virtualNetworks/v",
                  "2024-05-01", 200);
    expect_status(e, GROUP_ID, "2021-04-01", 404);
    expect_status(e, CLUSTER_ID, "2024-09-01", 404);

    /* In reverse order, and nothing of 'keep'. */
    j = journal(e);
    long cluster = -1, roles = -1, vnet = -1, rt = -1, identity = -1, group = -1;
    for (size_t i = before; i < j.n; i++) {
        const char *p = line_path(j.lines[i]);
        if (strcmp(line_method(j.lines[i]), "DELETE") != 0)
            continue;
        assert_null(strstr(p, "/keep"));
        if (strcasecmp(p, CLUSTER_ID) == 0)
            cluster = (long)i;
        else if (strstr(p, "/roleAssignments/"))
            roles = (long)i;
        else if (strcasecmp(p, VNET_ID) == 0)
            vnet = (long)i;
        else if (strcasecmp(p, RT_ID) == 0)
            rt = (long)i;
        else if (strcasecmp(p, IDENTITY_ID) == 0)
            identity = (long)i;
        else if (strcasecmp(p, GROUP_ID) == 0)
            group = (long)i;
    }
    journal_free(&j);
    assert_true(cluster >= 0 && cluster < roles && roles < vnet && vnet < rt && rt < identity && identity < group);

    /* Again: nothing left to remove. */
    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_OK);
    assert_int_equal(e->result.writes, 0);
    env_stop(e);
}

/* ---- cancelling (Ctrl-C) ----------------------------------------------------------------- */

/* Ctrl-C as the PUT goes out: it reaches ARM, whose operation then runs on. */
static void cancel_at_put(struct env *e, const struct aksnet__http_request *rq)
{
    if (strcmp(rq->method, "PUT") == 0 && strstr(rq->url, e->cancel_at))
        aksnet_cancel_request(e->cancel, 2);
}

/* The run's client made again, with e->cancel (or without, when NULL); old, freed first, may hold the old one. */
static void env_renew_client(struct env *e, struct aksnet_cancel *old)
{
    aksnet_client_free(e->client);
    aksnet_cancel_free(old);
    e->client = env_client(e);
    e->opts.client = e->client;
}

/* A client with a cancel that the PUT to a URL holding cancel_at requests. */
static void env_cancel_at(struct env *e, const char *cancel_at)
{
    struct aksnet_error err;
    assert_int_equal(aksnet_cancel_new(&e->cancel, &err), AKSNET_OK);
    env_renew_client(e, NULL);
    e->cancel_at = cancel_at;
    e->meanwhile = cancel_at_put;
}

/* Back to a client without a cancel, with the operations ARM was running over. */
static void env_uncancel(struct env *e)
{
    struct aksnet_cancel *old = e->cancel;
    e->cancel = NULL;
    e->meanwhile = NULL;
    env_renew_client(e, old);
    env_advance(e, 7200);
    free(e->t.token); /* two hours on: a fresh token */
    e->t.token = mt_fetch_token(&e->t, MT_TENANT, MT_CLIENT, MT_SECRET);
    assert_non_null(e->t.token);
}

/*
 * Cancelled while the cluster's operation runs: the wait for it ends at
 * once, no poll goes out, the run says the cluster may still be running
 * (with its operation URL) and that a re-run resumes; the re-run converges
 * without a second PUT.
 */
static void test_cancel_while_cluster_runs(void **state)
{
    (void)state;
    struct armmock_options mo = {.lro_seconds = 1200};
    struct env *e = env_start(&mo, load_plan("kubenet.json"));
    env_cancel_at(e, "/managedClusters/");
    /* the other operations end while aksnet waits for them (the fake clock moves): only the cluster's is cut */
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_ECANCELED);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_INTERRUPTED);
    assert_int_equal(e->result.states[AKSNET_STEP_VNET], AKSNET_STATE_DONE);
    assert_int_equal(e->result.in_flight_count, 1);
    assert_int_equal(e->result.in_flight[0].step, AKSNET_STEP_CLUSTER);
    assert_string_equal(e->result.in_flight[0].resource, CLUSTER_ID);
    assert_non_null(strstr(e->result.in_flight[0].operation, "/providers/Microsoft.ContainerService/locations/"));
    assert_int_equal(e->err.code, AKSNET_ECANCELED);
    assert_non_null(strstr(e->err.message, CLUSTER_ID));
    assert_non_null(strstr(e->err.message, "run the same command again to resume"));
    const struct recorded *ev = find_event(e, AKSNET_STEP_CLUSTER, AKSNET_STATE_INTERRUPTED, "may still be running");
    assert_non_null(ev);
    assert_false(ev->has_error);
    /* the cluster's PUT went out once, and nothing after it: its wait ended before the first poll */
    struct journal j = journal(e);
    long put = find_put_containing(&j, "/managedClusters/", 0);
    assert_true(put >= 0);
    for (size_t i = (size_t)put + 1; i < j.n; i++)
        assert_null(strstr(line_path(j.lines[i]), "/subscriptions"));
    journal_free(&j);

    env_uncancel(e);
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_writes(e), writes);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_NOOP);
    env_stop(e);
}

/* How many PUTs went to exactly id. */
static size_t puts_to(struct env *e, const char *id)
{
    struct journal j = journal(e);
    size_t n = 0;
    for (long i = find_line(&j, "PUT", id, 0, 0); i >= 0; i = find_line(&j, "PUT", id, 0, (size_t)i + 1))
        n++;
    journal_free(&j);
    return n;
}

/*
 * Cancelled as the route table's PUT goes out, while the identity's runs
 * beside it: nothing after them starts (PENDING), both writes that may
 * still run are listed, and the re-run makes the rest without a second PUT
 * of either.
 */
static void test_cancel_stops_the_graph(void **state)
{
    (void)state;
    struct armmock_options mo = {.lro_seconds = 600};
    struct env *e = env_start(&mo, load_plan("kubenet.json"));
    env_cancel_at(e, "/routeTables/");
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_ECANCELED);
    assert_int_equal(e->result.states[AKSNET_STEP_GROUP], AKSNET_STATE_DONE);
    assert_int_equal(e->result.states[AKSNET_STEP_ROUTE_TABLE], AKSNET_STATE_INTERRUPTED);
    assert_int_equal(e->result.states[AKSNET_STEP_VNET], AKSNET_STATE_PENDING);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_PENDING);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_PENDING);
    bool rt = false;
    for (size_t i = 0; i < e->result.in_flight_count; i++)
        rt = rt || (e->result.in_flight[i].step == AKSNET_STEP_ROUTE_TABLE &&
                    strcmp(e->result.in_flight[i].resource, RT_ID) == 0);
    assert_true(rt);
    assert_int_equal(count_events(e, AKSNET_STEP_VNET, AKSNET_STATE_CREATE), 1); /* the read's decision only */
    assert_int_equal(puts_to(e, RT_ID), 1);
    struct journal j = journal(e);
    assert_int_equal(find_put_containing(&j, "/virtualNetworks/", 0), -1);
    journal_free(&j);

    env_uncancel(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(puts_to(e, RT_ID), 1);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DONE);
    env_stop(e);
}

/* Cancelled before the run: nothing is written, nothing is in flight, and the run says so. */
static void test_cancel_before_the_run(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    env_cancel_at(e, "/never/");
    aksnet_cancel_request(e->cancel, 15);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_ECANCELED);
    assert_int_equal(e->result.in_flight_count, 0);
    assert_int_equal(count_writes(e), 0);
    assert_non_null(strstr(e->err.message, "nothing aksnet sent is still running"));
    assert_int_equal(e->result.states[AKSNET_STEP_PREFLIGHT], AKSNET_STATE_INTERRUPTED);
    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_ECANCELED);
    env_uncancel(e);
    env_stop(e);
}

/* A group aksnet did not make, and one aksnet made that now holds someone else's resource, stay. */
static void test_destroy_keeps_groups_not_empty_or_not_ours(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    send_ok(e, "PUT", GROUP_ID, "2021-04-01", "{\"location\":\"chinaeast2\",\"tags\":{\"team\":\"a\"}}");
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    long status = 0;
    cJSON *g = get_resource(e, GROUP_ID, "2021-04-01", &status);
    assert_null(mt_json_str(g, "tags.createdBy")); /* the user's group is not claimed */
    assert_string_equal(mt_json_str(g, "tags.team"), "a");
    cJSON_Delete(g);
    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_GROUP], AKSNET_STATE_SKIPPED);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DELETED);
    expect_status(e, GROUP_ID, "2021-04-01", 200);
    expect_status(e, VNET_ID, "2024-05-01", 404);
    env_stop(e);

    e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    send_ok(e, "PUT", NET "/routeTables/someoneElses", "2024-05-01",
            "{\"location\":\"chinaeast2\",\"properties\":{\"routes\":[]}}");
    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_GROUP], AKSNET_STATE_SKIPPED);
    assert_non_null(find_event(e, AKSNET_STEP_GROUP, AKSNET_STATE_SKIPPED, "someoneElses"));
    expect_status(e, NET "/routeTables/someoneElses", "2024-05-01", 200);
    expect_status(e, RT_ID, "2024-05-01", 404);
    env_stop(e);
}

/*
 * "routeTable": false with a user-assigned identity: no route table of
 * aksnet's and no role on one; AKS makes and manages its own, as the seed
 * describes for its first variant.  A re-run writes nothing.
 */
static void test_no_route_table_wanted(void **state)
{
    (void)state;
    static const char plan[] =
        "{\"subscriptionId\":\"" MT_SUB "\",\"location\":\"chinaeast2\",\"resourceGroup\":\"myResourceGroup\","
        "\"network\":{\"vnet\":{\"name\":\"myAKSVnet\",\"addressPrefixes\":[\"192.168.0.0/16\"]},"
        "\"subnet\":{\"name\":\"myAKSSubnet\",\"addressPrefix\":\"192.168.1.0/24\"},\"routeTable\":false},"
        "\"identity\":{\"type\":\"UserAssigned\",\"name\":\"myIdentity\"},"
        "\"cluster\":{\"name\":\"myAKSCluster\",\"networkPlugin\":\"kubenet\","
        "\"nodePools\":[{\"name\":\"nodepool1\",\"count\":3}]}}";
    struct env *e = env_start(NULL, mt_plan_from_text(plan));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_ROUTE_TABLE], AKSNET_STATE_SKIPPED);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_ROUTE_TABLE], AKSNET_STATE_SKIPPED);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_DONE);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DONE);
    assert_non_null(find_event(e, AKSNET_STEP_ROUTE_TABLE, AKSNET_STATE_SKIPPED, "routeTable: false"));
    struct journal j = journal(e);
    assert_int_equal(find_put_containing(&j, "/routeTables/", 0), -1);
    long vnet = find_line(&j, "PUT", VNET_ID, 0, 0);
    assert_true(vnet >= 0);
    assert_non_null(mt_json_at(j.lines[vnet], "requestBody.properties.subnets.0.properties.addressPrefix"));
    assert_null(mt_json_at(j.lines[vnet], "requestBody.properties.subnets.0.properties.routeTable"));
    journal_free(&j);
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_writes(e), writes);
    env_stop(e);
}

/*
 * AKS's cloud provider writes a node's route into the table between
 * aksnet's GET and its PUT (here: once, just before the first route-table
 * PUT reaches the mock).  The PUT carries If-Match with the ETag read, the
 * mock answers 412, and aksnet reads, merges and sends again: the node's
 * route is kept, not dropped.
 */
static void node_route_meanwhile(struct env *e, const struct aksnet__http_request *rq)
{
    if (strcmp(rq->method, "PUT") != 0 || !strstr(rq->url, "/routeTables/myAKSCluster-rt?") || e->raced)
        return;
    e->raced = true;
    struct mt_response r;
    assert_true(mt_request(&e->t, "PUT", RT_ID "/routes/aks-node-0?api-version=2024-05-01",
                           "{\"properties\":{\"addressPrefix\":\"10.244.0.0/24\",\"nextHopType\":"
                           "\"VirtualAppliance\",\"nextHopIpAddress\":\"192.168.1.4\"}}",
                           "application/json", true, NULL, &r));
    assert_true(r.status == 200 || r.status == 201);
    mt_response_free(&r);
}

static void test_route_table_etag_race(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK); /* the table exists, as on a re-run */
    /* the plan now wants a route of its own: the table differs, so it is written again */
    struct aksnet_route *routes = calloc(1, sizeof(*routes));
    assert_non_null(routes);
    routes[0].name = strdup("egress");
    routes[0].address_prefix = strdup("0.0.0.0/0");
    routes[0].next_hop_type = strdup("VirtualAppliance");
    routes[0].next_hop_ip = strdup("192.168.0.4");
    e->plan->route_table.routes = routes;
    e->plan->route_table.route_count = 1;
    e->meanwhile = node_route_meanwhile;
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_true(e->raced);
    struct journal j = journal(e);
    assert_true(find_line(&j, "PUT", RT_ID, 412, 0) >= 0);
    journal_free(&j);
    assert_non_null(find_event(e, AKSNET_STEP_ROUTE_TABLE, AKSNET_STATE_RETRYING, "412"));
    long status = 0;
    cJSON *rt = get_resource(e, RT_ID, "2024-05-01", &status);
    assert_int_equal(status, 200);
    bool node = false, egress = false;
    const cJSON *route;
    cJSON_ArrayForEach(route, mt_json_at(rt, "properties.routes"))
    {
        node = node || strcmp(mt_json_str(route, "name"), "aks-node-0") == 0;
        egress = egress || strcmp(mt_json_str(route, "name"), "egress") == 0;
    }
    assert_true(node && egress);
    cJSON_Delete(rt);
    env_stop(e);
}

/* ---- the seed's first variant: a system-assigned identity, no route table of aksnet's ----------------------- */

static const char SYSTEM_PLAN[] =
    "{\"subscriptionId\":\"" MT_SUB "\",\"location\":\"chinaeast2\",\"resourceGroup\":\"myResourceGroup\","
    "\"network\":{\"vnet\":{\"name\":\"myAKSVnet\",\"addressPrefixes\":[\"192.168.0.0/16\"]},"
    "\"subnet\":{\"name\":\"myAKSSubnet\",\"addressPrefix\":\"192.168.1.0/24\"}},"
    "\"identity\":{\"type\":\"SystemAssigned\"},"
    "\"cluster\":{\"name\":\"myAKSCluster\",\"networkPlugin\":\"kubenet\","
    "\"nodePools\":[{\"name\":\"nodepool1\",\"count\":3}]}}";

static void test_system_assigned(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, mt_plan_from_text(SYSTEM_PLAN));
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_ROUTE_TABLE], AKSNET_STATE_SKIPPED);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_CREATE);

    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    const aksnet_step_state want[] = {AKSNET_STATE_DONE,    AKSNET_STATE_DONE, AKSNET_STATE_SKIPPED,
                                      AKSNET_STATE_SKIPPED, AKSNET_STATE_DONE, AKSNET_STATE_DONE,
                                      AKSNET_STATE_SKIPPED, AKSNET_STATE_DONE};
    assert_states(e, want);
    struct journal j = journal(e);
    long cluster = find_line(&j, "PUT", CLUSTER_ID, 0, 0);
    assert_true(cluster >= 0);
    assert_string_equal(mt_json_str(j.lines[cluster], "requestBody.identity.type"), "SystemAssigned");
    long ra = find_put_containing(&j, VNET_ID "/providers/Microsoft.Authorization/roleAssignments/", 0);
    assert_true(ra > cluster);
    assert_string_equal(mt_json_str(j.lines[ra], "requestBody.properties.principalType"), "ServicePrincipal");
    const char *principal = mt_json_str(j.lines[ra], "requestBody.properties.principalId");
    long status = 0;
    cJSON *c = get_resource(e, CLUSTER_ID, "2024-09-01", &status);
    assert_string_equal(principal, mt_json_str(c, "identity.principalId"));
    cJSON_Delete(c);
    assert_int_equal(find_put_containing(&j, "userAssignedIdentities", 0), -1);
    assert_int_equal(find_put_containing(&j, "/routeTables/", 0), -1);
    journal_free(&j);

    /* Again: nothing (the route table AKS associated with the subnet is kept, not fought over). */
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(count_writes(e), writes);

    /* Destroy: the role assignment first (it was made last), then the rest. */
    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_DELETED);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DELETED);
    assert_int_equal(e->result.states[AKSNET_STEP_GROUP], AKSNET_STATE_DELETED);
    env_stop(e);
}

/* ---- the user's identity (--assign-identity): read for its principal, never written or removed ----------- */

static void test_user_identity(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    const char *idrg = "/subscriptions/" MT_SUB "/resourceGroups/idrg";
    const char *uid = "/subscriptions/" MT_SUB "/resourceGroups/idrg/providers/Microsoft.ManagedIdentity/"
                      "userAssignedIdentities/corpIdentity";
    send_ok(e, "PUT", idrg, "2021-04-01", "{\"location\":\"chinaeast2\"}");
    send_ok(e, "PUT", uid, "2023-01-31", "{\"location\":\"chinaeast2\"}");
    set_str(&e->plan->identity.id, uid);
    struct journal j = journal(e);
    size_t start = j.n;
    journal_free(&j);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_IDENTITY], AKSNET_STATE_NOOP);
    assert_int_equal(e->result.states[AKSNET_STEP_CLUSTER], AKSNET_STATE_DONE);
    j = journal(e);
    assert_int_equal(find_put_containing(&j, "corpIdentity", start), -1);
    long cluster = find_line(&j, "PUT", CLUSTER_ID, 0, 0);
    assert_true(cluster >= 0);
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j.lines[cluster], "requestBody"), "identity"),
        "userAssignedIdentities");
    assert_non_null(cJSON_GetObjectItem(ids, uid));
    journal_free(&j);
    assert_int_equal(run(e, AKSNET_RUN_DESTROY), AKSNET_OK);
    assert_int_equal(e->result.states[AKSNET_STEP_IDENTITY], AKSNET_STATE_SKIPPED);
    assert_int_equal(e->result.states[AKSNET_STEP_ROLE_VNET], AKSNET_STATE_DELETED);
    expect_status(e, uid, "2023-01-31", 200);
    expect_status(e, idrg, "2021-04-01", 200);

    /* An identity id that names nothing: a plan error, before any write. */
    set_str(&e->plan->identity.id, "/subscriptions/" MT_SUB "/resourceGroups/idrg/providers/"
                                   "Microsoft.ManagedIdentity/userAssignedIdentities/nobody");
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "nobody"));
    assert_int_equal(count_writes(e), writes);
    env_stop(e);
}

/* ---- small things ------------------------------------------------------------------------------------------- */

static aksnet_code failing_token(void *ctx, bool force, char **token, struct aksnet_error *err)
{
    (void)ctx;
    (void)force;
    *token = NULL;
    return aksnet_error_set(err, AKSNET_EAUTH, "no credential");
}

static void test_names_and_arguments(void **state)
{
    (void)state;
    assert_string_equal(aksnet_step_name(AKSNET_STEP_GROUP), "resource-group");
    assert_string_equal(aksnet_step_name(AKSNET_STEP_CLUSTER), "cluster");
    assert_string_equal(aksnet_step_name(AKSNET_STEP_COUNT), "unknown");
    assert_string_equal(aksnet_state_name(AKSNET_STATE_NOOP), "no-op");
    assert_string_equal(aksnet_state_name(AKSNET_STATE_WARNING), "warning");
    assert_string_equal(aksnet_state_name(AKSNET_STATE_INTERRUPTED), "interrupted");
    assert_string_equal(aksnet_state_name((aksnet_step_state)99), "unknown");
    struct aksnet_provision_options o;
    aksnet_provision_options_init(&o);
    assert_true(o.parallel);
    assert_true(o.cluster_deadline == 3600.0 && o.step_deadline == 1800.0 && o.principal_wait == 3600.0);
    struct aksnet_provision_result r;
    struct aksnet_error err;
    assert_int_equal(aksnet_provision_run(&o, &r, &err), AKSNET_EINVAL);

    /* No token to be had: the run fails at the preflight with the credential's error. */
    struct aksnet_plan *plan = load_plan("kubenet.json");
    struct aksnet_client_options co;
    aksnet_client_options_init(&co);
    co.arm_endpoint = co.authority_host = "http://127.0.0.1:9";
    struct aksnet__client_seams seams = {.get_token = failing_token};
    assert_int_equal(aksnet__client_new_with(&co, &seams, &o.client, &err), AKSNET_OK);
    o.plan = plan;
    o.mode = AKSNET_RUN_APPLY;
    assert_int_equal(aksnet_provision_run(&o, &r, &err), AKSNET_EAUTH);
    assert_non_null(strstr(err.message, "no credential"));
    assert_int_equal(r.states[AKSNET_STEP_PREFLIGHT], AKSNET_STATE_FAILED);
    assert_int_equal(r.states[AKSNET_STEP_GROUP], AKSNET_STATE_PENDING);
    aksnet_client_free(o.client);
    aksnet_plan_free(plan);
}

/* ---- the ranges around the VNet: peerings and other clusters ------------------------------------------ */

#define HUB_VNET GROUP_ID "/providers/Microsoft.Network/virtualNetworks/hubVnet"
#define PEERING_TO(id) "{\"properties\":{\"remoteVirtualNetwork\":{\"id\":\"" id "\"}}}"

/* A peered VNet over the pod range: refused before any write, with the code and where the range comes from. */
static void test_pod_range_over_peered_vnet(void **state)
{
    (void)state;
    struct env *e = env_start(NULL, load_plan("kubenet.json"));
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);
    send_ok(e, "PUT", HUB_VNET, "2024-05-01",
            "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":"
            "{\"addressPrefixes\":[\"10.244.0.0/16\"]}}}");
    send_ok(e, "PUT", VNET_ID "/virtualNetworkPeerings/toHub", "2024-05-01", PEERING_TO(HUB_VNET));
    size_t writes = count_writes(e);
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "peering-overlap cluster.podCidr"));
    assert_non_null(strstr(e->err.message, "10.244.0.0/16"));
    assert_non_null(strstr(e->err.message, "peering toHub of VNet myAKSVnet to VNet hubVnet"));
    assert_int_equal(e->result.states[AKSNET_STEP_PREFLIGHT], AKSNET_STATE_FAILED);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_EPLAN);
    assert_int_equal(count_writes(e), writes);
    env_stop(e);
}

/* Another kubenet cluster in a peered VNet: its pod range is taken, its service range is not. */
static void test_other_cluster_in_peered_vnet(void **state)
{
    (void)state;
    /* The hub's own cluster, provisioned by aksnet as any plan. */
    struct aksnet_plan *hub = load_plan("kubenet.json");
    set_str(&hub->vnet.name, "hubVnet");
    set_str(&hub->vnet.address_prefixes[0], "172.20.0.0/16");
    set_str(&hub->subnet.address_prefix, "172.20.1.0/24");
    set_str(&hub->subnet.name, "hubNodes");
    set_str(&hub->cluster.name, "hubCluster");
    set_str(&hub->cluster.dns_prefix, "hubcluster");
    set_str(&hub->route_table.name, "hubRoutes");
    set_str(&hub->identity.name, "hubIdentity");
    set_str(&hub->cluster.pod_cidr, "10.50.0.0/16");
    struct env *e = env_start(NULL, hub);
    assert_int_equal(run(e, AKSNET_RUN_APPLY), AKSNET_OK);

    /* The plan's VNet exists and is peered with the hub before aksnet runs. */
    struct aksnet_plan *plan = load_plan("kubenet.json");
    set_str(&plan->cluster.pod_cidr, "10.50.0.0/16");
    e->plan = plan;
    e->opts.plan = plan;
    send_ok(e, "PUT", VNET_ID, "2024-05-01",
            "{\"location\":\"chinaeast2\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"192.168.0.0/16\"]},"
            "\"subnets\":[{\"name\":\"myAKSSubnet\",\"properties\":{\"addressPrefix\":\"192.168.1.0/24\"}}]}}");
    send_ok(e, "PUT", VNET_ID "/virtualNetworkPeerings/toHub", "2024-05-01", PEERING_TO(HUB_VNET));
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_EPLAN);
    assert_non_null(strstr(e->err.message, "cluster-pod-overlap cluster.podCidr"));
    assert_non_null(strstr(e->err.message, "managed cluster hubCluster"));

    /* Another pod range: fine, and both clusters keep AKS's default service range 10.0.0.0/16. */
    set_str(&plan->cluster.pod_cidr, "10.60.0.0/16");
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    assert_null(find_event(e, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_WARNING, "overlap"));

    /* Pods over the hub cluster's service range: allowed, with a warning (that cluster cannot reach them). */
    set_str(&plan->cluster.pod_cidr, "10.0.0.0/16");
    set_str(&plan->cluster.service_cidr, "10.1.0.0/16");
    set_str(&plan->cluster.dns_service_ip, "10.1.0.10");
    assert_int_equal(run(e, AKSNET_RUN_PLAN), AKSNET_OK);
    assert_non_null(find_event(e, AKSNET_STEP_PREFLIGHT, AKSNET_STATE_WARNING, "cluster-service-overlap"));

    /* What suggest --from-arm reads: the hub's address space and its cluster's ranges, not the plan's own. */
    struct aksnet_taken_list *taken = NULL;
    assert_int_equal(aksnet_provision_read_taken(e->client, plan, &taken, &e->err), AKSNET_OK);
    assert_true(taken->vnet_exists);
    assert_int_equal(taken->vnet_prefix_count, 1);
    assert_string_equal(taken->vnet_prefixes[0], "192.168.0.0/16");
    assert_string_equal(taken->subnet_prefix, "192.168.1.0/24");
    bool peer = false, pods = false, services = false;
    for (size_t i = 0; i < taken->count; i++) {
        const struct aksnet_taken *t = &taken->items[i];
        peer = peer || (t->kind == AKSNET_TAKEN_PEERED_VNET && strcmp(t->cidr, "172.20.0.0/16") == 0);
        pods = pods || (t->kind == AKSNET_TAKEN_CLUSTER_POD && strcmp(t->cidr, "10.50.0.0/16") == 0);
        services = services || (t->kind == AKSNET_TAKEN_CLUSTER_SERVICE && strcmp(t->cidr, "10.0.0.0/16") == 0);
        assert_int_not_equal(t->kind, AKSNET_TAKEN_SUBNET); /* the VNet's only subnet is the plan's */
    }
    assert_true(peer && pods && services);
    aksnet_provision_taken_free(taken);
    aksnet_plan_free(hub);
    env_stop(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_arguments),
        cmocka_unit_test(test_seed_plan_provisions),
        cmocka_unit_test(test_serial_run),
        cmocka_unit_test(test_serial_run_one_connection),
        cmocka_unit_test(test_parallel_runs_share_connections),
        cmocka_unit_test(test_plan_mode_fresh),
        cmocka_unit_test(test_plan_mode_tag_change),
        cmocka_unit_test(test_arm_text_in_events),
        cmocka_unit_test(test_immutable_change_refused),
        cmocka_unit_test(test_throttled_vnet_put),
        cmocka_unit_test(test_unavailable_twice_and_reset),
        cmocka_unit_test(test_failed_operation_stops_the_graph),
        cmocka_unit_test(test_busy_operation_failure_resent),
        cmocka_unit_test(test_cluster_deadline),
        cmocka_unit_test(test_principal_not_found_retried),
        cmocka_unit_test(test_principal_never_found),
        cmocka_unit_test(test_cluster_permission_not_yet_effective),
        cmocka_unit_test(test_role_assignment_exists),
        cmocka_unit_test(test_provider_registered_first),
        cmocka_unit_test(test_provider_offers_version_and_location),
        cmocka_unit_test(test_existing_vnet_keeps_everything),
        cmocka_unit_test(test_existing_vnet_service_range_overlap),
        cmocka_unit_test(test_pod_range_over_peered_vnet),
        cmocka_unit_test(test_other_cluster_in_peered_vnet),
        cmocka_unit_test(test_subnet_of_another_cluster),
        cmocka_unit_test(test_cluster_list_that_loops),
        cmocka_unit_test(test_user_subnet_with_other_route_table),
        cmocka_unit_test(test_destroy_removes_only_what_it_made),
        cmocka_unit_test(test_destroy_keeps_groups_not_empty_or_not_ours),
        cmocka_unit_test(test_system_assigned),
        cmocka_unit_test(test_no_route_table_wanted),
        cmocka_unit_test(test_route_table_etag_race),
        cmocka_unit_test(test_user_identity),
        cmocka_unit_test(test_cancel_while_cluster_runs),
        cmocka_unit_test(test_cancel_stops_the_graph),
        cmocka_unit_test(test_cancel_before_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
