/*
 * mock.h - the inside of armmock, shared by its files.
 *
 * Data flow of one request:
 *   server.c  (libmicrohttpd: read headers and body, cap its size)
 *   -> dispatch.c  (faults, Entra ID or ARM, bearer token, api-version,
 *                   settle due operations, route by path)
 *   -> a handler: entra.c, arm_*.c (managed clusters: arm_aks.c over the
 *      aks_*.c files, see arm_aks.h), on the store (store.c) and the
 *      long-running operations (lro.c)
 *   -> server.c  (send, throttling headers, journal.c, state.c on change)
 *
 * One mutex (mock->lock) is held around dispatch: ARM's semantics are a
 * sequence of whole-request transitions, and the tool's traffic is small.
 */
#ifndef ARMMOCK_MOCK_H
#define ARMMOCK_MOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "armmock.h"

#define MOCK_MAX_BODY (4u * 1024u * 1024u) /* larger request bodies get 413 */
#define MOCK_MAX_SEGMENTS 40
#define MOCK_MAX_HEADERS 16

/* ---- request and response ---------------------------------------------- */

struct mock_kv {
    char *name;
    char *value;
};

struct mock_request {
    const char *method;
    char *path;                 /* as received, percent-decoded by the server */
    char *query;                /* raw query for the journal, "" when none */
    struct mock_kv *args;       /* decoded query arguments */
    size_t arg_count;
    struct mock_kv *headers;
    size_t header_count;
    char *body;                 /* NUL-terminated copy of the body */
    size_t body_len;
    cJSON *json;                /* the body parsed, when it is JSON */
    bool body_not_json;         /* a non-empty body that is not JSON */
    bool body_nul;              /* a string of the JSON body holds U+0000 ("\u0000"), which cJSON cuts at */
    bool body_too_large;        /* refused with 413: the body was not kept */
    char *seg_buf;              /* a copy of path, cut into segs */
    char *segs[MOCK_MAX_SEGMENTS]; /* path split on '/', repeated slashes folded */
    size_t nsegs;
    double now;                 /* the clock when dispatch began */
};

struct mock_response {
    int status;
    cJSON *json;                /* the body (owned), or NULL */
    char *text;                 /* or a raw body (owned) */
    const char *content_type;   /* for text */
    struct mock_kv headers[MOCK_MAX_HEADERS];
    size_t header_count;
    bool drop;                  /* close the connection without answering */
    bool lost;                  /* handle the request, then drop its answer (a lost answer) */
    bool busy;                  /* a --fault ...:409: server.c words the 409 as the provider would */
    bool changed;               /* the request changed state: save it */
};

const char *mock_header(const struct mock_request *rq, const char *name);
const char *mock_arg(const struct mock_request *rq, const char *name);

/* Answer with a JSON body (takes ownership of body). */
void mock_reply(struct mock_response *rs, int status, cJSON *body);
/* ARM's error envelope {"error":{"code","message","details":[]}}. */
void mock_reply_error(struct mock_response *rs, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mock_add_header(struct mock_response *rs, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mock_response_free(struct mock_response *rs);

/* ---- resources ------------------------------------------------------------ */

struct armmock;
struct mock_type;
struct mock_op;

struct mock_resource {
    char *id;                   /* canonical id, the case it was created with */
    char *key;                  /* lower-case id, the lookup key */
    const struct mock_type *type;
    cJSON *body;                /* the full representation ARM returns */
    double created;
    char *op_id;                /* a running operation on it, or NULL */
};

struct mock_store {
    struct mock_resource **items; /* sorted by key */
    size_t count, capacity;
};

char *mock_lower(const char *s);
struct mock_resource *mock_store_get(const struct mock_store *st, const char *id);
/* Insert or replace; takes body.  Returns the resource or NULL (no memory). */
struct mock_resource *mock_store_put(struct mock_store *st, const char *id,
                                     const struct mock_type *type, cJSON *body, double now);
void mock_store_delete(struct mock_store *st, const char *id);
/* Delete id and everything whose id starts with id + "/". */
void mock_store_delete_tree(struct mock_store *st, const char *id);
void mock_store_free(struct mock_store *st);
/* The resource's body as GET at api_version would return it (store.c; the type's present hook, or a copy). */
cJSON *mock_present(struct armmock *m, const struct mock_resource *r, const char *api_version);

/* ---- resource types -------------------------------------------------------- */

/* What a handler sees of a parsed ARM path. */
struct mock_target {
    const char *subscription;
    const char *resource_group;   /* NULL for a list across the subscription
                                     (GET /subscriptions/{s}/providers/{ns}/{type}) */
    const char *provider;         /* "Microsoft.Network" */
    const char *type;             /* "virtualNetworks" */
    const char *name;             /* or NULL for a collection */
    const char *child_type;       /* "subnets", or NULL */
    const char *child_name;       /* or NULL */
    char *id;                     /* the canonical id of the target (owned by dispatch) */
    char *parent_id;              /* the parent resource's id for a child (owned by dispatch) */
};

typedef void (*mock_handler)(struct armmock *m, const struct mock_request *rq,
                             const struct mock_target *t, struct mock_response *rs);

struct mock_type {
    const char *provider;
    const char *type;
    const char *child_type;       /* NULL for a top-level type */
    const char *arm_type;         /* "Microsoft.Network/virtualNetworks" */
    const char *const *api_versions;
    bool no_location;             /* not in a region (role assignments): the provider lists no locations */
    mock_handler handle;          /* every method on an item or a collection */
    /* When a PUT's operation completes: side effects, or set op->fail_code to fail it. */
    void (*on_put_done)(struct armmock *m, struct mock_resource *r, struct mock_op *op);
    /* When a DELETE's operation completes, before the resource is removed. */
    void (*on_delete_done)(struct armmock *m, struct mock_resource *r);
    /*
     * A copy of the stored body as GET returns it at api_version (computed
     * members added, names of that version); NULL = plain copy.
     */
    cJSON *(*present)(struct armmock *m, const struct mock_resource *r, const char *api_version);
};

/*
 * The common life of a top-level tracked resource (location, tags,
 * properties): PUT creates or updates (as a long-running operation when
 * lro is set), GET reads, DELETE removes, GET on the collection lists.
 * Hooks add what is particular to a type.
 */
struct mock_tracked_ops {
    bool lro;                 /* PUT and DELETE run as operations */
    /*
     * Check the request and complete the new body (properties, computed
     * members) before it is stored; old is the existing resource or NULL.
     * Reply with an error and return false to refuse.
     */
    bool (*prepare)(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                    const struct mock_resource *old, cJSON *body, struct mock_response *rs);
    /* Refuse a DELETE (reply and return false), e.g. a route table still associated. */
    bool (*can_delete)(struct armmock *m, const struct mock_resource *r, struct mock_response *rs);
};

void mock_tracked_handle(struct armmock *m, const struct mock_request *rq, const struct mock_target *t,
                         struct mock_response *rs, const struct mock_tracked_ops *ops);
/* ARM's 404 for a resource of t's type. */
void mock_reply_not_found(struct mock_response *rs, const struct mock_target *t);

/* The resource types, each defined in its arm_*.c file. */
extern const struct mock_type mock_type_resource_group;   /* arm_resources.c */
extern const struct mock_type mock_type_vnet;             /* arm_network.c */
extern const struct mock_type mock_type_subnet;
extern const struct mock_type mock_type_vnet_peering;
extern const struct mock_type mock_type_route_table;
extern const struct mock_type mock_type_route;
extern const struct mock_type mock_type_identity;         /* arm_identity.c */
extern const struct mock_type mock_type_role_assignment;  /* arm_authz.c */
extern const struct mock_type mock_type_cluster;          /* arm_aks.c */

/* Handlers outside the type table. */
void mock_arm_subscriptions(struct armmock *m, const struct mock_request *rq, struct mock_response *rs);
void mock_arm_tenants(struct armmock *m, const struct mock_request *rq, struct mock_response *rs);
void mock_arm_providers(struct armmock *m, const struct mock_request *rq, const char *sub, const char *ns,
                        bool register_action, struct mock_response *rs);
void mock_arm_group(struct armmock *m, const struct mock_request *rq, const char *sub, const char *group,
                    bool resources, struct mock_response *rs);
/* Role assignments and definitions at any scope ("/subscriptions/s/resourceGroups/g/..."). */
void mock_arm_authz(struct armmock *m, const struct mock_request *rq, const char *scope, const char *type,
                    const char *name, struct mock_response *rs);

/* Look up the type of a path; NULL when ARM would say the type is unknown. */
const struct mock_type *mock_find_type(const char *provider, const char *type, const char *child_type);
/* The i-th type of the table (types.c), NULL past the end: for listing a provider's types. */
const struct mock_type *mock_type_at(size_t i);

/* Regions (regions.c): one location in two spellings ("East US", "eastus") compares equal. */
bool mock_location_same(const char *a, const char *b);
/* Refuse (400, reply and false) a location no cloud has; arm_type NULL means a resource group. */
bool mock_check_location(const char *location, const char *arm_type, struct mock_response *rs);
/* The display names of every region ("China East 2"), a new JSON array. */
cJSON *mock_region_display_names(void);

/* Refuse (400, reply and false) tags that break ARM's limits (tags.c); absent or null tags pass. */
bool mock_check_tags(const cJSON *tags, struct mock_response *rs);

/* Generic parts handlers build on. */
bool mock_check_api_version(const struct mock_request *rq, const char *const *versions,
                            const char *what, struct mock_response *rs);
/* "ResourceGroupNotFound" unless the group of t exists (true when t has no group: a subscription-wide list). */
bool mock_require_group(struct armmock *m, const struct mock_target *t, struct mock_response *rs);
/* A GUID from OpenSSL's RAND_bytes. */
void mock_uuid(char out[37]);
/* Replace every byte of s that is not well-formed UTF-8 with '?', so that no answer or journal line carries it. */
void mock_utf8_scrub(char *s);
/* ARM's RFC 3339 time with 7 fraction digits. */
void mock_time_string(double t, char out[40]);
/* JSON helpers that never fail silently on a wrong type. */
const char *mock_json_str(const cJSON *obj, const char *key);
cJSON *mock_json_obj(cJSON *obj, const char *key);  /* get or create an object member */
void mock_json_set(cJSON *obj, const char *key, cJSON *value); /* replace or add */
void mock_json_set_str(cJSON *obj, const char *key, const char *value);

/* ---- long-running operations ----------------------------------------------- */

enum mock_op_kind { MOCK_OP_PUT, MOCK_OP_DELETE };

struct mock_op {
    char *id;
    char *resource_id;
    enum mock_op_kind kind;
    char *provider;               /* namespace for the status URLs */
    char *location;
    double start, end;
    char status[16];              /* InProgress | Succeeded | Failed | Canceled */
    cJSON *error;                 /* {"code","message"} when Failed */
    char *fail_code;              /* planned failure (fault "fail" or a check at completion) */
    char *fail_message;
    cJSON *fail_details;          /* the error's "details" array, or NULL */
};

struct mock_ops {
    struct mock_op **items;
    size_t count, capacity;
};

/*
 * Start an operation on resource_id and answer the request that started it:
 * 201 (PUT of a new resource) or 200/202 with Azure-AsyncOperation, Location
 * and Retry-After.  The resource's provisioningState says what runs.
 */
struct mock_op *mock_op_start(struct armmock *m, const struct mock_request *rq, const char *resource_id,
                              enum mock_op_kind kind, const char *provider, const char *location,
                              int status, struct mock_response *rs);
/*
 * Finish every operation whose time has come (lazily, at each request), in
 * the order of their end times.  True when any did (the state changed).
 */
bool mock_ops_settle(struct armmock *m, double now);
/* A running operation on resource_id (or under it, or on a resource it lies under), or NULL. */
struct mock_op *mock_op_running(struct armmock *m, const char *resource_id);
/*
 * Refuse a write because op (from mock_op_running) holds the resource: the
 * 409 that provider's RP answers (AKS: OperationNotAllowed; the network
 * provider and the others: AnotherOperationInProgress).  Every busy answer
 * of the mock is written here.
 */
void mock_reply_busy(struct armmock *m, const struct mock_request *rq, const char *provider,
                     const struct mock_op *op, struct mock_response *rs);
/*
 * The busy 409 of a --fault ...:409, in the words of the provider that
 * serves rq's path (the segment after its last "/providers/"; a group's
 * when none), as if an operation started now held the resource.
 */
void mock_reply_busy_injected(struct armmock *m, const struct mock_request *rq, struct mock_response *rs);
/* A running operation of this kind on exactly resource_id (a group being deleted), or NULL. */
struct mock_op *mock_op_find_running(struct armmock *m, const char *resource_id, enum mock_op_kind kind);
/* Answer with status and the headers of an operation already running (a repeated DELETE). */
void mock_op_answer(struct armmock *m, const struct mock_request *rq, const struct mock_op *op, int status,
                    struct mock_response *rs);
void mock_ops_free(struct mock_ops *ops);
/* Answer GET on .../operations/{id} or .../operationResults/{id}. */
void mock_op_status(struct armmock *m, const struct mock_request *rq, const char *op_id, bool location_form,
                    struct mock_response *rs);


/* ---- faults ------------------------------------------------------------------ */

enum mock_fault_action {
    FAULT_STATUS,   /* 404, 410, 429, 5xx with Retry-After */
    FAULT_EXPIRED,  /* 401 ExpiredAuthenticationToken */
    FAULT_BUSY,     /* 409: another operation holds the resource */
    FAULT_RESET,    /* the connection closed without an answer */
    FAULT_LOST,     /* the request applied, then the connection closed without an answer */
    FAULT_DELAY,
    FAULT_FAIL      /* the operation the write starts ends Failed */
};

struct mock_fault {
    char method[16];
    char *glob;
    enum mock_fault_action action;
    int status;                   /* 429, 500, 503 */
    int retry_after;              /* seconds, for status faults */
    long delay_ms;
    long remaining;               /* hits left */
    char fail_code[64];           /* fail=CODE: the operation's error code; "" = InternalOperationError */
};

/* Parse "METHOD:PATH-GLOB:ACTION[:COUNT]"; false with a message on a bad rule. */
bool mock_fault_parse(const char *rule, struct mock_fault *out, char *errbuf, size_t errlen);
/* The first live fault matching the request (its count is used up), or NULL. */
struct mock_fault *mock_fault_match(struct armmock *m, const char *method, const char *path);
/*
 * Apply the fault matching rq, if any: true when rs now holds the answer
 * (an error status or a dropped connection); *delay_ms is set for a delay;
 * rs->lost for a request to handle whose answer is then dropped; rs->busy
 * for a 409 that mock_reply_busy_injected words.
 */
bool mock_faults_apply(struct armmock *m, const struct mock_request *rq, struct mock_response *rs,
                       long *delay_ms);
/* Take a pending "fail" fault for this path (for an operation starting now), or NULL. */
const struct mock_fault *mock_fault_take_fail(struct armmock *m, const char *method, const char *path);

/* ---- identity and tokens ----------------------------------------------------- */

/* Issue an access token for a client (a JWT signed by the mock). */
char *mock_token_issue(struct armmock *m, const char *subject, const char *tenant, const char *audience,
                       double now);
/* 401 ExpiredAuthenticationToken, as ARM answers a token whose expiry exp is before now. */
void mock_reply_expired(struct mock_response *rs, double exp, double now);
/*
 * Check a request's bearer token; on failure fills rs with ARM's 401 and
 * returns false.
 */
bool mock_token_check(struct armmock *m, const struct mock_request *rq, struct mock_response *rs);

/* The tenant ("tid") of the caller's token, or the mock's default tenant. */
void mock_caller_tenant(const struct mock_request *rq, char out[64]);
/* A string claim of the caller's token (not verified here: mock_token_check does that), or "". */
void mock_caller_claim(const struct mock_request *rq, const char *claim, char out[64]);
#define MOCK_DEFAULT_TENANT "00000000-0000-0000-0000-000000000001"

/* Entra ID and managed-identity endpoints; false when the path is not theirs. */
bool mock_entra_handle(struct armmock *m, const struct mock_request *rq, struct mock_response *rs);

/* ---- latency and throttling (ratelimit.c) ------------------------------------------ */

#define MOCK_BUCKET_KINDS 3      /* reads, writes, deletes */

/* ARM's token buckets of one scope (a subscription or a tenant) and one principal. */
struct mock_bucket {
    char *key;                   /* "subscription/{id}|{principal}", lower case */
    double tokens[MOCK_BUCKET_KINDS];
    double last;                 /* the clock when they were last refilled */
};

/* What --latency adds to rq's answer, in ms: GET and HEAD are reads, token requests and the rest writes. */
long mock_latency_ms(const struct armmock *m, const struct mock_request *rq);
/* With --throttle, take a token from the caller's bucket; false when rs holds ARM's 429 instead. */
bool mock_throttle_admit(struct armmock *m, const struct mock_request *rq, struct mock_response *rs);
/* The x-ms-ratelimit-remaining-* headers of an ARM answer: the buckets', or the hourly counters. */
void mock_ratelimit_headers(struct armmock *m, const struct mock_request *rq, struct mock_response *rs);
void mock_ratelimit_init(struct armmock *m);
void mock_ratelimit_free(struct armmock *m);

/* ---- the server ---------------------------------------------------------------- */

struct mock_token_cache {
    char *token;                  /* last token that verified */
    double exp;
};

struct armmock {
    struct armmock_options opt;   /* strings below are copies owned here */
    char *listen, *journal_path, *state_path, *identity_header;
    char url[64];
    uint16_t port;
    bool tls;
    char *tls_cert, *tls_key;     /* PEM text for libmicrohttpd */
    void *daemon;                 /* struct MHD_Daemon */
    pthread_mutex_t lock;         /* guards everything below */
    struct mock_store store;
    struct mock_ops ops;
    struct mock_fault *faults;
    size_t fault_count;
    struct armmock_credential *secrets, *certificates, *federated;
    size_t secret_count, certificate_count, federated_count;
    char **subscriptions;
    size_t subscription_count;
    EVP_PKEY *signing_key;        /* signs issued tokens; kept in the state file */
    char signing_kid[48];
    struct mock_token_cache token_cache;
    FILE *journal;
    pthread_mutex_t journal_lock;
    uint64_t requests;
    pthread_cond_t stop_cond;     /* with lock: wakes delayed answers when the server stops */
    bool stopping;
    long reads_left, writes_left; /* x-ms-ratelimit-remaining-subscription-*, without --throttle */
    double window_start;
    struct mock_bucket *buckets;  /* with --throttle */
    size_t bucket_count;
    uint64_t connections;         /* opened by clients so far (with lock) */
};

double mock_now(const struct armmock *m); /* util.c: opt.clock or the real time */

/* Route one request (lock held by the caller). */
void mock_dispatch(struct armmock *m, struct mock_request *rq, struct mock_response *rs);

/* Append one line to the journal: the request arrived at started, its answer went at finished, on connection. */
void mock_journal_write(struct armmock *m, const struct mock_request *rq, const struct mock_response *rs,
                        double started, double finished, uint64_t connection);

/* Load and save the state file (atomically: write, fsync, rename). */
bool mock_state_load(struct armmock *m, char *errbuf, size_t errlen);
bool mock_state_save(struct armmock *m);

#endif
