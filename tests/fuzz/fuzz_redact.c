/*
 * fuzz_redact.c - libFuzzer target for the masking of bodies in the
 * --verbose log (src/http/redact.c): token answers and request bodies are
 * JSON or forms that hold secrets, and any server's body ends up there.
 *
 * An input is a body.  Invariants: the result is a string; a body that is
 * neither JSON nor a form keeps at most AKSNET_HTTP_LOG_TEXT_MAX bytes and
 * no control character but tab, CR and LF; and no value of a member or
 * field whose name says secret (as http.h lists them: "key", names ending
 * in "token" or "assertion", names containing "secret" or "password", any
 * case; form names compared decoded) appears in the result, unless the
 * same text is also in the body outside such values.  JSON is checked
 * exactly: the result is the body printed with each such value "***".
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "fuzz_support.h"
#include "http.h"

/* http.h's rule, written again from its words. */
static bool secret_name(const char *name)
{
    size_t n = strlen(name);
    char *lower = strdup(name);
    if (!lower)
        abort();
    for (char *p = lower; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    bool s = strcmp(lower, "key") == 0 || (n >= 5 && strcmp(lower + n - 5, "token") == 0) ||
             (n >= 9 && strcmp(lower + n - 9, "assertion") == 0) || strstr(lower, "secret") ||
             strstr(lower, "password");
    free(lower);
    return s;
}

/* Secrets worth looking for: long enough not to occur by chance in "***" or in the names around them. */
static bool worth(const char *s)
{
    return s && strlen(s) >= 6;
}

/* The reference: every value of a secret member, at any depth, replaced by the string "***". */
static void mask_json(cJSON *node)
{
    for (cJSON *child = node->child; child; child = child->next) {
        if (cJSON_IsObject(node) && child->string && secret_name(child->string)) {
            cJSON_Delete(child->child);
            child->child = NULL;
            if (!(child->type & cJSON_IsReference))
                free(child->valuestring);
            child->valuestring = strdup("***");
            if (!child->valuestring)
                abort();
            child->type = cJSON_String | (child->type & cJSON_StringIsConst);
        } else {
            mask_json(child);
        }
    }
}

static void check_json(const char *body, size_t len, const char *out)
{
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!j)
        return;
    mask_json(j);
    char *want = cJSON_PrintUnformatted(j);
    FZ_CHECK(want && strcmp(out, want) == 0, "logged %s, not %s", out, want ? want : "(null)");
    free(want);
    cJSON_Delete(j);
}

/* A urlencoded form as http.h means it: only a form's characters, a name before the first '='. */
static bool is_form(const char *body, size_t len)
{
    const char *eq = memchr(body, '=', len), *amp = memchr(body, '&', len);
    if (!eq || eq == body || (amp && amp < eq))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%+=&*!'(),;:/@?$", body[i]) ||
            body[i] == '\0')
            return false;
    return true;
}

static void check_form(const char *body, size_t len, const char *out)
{
    if (!is_form(body, len))
        return;
    char *copy = strndup(body, len), *kept = calloc(1, len + 2);
    const char *secrets[64];
    size_t n = 0;
    if (!copy || !kept)
        abort();
    for (char *save = NULL, *f = strtok_r(copy, "&", &save); f; f = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(f, '=');
        int dlen = 0;
        /* (a length of 0 would make curl_easy_unescape take the whole string) */
        char *name = eq && eq > f ? curl_easy_unescape(NULL, f, (int)(eq - f), &dlen) : NULL;
        bool secret = eq && eq > f && (!name || secret_name(name));
        curl_free(name);
        strcat(kept, "&");
        if (secret) {
            strncat(kept, f, (size_t)(eq - f + 1)); /* the name is shown */
            if (n < 64)
                secrets[n++] = eq + 1;
        } else {
            strcat(kept, f);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (worth(secrets[i]))
            FZ_CHECK(!strstr(out, secrets[i]) || strstr(kept, secrets[i]), "form secret '%s' in the log: %s",
                     secrets[i], out);
    free(copy);
    free(kept);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_input in = {data, size};
    size_t len;
    char *body = fz_piece(&in, "", &len);
    char *out = aksnet__http_redact_body(body, len);
    FZ_CHECK(out != NULL, "no result");
    cJSON *json = cJSON_ParseWithLength(body, len);
    bool text = !json && !is_form(body, len);
    cJSON_Delete(json);
    if (text) {
        size_t n = strlen(out);
        FZ_CHECK(n <= AKSNET_HTTP_LOG_TEXT_MAX + 48, "%zu bytes of text kept", n);
        for (size_t i = 0; i < n; i++)
            FZ_CHECK((unsigned char)out[i] >= 0x20 || strchr("\t\r\n", out[i]), "control character 0x%02x kept",
                     (unsigned char)out[i]);
    }
    check_json(body, len, out);
    check_form(body, len, out);
    free(out);
    free(body);
    return 0;
}
