/*
 * json.c - the dotted-path getter over cJSON.
 */
#include "json.h"

#include <string.h>

cJSON *aksnet__json_at(const cJSON *obj, const char *path)
{
    char key[128];
    const cJSON *at = obj;
    while (at && path && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(key) || !cJSON_IsObject(at))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        at = cJSON_GetObjectItemCaseSensitive(at, key);
        path += n + (dot ? 1 : 0);
    }
    return (cJSON *)at;
}

const char *aksnet__json_str(const cJSON *obj, const char *path)
{
    const cJSON *v = aksnet__json_at(obj, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

size_t aksnet__json_nul_escape(const char *text, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (!in_string) {
            in_string = text[i] == '"';
        } else if (text[i] == '"') {
            in_string = 0;
        } else if (text[i] == '\\' && i + 1 < len) {
            if (len - i >= 6 && memcmp(text + i, "\\u0000", 6) == 0)
                return i;
            i++; /* the escaped character, which may be a quote */
        }
    }
    return len;
}
