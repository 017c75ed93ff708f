/*
 * version.c - the library's version and those of the libraries it runs
 * with, asked of each at run time: a bug report then says what really ran,
 * not what the headers said at build time.
 */
#include "aksnet/version.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#ifndef AKSNET_COMMIT
#define AKSNET_COMMIT "unknown"
#endif

void aksnet_version_info(struct aksnet_version_info *out)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    out->version = AKSNET_VERSION;
    out->commit = AKSNET_COMMIT;
    out->curl = curl && curl->version ? curl->version : "unknown";
    out->openssl = OpenSSL_version(OPENSSL_VERSION);
    out->cjson = cJSON_Version();
}
