/*
 * auth_cli.c - the Azure CLI as a credential: `az account get-access-token`
 * gives the token of whoever ran `az login`, which is how a developer's
 * shell is usually signed in.
 *
 * The program is started with posix_spawnp, never through a shell, with
 * standard input from /dev/null, its output read through pipes under a
 * deadline kept with poll(), and killed when the deadline passes.  Its
 * standard output holds a token: it is wiped once parsed.
 */
#include "auth_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

extern char **environ;

#define OUTPUT_MAX (1024 * 1024)
#define STDERR_KEEP 512

/* ---- the Azure CLI's answer -------------------------------------------------------------- */

/*
 * Older CLIs give only "expiresOn": local time, "2024-05-01 13:45:10.123456".
 * mktime with tm_isdst = -1 reads it as the CLI wrote it.
 */
static bool parse_local_time(const char *s, double *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char tail = '\0';
    int n = sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                   &tm.tm_sec, &tail);
    if (n < 6 || (n == 7 && tail != '.') || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (double)t;
    return true;
}

/* expires_on (newer CLIs: seconds since the epoch, a number), else expiresOn. */
static bool cli_expiry(const cJSON *json, double *out)
{
    const cJSON *on = cJSON_GetObjectItemCaseSensitive(json, "expires_on");
    if (cJSON_IsNumber(on)) {
        *out = on->valuedouble;
        return *out > 0;
    }
    if (cJSON_IsString(on) && on->valuestring[0]) {
        char *end = NULL;
        double d = strtod(on->valuestring, &end);
        if (end && !*end && d > 0) {
            *out = d;
            return true;
        }
    }
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(json, "expiresOn");
    return cJSON_IsString(old) && parse_local_time(old->valuestring, out);
}

/* The CLI's shape (camelCase, its own expiry fields) differs from the token endpoint's: read here. */
static aksnet_code parse_cli(struct aksnet__auth *a, const char *text, double now, struct auth_token *tok,
                             struct aksnet_error *err)
{
    static const char cred[] = "Azure CLI";
    cJSON *json = cJSON_Parse(text);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(json, "accessToken");
    const cJSON *tenant = cJSON_GetObjectItemCaseSensitive(json, "tenant");
    double expires = 0;
    aksnet_code rc = AKSNET_OK;
    if (!cJSON_IsObject(json))
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` did not print a JSON object", cred);
    else if (!cJSON_IsString(at) || !aksnet__auth_token_ok(at->valuestring))
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` printed no usable accessToken",
                              cred);
    else if (!cli_expiry(json, &expires))
        rc = aksnet_error_set(err, AKSNET_EAUTH,
                              "%s: `az account get-access-token` printed neither expires_on nor a readable expiresOn",
                              cred);
    else
        rc = aksnet__auth_check_expiry(cred, "`az account get-access-token`", expires, now, err);
    if (rc == AKSNET_OK && !(tok->value = strdup(at->valuestring)))
        rc = aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    if (rc == AKSNET_OK) {
        tok->expires_on = expires;
        const char *t = cJSON_IsString(tenant) ? tenant->valuestring : "";
        snprintf(a->cli_tenant, sizeof(a->cli_tenant), "%s", aksnet__auth_tenant_ok(t) ? t : "");
    }
    aksnet__auth_json_free(json);
    return rc;
}

/*
 * argv only, no shell, so nothing in the endpoint or the tenant can become
 * a command; both were checked when the chain was made anyway.
 */
aksnet_code aksnet__auth_cli_fetch(struct aksnet__auth *a, struct auth_token *tok, struct aksnet_error *err)
{
    static const char cred[] = "Azure CLI";
    memset(tok, 0, sizeof(*tok));
    char resource[AKSNET_URL_MAX + 2], tenant[AUTH_ID_MAX];
    snprintf(resource, sizeof(resource), "%s/", a->endpoints.arm_endpoint);
    snprintf(tenant, sizeof(tenant), "%s", a->tenant);
    char az[] = "az", account[] = "account", get[] = "get-access-token", res_flag[] = "--resource";
    char output[] = "--output", json[] = "json", tenant_flag[] = "--tenant";
    char *argv[] = {az, account, get, res_flag, resource, output, json, tenant[0] ? tenant_flag : NULL, tenant, NULL};
    char *out = NULL;
    int status = -1;
    struct aksnet_error why;
    aksnet_error_clear(&why);
    aksnet_code rc = a->run(a->run_ctx, argv, a->cli_timeout, &out, &status, &why);
    if (rc == AKSNET_ENOMEM)
        rc = aksnet_error_set(err, rc, "%s: out of memory", cred);
    else if (rc == AKSNET_ETIMEOUT)
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` did not answer within %.0f s",
                              cred, a->cli_timeout);
    else if (rc != AKSNET_OK)
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: %s", cred, why.message[0] ? why.message : aksnet_strerror(rc));
    else if (status != 0)
        rc = aksnet_error_set(err, AKSNET_EAUTH, "%s: `az account get-access-token` failed (exit status %d)%s%.300s",
                              cred, status, why.message[0] ? ": " : "; has `az login` been run?", why.message);
    else
        rc = parse_cli(a, out ? out : "", aksnet__auth_now(a), tok, err);
    aksnet__secret_free(out);
    return rc;
}
