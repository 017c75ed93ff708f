/*
 * session.c - the command line's flags turned into the library's client
 * options.  The client itself (pipeline, credential, connection pool, the
 * dry run's mock) is the library's: the tool adds nothing to it.
 */
#include "session.h"

#include "interrupt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * README's table: the user's mistakes are 1 (the plan) and 2 (the command
 * line, caught before anything is sent); whatever the server does wrong,
 * refuses or fails is 4, never 2; a token refused is 3 wherever it is
 * refused; every deadline, and every wait the server asks for that would
 * pass one, is 5.
 */
int cli_exit_code(aksnet_code code)
{
    switch (code) {
    case AKSNET_OK: return EXIT_DONE;
    case AKSNET_EPLAN: return EXIT_PLAN;
    case AKSNET_EINVAL: return EXIT_USAGE;
    case AKSNET_EAUTH: return EXIT_AUTH;
    case AKSNET_ETIMEOUT: return EXIT_TIMEOUT;
    case AKSNET_EARM:
    case AKSNET_EPROTO:
    case AKSNET_ETRANSPORT:
    case AKSNET_EIO:
    case AKSNET_ENOMEM:
    default: return EXIT_ARM;
    }
}

const char *cli_next_step(int exit_code)
{
    switch (exit_code) {
    case EXIT_DONE: return NULL;
    case EXIT_PLAN:
        return "fix what the findings name in the plan (docs/plan.md explains each code), then run the command again";
    case EXIT_USAGE: return "correct the command line ('aksnet COMMAND --help' lists the flags), then run it again";
    case EXIT_AUTH:
        return "check the credential ('aksnet whoami' shows which one is used and whether it gets a token), then run "
               "the command again";
    case EXIT_TIMEOUT:
        return "what was started may still be running in Azure: run the same command again later; it resumes, "
               "waiting for what runs instead of starting it again";
    case EXIT_SIGINT:
    case EXIT_SIGTERM:
        return "run the same command again: it resumes, waiting for what still runs instead of starting it again";
    default:
        return "read ARM's code and message above; if they name something of yours (quota, policy, a permission, a "
               "name taken), fix it; then run the same command again: it resumes from what Azure holds";
    }
}

bool cli_confirmed(const struct cli_args *args, FILE *err, void (*question)(const void *ctx, FILE *err),
                   const void *ctx)
{
    if (args->yes || args->dry_run)
        return true;
    if (!isatty(STDIN_FILENO)) {
        fprintf(err, "aksnet destroy: standard input is not a terminal; pass --yes to confirm\n");
        return false;
    }
    question(ctx, err);
    char line[16] = "";
    return fgets(line, sizeof(line), stdin) && strncmp(line, "yes", 3) == 0;
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
    o.request_timeout = (double)args->request_timeout;
    o.log = args->verbose ? stderr : NULL;
    o.dry_run = args->dry_run;
    o.requests = args->dry_run ? stdout : NULL;
    o.on_retry = on_retry;
    o.on_retry_ctx = ctx;
    o.cancel = cli_interrupt_cancel(); /* NULL unless the command catches Ctrl-C */
    return aksnet_client_new(&o, out, err);
}
