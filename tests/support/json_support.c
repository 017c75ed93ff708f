/*
 * json_support.c - dotted paths into JSON for tests (see json_support.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_support.h"

/* An assertion names the member it checks in one string, as ARM's documentation does. */
const cJSON *mt_json_at(const cJSON *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *at = root;
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && at; k = strtok_r(NULL, ".", &save)) {
        char *end;
        long idx = strtol(k, &end, 10);
        at = *end == '\0' && end != k && cJSON_IsArray(at) ? cJSON_GetArrayItem(at, (int)idx)
                                                           : cJSON_GetObjectItemCaseSensitive(at, k);
    }
    return at;
}

/* NULL rather than a crash when the member is missing: the assertion on it then says so. */
const char *mt_json_str(const cJSON *root, const char *path)
{
    const cJSON *v = mt_json_at(root, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Bodies written in a test are its own: not parsing is the test's bug, reported where it is. */
cJSON *mt_json_parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (!j)
        fail_msg("not JSON: %s", text);
    return j;
}
