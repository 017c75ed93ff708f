/*
 * cmd_whoami.c - `aksnet whoami`: which credential would be used, for
 * which tenant and client, and whether a token can be obtained.  The token
 * itself is never printed.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "session.h"

int cmd_whoami(const struct cli_args *args, FILE *out, FILE *err)
{
    struct cli_session s;
    struct aksnet_error e;
    aksnet_error_clear(&e);
    aksnet_code rc = cli_session_open(args, args->plan.cloud, &s, &e);
    char *token = NULL;
    double expires = 0;
    if (rc == AKSNET_OK)
        rc = aksnet_auth_get_token(s.auth, false, &token, &expires, &e);
    aksnet_auth_token_free(token);
    const char *kind = s.auth ? aksnet_credential_name(aksnet_auth_kind(s.auth)) : "none";
    const char *tenant = s.auth ? aksnet_auth_tenant(s.auth) : "";
    const char *client = s.auth ? aksnet_auth_client(s.auth) : "";
    if (args->output == OUTPUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "credential", kind);
        cJSON_AddStringToObject(o, "tenant", tenant);
        cJSON_AddStringToObject(o, "client", client);
        cJSON_AddStringToObject(o, "cloud", s.endpoints.cloud);
        cJSON_AddStringToObject(o, "authority", s.endpoints.authority_host);
        cJSON_AddBoolToObject(o, "token", rc == AKSNET_OK);
        if (rc == AKSNET_OK)
            cJSON_AddNumberToObject(o, "expiresOn", (double)(long long)expires);
        else
            cJSON_AddStringToObject(o, "error", e.message);
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (text)
            fprintf(out, "%s\n", text);
        cJSON_free(text);
    } else if (rc == AKSNET_OK) {
        fprintf(out, "credential  %s\ntenant      %s\nclient      %s\ncloud       %s\ntoken       obtained\n", kind,
                *tenant ? tenant : "(unknown)", *client ? client : "(unknown)", s.endpoints.cloud);
    } else {
        fprintf(err, "aksnet whoami: %s\n", e.message); /* the message names the credential */
    }
    cli_session_close(&s);
    return rc == AKSNET_OK ? EXIT_DONE : (rc == AKSNET_EINVAL ? EXIT_USAGE : EXIT_AUTH);
}
