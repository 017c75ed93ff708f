/*
 * cloud.c - the national clouds' endpoints (Azure's published values) and
 * the overrides that point aksnet elsewhere, checked before any is used.
 */
#include "cloud.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static const struct aksnet__cloud clouds[] = {
    {"AzureCloud", "https://login.microsoftonline.com", "https://management.azure.com"},
    {"AzureChinaCloud", "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn"},
    {"AzureUSGovernment", "https://login.microsoftonline.us", "https://management.usgovcloudapi.net"},
};

const struct aksnet__cloud *aksnet__cloud_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof(clouds) / sizeof(clouds[0]); i++)
        if (strcasecmp(clouds[i].name, name) == 0)
            return &clouds[i];
    return NULL;
}

/* Copy url without trailing slashes, after checking it may carry tokens. */
static aksnet_code take_url(char *dst, size_t len, const char *url, const char *what, struct aksnet_error *err)
{
    struct aksnet_error why;
    if (aksnet__http_check_url(url, &why) != AKSNET_OK)
        return aksnet_error_set(err, AKSNET_EINVAL, "%s: %s", what, why.message);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (n >= len)
        return aksnet_error_set(err, AKSNET_EINVAL, "%s: URL longer than %zu characters", what, len - 1);
    memcpy(dst, url, n);
    dst[n] = '\0';
    return AKSNET_OK;
}

aksnet_code aksnet__cloud_endpoints(const char *cloud_name, const char *arm_override, const char *authority_flag,
                                    const char *authority_env, struct aksnet__endpoints *out, struct aksnet_error *err)
{
    const struct aksnet__cloud *c = aksnet__cloud_find(cloud_name ? cloud_name : "AzureCloud");
    if (!c)
        return aksnet_error_set(err, AKSNET_EINVAL,
                                "cloud '%s' is not AzureCloud, AzureChinaCloud or AzureUSGovernment", cloud_name);
    memset(out, 0, sizeof(*out));
    snprintf(out->cloud, sizeof(out->cloud), "%s", c->name);
    const char *authority = authority_flag ? authority_flag : authority_env ? authority_env : c->authority_host;
    const char *what = authority_flag ? "--authority-host" : authority_env ? "AZURE_AUTHORITY_HOST" : "authority";
    aksnet_code rc = take_url(out->authority_host, sizeof(out->authority_host), authority, what, err);
    if (rc == AKSNET_OK)
        rc = take_url(out->arm_endpoint, sizeof(out->arm_endpoint), arm_override ? arm_override : c->arm_endpoint,
                      arm_override ? "--arm-endpoint" : "ARM endpoint", err);
    if (rc == AKSNET_OK)
        snprintf(out->scope, sizeof(out->scope), "%s/.default", out->arm_endpoint);
    return rc;
}
