/*
 * auth_internal.h - what the files of the auth module share (auth.c: the
 * chain and its cache; auth_answer.c: sending and reading token answers;
 * auth_entra.c: the token endpoint; auth_mi.c: managed identity;
 * auth_cli.c: the Azure CLI).  Not installed.
 */
#ifndef AKSNET_AUTH_INTERNAL_H
#define AKSNET_AUTH_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <openssl/types.h>

#include "auth.h"
#include "buf.h"
#include "jwt.h"
#include "secret.h"
#include "subprocess.h"

/* Longest tenant or client id kept (GUIDs and domain names are far shorter). */
#define AUTH_ID_MAX 128
/* A token answer that lives longer than this is not believed (Entra ID's longest is a day). */
#define AUTH_MAX_LIFETIME (7.0 * 86400.0)
/* Largest access token accepted, in bytes. */
#define AUTH_TOKEN_MAX (64 * 1024)

struct aksnet__auth {
    aksnet_credential_kind kind;
    bool fallback;                       /* nothing was set: IMDS, then az */
    struct aksnet__endpoints endpoints;
    const struct aksnet__http_policy *pipeline;
    const struct aksnet__clock *clock;
    aksnet_code (*run)(void *ctx, char *const argv[], double timeout, char **out, int *status,
                       struct aksnet_error *err);
    void *run_ctx;
    double imds_probe_timeout;
    double cli_timeout;

    char tenant[AUTH_ID_MAX];            /* AZURE_TENANT_ID, "" when unset */
    char client[AUTH_ID_MAX];            /* AZURE_CLIENT_ID, "" when unset */
    char cli_tenant[AUTH_ID_MAX];        /* the tenant az named in its last answer */

    char *secret;                        /* client secret */
    EVP_PKEY *key;                       /* client certificate's key */
    aksnet__jwt_alg alg;                  /* RS256 (x5t) or PS256 (x5t#S256) */
    char *thumbprint;                    /* of the certificate, as the header names it */
    char *federated_file;                /* AZURE_FEDERATED_TOKEN_FILE, read at each fetch */
    char *identity_endpoint;             /* IDENTITY_ENDPOINT, or NULL for IMDS */
    char *identity_header;               /* IDENTITY_HEADER */
    char imds[AKSNET_URL_MAX];           /* IMDS base URL, no trailing slash */
    bool imds_link_local;                /* imds is http://169.254.169.254: see auth_mi.c */
    bool imds_answered;                  /* IMDS answered once: no more probe timeout */

    struct aksnet__redact_set *secrets;  /* every secret value handled (options' or own_secrets) */
    struct aksnet__redact_set own_secrets;

    pthread_mutex_t lock;                /* the cache and every fetch */
    char *token;                         /* cached access token, or NULL */
    double expires_on;
    double last_try;                     /* when the last fetch started */
};

/* A fetched token: value is wiped and freed with aksnet__secret_free. */
struct auth_token {
    char *value;
    double expires_on;
};

/* The chain's clock, now. */
double aksnet__auth_now(const struct aksnet__auth *a);

/*
 * Send rq through the pipeline.  A failure to get any answer becomes
 * AKSNET_EAUTH "<cred>: cannot reach <what>: ..." (ENOMEM and ECANCELED stay).
 */
aksnet_code aksnet__auth_send(const struct aksnet__auth *a, const char *cred, const char *what,
                              struct aksnet__http_request *rq, struct aksnet__http_response *rs,
                              struct aksnet_error *err);

/*
 * Read a token answer: {"access_token", "expires_in"} (number or string),
 * or "expires_on" (seconds since the epoch, number or string) when there is
 * no expires_in.  AKSNET_EAUTH "<cred>: <source> ..." for anything else.
 */
aksnet_code aksnet__auth_parse_token(const char *cred, const char *source, const struct aksnet__http_response *rs,
                                     double now, struct auth_token *tok, struct aksnet_error *err);

/*
 * A refusal as AKSNET_EAUTH: "<cred>: <source> refused the token request
 * (HTTP n): error: AADSTSnnn: first line of the description"; also fills
 * err->http_status, arm_code (error) and arm_message (the description's line).
 */
aksnet_code aksnet__auth_refused(const char *cred, const char *source, const struct aksnet__http_response *rs,
                                 struct aksnet_error *err);

/* An expiry told as seconds since the epoch: in the future and not absurdly far. */
aksnet_code aksnet__auth_check_expiry(const char *cred, const char *source, double expires_on, double now,
                                      struct aksnet_error *err);

/* Does the access token look like one (printable ASCII without spaces, not empty, not huge)? */
bool aksnet__auth_token_ok(const char *token);

/* A tenant id or domain name (AZURE_TENANT_ID, the CLI's "tenant"): fit for the token URL's path and for messages. */
bool aksnet__auth_tenant_ok(const char *tenant);

/* Wipe every string of a parsed answer (it held a token) and delete it. */
void aksnet__auth_json_free(cJSON *json);

/* curl_easy_escape of s, as a malloc'd string (wiped on free); NULL when out of memory. */
char *aksnet__auth_escape(const char *s);

/* The three ways to fetch, one per file. */
aksnet_code aksnet__auth_entra_fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err);
aksnet_code aksnet__auth_mi_fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err);
aksnet_code aksnet__auth_cli_fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err);

/* Load AZURE_CLIENT_CERTIFICATE_PATH into a (key, thumbprint) for the certificate credential. */
aksnet_code aksnet__auth_entra_load_certificate(struct aksnet__auth *a, const char *path, const char *password,
                                                const char *alg_name, struct aksnet_error *err);

/* Set a->imds (and imds_link_local) from an override, or the well-known address when NULL. */
aksnet_code aksnet__auth_mi_set_imds(struct aksnet__auth *a, const char *authority, const char *what,
                                     struct aksnet_error *err);

#endif
