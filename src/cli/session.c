/*
 * session.c - the command line's flags turned into the library's client
 * options.  The client itself (pipeline, credential, connection pool, the
 * dry run's mock) is the library's: the tool adds nothing to it.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>

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

aksnet_code cli_client_open(const struct cli_args *args, const char *plan_cloud,
                            void (*on_retry)(void *, const char *, const char *, double, const char *), void *ctx,
                            struct aksnet_client **out, struct aksnet_error *err)
{
    struct aksnet_client_options o;
    aksnet_client_options_init(&o);
    o.cloud = args->plan.cloud ? args->plan.cloud : plan_cloud;
    o.arm_endpoint = args->arm_endpoint;
    o.authority_host = args->authority_host;
    o.cacert = args->cacert;
    o.log = args->verbose ? stderr : NULL;
    o.dry_run = args->dry_run;
    o.requests = args->dry_run ? stdout : NULL;
    o.on_retry = on_retry;
    o.on_retry_ctx = ctx;
    return aksnet_client_new(&o, out, err);
}
