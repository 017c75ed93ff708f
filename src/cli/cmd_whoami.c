/*
 * cmd_whoami.c - `aksnet whoami`: which credential would be used, for
 * which tenant and client, and whether a token can be obtained.  The token
 * itself is never printed.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "output.h"
#include "progress.h"
#include "session.h"

int cmd_whoami(const struct cli_args *args, FILE *out, FILE *err)
{
    struct aksnet_client *client = NULL;
    struct aksnet_identity id = {0};
    struct aksnet_error e;
    aksnet_error_clear(&e);
    struct progress p; /* a retry's wait (IMDS starting, a throttled token endpoint) is told on stderr */
    progress_init(&p, err, OUTPUT_TEXT);
    aksnet_code rc = cli_client_open(args, args->plan.cloud, progress_retry, &p, &client, &e);
    if (rc == AKSNET_OK)
        rc = aksnet_client_identity(client, true, &id, &e);
    const char *kind = client ? aksnet_credential_name(id.credential) : "none";
    const char *tenant = id.tenant ? id.tenant : "", *who = id.client ? id.client : "";
    if (args->output == OUTPUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "credential", kind);
        cJSON_AddStringToObject(o, "tenant", tenant);
        cJSON_AddStringToObject(o, "client", who);
        cJSON_AddStringToObject(o, "cloud", id.cloud ? id.cloud : "");
        cJSON_AddStringToObject(o, "authority", id.authority_host ? id.authority_host : "");
        cJSON_AddBoolToObject(o, "token", rc == AKSNET_OK);
        if (rc == AKSNET_OK)
            cJSON_AddNumberToObject(o, "expiresOn", (double)(long long)id.expires_on);
        else
            cJSON_AddStringToObject(o, "error", e.message);
        output_event_line(o, out);
    } else if (rc == AKSNET_OK) {
        fprintf(out, "credential  %s\ntenant      %s\nclient      %s\ncloud       %s\ntoken       obtained\n", kind,
                *tenant ? tenant : "(unknown)", *who ? who : "(unknown)", id.cloud);
    } else {
        fprintf(err, "aksnet whoami: %s\n", e.message); /* the message names the credential */
    }
    aksnet_client_free(client);
    progress_free(&p);
    return rc == AKSNET_OK ? EXIT_DONE : (rc == AKSNET_EINVAL ? EXIT_USAGE : EXIT_AUTH);
}
