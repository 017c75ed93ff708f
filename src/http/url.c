/*
 * url.c - the URL rule for anything that carries a secret: https, or
 * plain http to loopback only.  URLs are parsed by libcurl's URL API so
 * that the host approved here is the host libcurl connects to.
 */
#include "http.h"
#include "utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <curl/curl.h>

/* Loopback as libcurl will connect to it: 127.0.0.0/8, [::1] or the name localhost. */
static bool host_is_loopback(const char *host)
{
    struct in_addr a;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
        return true;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* Link-local as libcurl will connect to it: 169.254.0.0/16 (IMDS and App Service's identity endpoint). */
static bool host_is_link_local(const char *host)
{
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 16) == ((169u << 8) | 254u);
}

aksnet_code aksnet__http_check_url(const char *url, struct aksnet_error *err)
{
    return aksnet__http_check_url_for(url, false, err);
}

/*
 * libcurl's own parser decides, so "http://127.1", "http://0x7f000001" and
 * "http://[0:0::1]" are judged by the address libcurl would really use.
 */
aksnet_code aksnet__http_check_url_for(const char *url, bool link_local_ok, struct aksnet_error *err)
{
    if (!url || !*url)
        return aksnet_error_set(err, AKSNET_EINVAL, "the URL is empty");
    CURLU *u = curl_url();
    if (!u)
        return aksnet_error_set(err, AKSNET_ENOMEM, "out of memory");
    char *scheme = NULL, *host = NULL;
    char shown[201], what[201]; /* the URL (it may come from a server's header) and a part of it, fit to show */
    aksnet__utf8_sanitize(shown, sizeof(shown), url);
    aksnet_code rc = AKSNET_OK;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "'%s' is not an absolute http(s) URL: %s", shown,
                              curl_url_strerror(uc));
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)) {
        rc = aksnet_error_set(err, AKSNET_EINVAL,
                              "'%s': only https:// URLs (and http:// to loopback) are accepted, not scheme '%s'",
                              shown, aksnet__utf8_sanitize(what, sizeof(what), scheme));
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        rc = aksnet_error_set(err, AKSNET_EINVAL, "'%s' names no host", shown);
    } else if (strcmp(scheme, "http") == 0 && !host_is_loopback(host) && !(link_local_ok && host_is_link_local(host))) {
        rc = aksnet_error_set(err, AKSNET_EINVAL,
                              "plain http:// to host '%s' is refused: tokens and secrets would cross the "
                              "network unencrypted; use https:// (http:// is accepted only for 127.0.0.0/8, "
                              "[::1] and localhost)",
                              aksnet__utf8_sanitize(what, sizeof(what), host));
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* The string for one parsed URL: scheme and host lower-cased, escapes' hex digits upper-cased. */
static char *compose(const char *scheme, const char *host, const char *port, const char *path, const char *query)
{
    size_t n = strlen(scheme) + strlen(host) + strlen(path) + (port ? strlen(port) : 0) +
               (query ? strlen(query) : 0) + sizeof("://:?");
    char *out = malloc(n);
    if (!out)
        return NULL;
    int origin = snprintf(out, n, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    snprintf(out + origin, n - (size_t)origin, "%s%s%s", path, query ? "?" : "", query ? query : "");
    for (int i = 0; i < origin; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    for (char *p = out + origin; *p; p++)
        if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            p[1] = (char)toupper((unsigned char)p[1]);
            p[2] = (char)toupper((unsigned char)p[2]);
            p += 2;
        }
    return out;
}

/*
 * RFC 3986 section 6.2.2's syntax-based normalization, as far as libcurl's
 * URL API does it (dot segments resolved) and then by hand: scheme and host
 * in lower case, the scheme's default port, an empty query and the fragment
 * dropped.
 */
char *aksnet__http_url_normalize(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *out = NULL;
    if (u && url && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
            port = NULL;
        if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
            query = NULL;
        out = compose(scheme, host, port, path, query && *query ? query : NULL);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return out;
}
