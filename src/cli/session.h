/*
 * session.h - what a command that talks to Azure sets up once: the
 * endpoints, the credential, the HTTP pipelines, and for --dry-run the
 * in-process mock with a throwaway credential.
 */
#ifndef AKSNET_CLI_SESSION_H
#define AKSNET_CLI_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "aksnet/arm.h"
#include "aksnet/auth.h"
#include "aksnet/cloud.h"
#include "aksnet/http.h"
#include "args.h"
#include "armmock.h"

/* The policies of one chain: request id -> retry -> [bearer] -> [dry-run print] -> log -> transport. */
struct cli_chain {
    struct aksnet_http_transport transport;
    struct aksnet_http_policy policies[6];
    size_t count;
    struct aksnet_arm_client arm;
    const struct cli_session *session;
    struct cli_chain *next_idle;              /* in the session's pool */
};

struct cli_session {
    struct aksnet_endpoints endpoints;
    struct aksnet_auth *auth;
    struct cli_chain token_chain;             /* token requests: no bearer */
    struct aksnet_request_id_options request_id;
    struct aksnet_retry_options retry;
    struct aksnet_log_options log;
    struct aksnet_bearer_options bearer;
    const char *cacert;
    struct armmock *mock;                     /* --dry-run */
    FILE *requests;                           /* --dry-run prints each request here */
    char mock_cacert[256];
    pthread_mutex_t pool_lock;
    struct cli_chain *idle;                   /* released chains, their connections still open */
};

/*
 * Open a session for plan_cloud (the plan's cloud).  On failure err says
 * why and the exit code to use is returned in *exit_code (usage 2, auth 3).
 */
aksnet_code cli_session_open(const struct cli_args *args, const char *plan_cloud, struct cli_session *s,
                             struct aksnet_error *err);
void cli_session_close(struct cli_session *s);

/*
 * A pipeline and ARM client for one thread (the engine calls these).  A
 * released client goes back to the session's pool with its connection, so
 * the next step's thread skips a TCP connection and a TLS handshake.
 */
aksnet_code cli_session_new_client(void *ctx, struct aksnet_arm_client **out, struct aksnet_error *err);
void cli_session_release_client(void *ctx, struct aksnet_arm_client *client);

/* The exit code of a library result (DESIGN.md). */
int cli_exit_code(aksnet_code code);

#endif
