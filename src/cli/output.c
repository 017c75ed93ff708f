/*
 * output.c - printing findings in text or JSON.  JSON is built with cJSON
 * so that any byte a user put in a plan comes out properly escaped.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

const char *output_thousands(uint64_t value, char buf[THOUSANDS_STRLEN])
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)value);
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[w++] = ',';
        buf[w++] = digits[i];
    }
    buf[w] = '\0';
    return buf;
}

bool output_json_line(cJSON *o, bool ok, FILE *out, FILE *err)
{
    char *text = o && ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) {
        fprintf(err, "aksnet: out of memory\n");
        return false;
    }
    fprintf(out, "%s\n", text);
    free(text);
    return true;
}

/*
 * An event or a report as one line of JSON, flushed at once so that a
 * script reading the stream sees it when it happens.  Takes o.  Best effort:
 * an event that cannot be printed (out of memory) is dropped, not fatal.
 */
void output_event_line(cJSON *o, FILE *out)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (text)
        fprintf(out, "%s\n", text);
    cJSON_free(text);
    fflush(out);
}

static int print_text(const struct aksnet_findings *f, const char *source, bool notice, FILE *out, FILE *err)
{
    for (size_t i = 0; i < f->count; i++) {
        const struct aksnet_finding *x = &f->items[i];
        fprintf(out, "%-7s %-24s %s%s%s\n", aksnet_severity_name(x->severity), x->code, x->field,
                *x->field ? ": " : "", x->message);
    }
    size_t errors = aksnet_findings_count(f, AKSNET_SEVERITY_ERROR);
    size_t warnings = aksnet_findings_count(f, AKSNET_SEVERITY_WARNING);
    fprintf(out, "%s: %zu error%s, %zu warning%s\n", source, errors, errors == 1 ? "" : "s", warnings,
            warnings == 1 ? "" : "s");
    if (notice)
        fprintf(err, "notice: %s\n", KUBENET_RETIREMENT_NOTICE);
    return errors ? EXIT_PLAN : EXIT_DONE;
}

/* Build the JSON document; NULL when out of memory. */
static cJSON *findings_json(const struct aksnet_findings *f, const char *source)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "findings");
    cJSON *notices = NULL;
    if (!root || !list || !cJSON_AddStringToObject(root, "source", source))
        goto fail;
    for (size_t i = 0; i < f->count; i++) {
        const struct aksnet_finding *x = &f->items[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(list, o) || !cJSON_AddStringToObject(o, "code", x->code) ||
            !cJSON_AddStringToObject(o, "severity", aksnet_severity_name(x->severity)) ||
            !cJSON_AddStringToObject(o, "field", x->field) ||
            !cJSON_AddStringToObject(o, "message", x->message))
            goto fail;
    }
    if (!cJSON_AddNumberToObject(root, "errors", (double)aksnet_findings_count(f, AKSNET_SEVERITY_ERROR)) ||
        !cJSON_AddNumberToObject(root, "warnings", (double)aksnet_findings_count(f, AKSNET_SEVERITY_WARNING)) ||
        !(notices = cJSON_AddArrayToObject(root, "notices")) ||
        !cJSON_AddItemToArray(notices, cJSON_CreateString(KUBENET_RETIREMENT_NOTICE)))
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

int output_findings(const struct aksnet_findings *f, const char *source, enum output_format format,
                    FILE *out, FILE *err)
{
    return output_findings_of(f, source, format, true, out, err);
}

int output_findings_of(const struct aksnet_findings *f, const char *source, enum output_format format, bool notice,
                       FILE *out, FILE *err)
{
    if (format == OUTPUT_TEXT)
        return print_text(f, source, notice, out, err);
    cJSON *root = findings_json(f, source);
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        fprintf(err, "aksnet: out of memory\n");
        return EXIT_PLAN;
    }
    fprintf(out, "%s\n", text);
    free(text);
    return aksnet_findings_count(f, AKSNET_SEVERITY_ERROR) ? EXIT_PLAN : EXIT_DONE;
}
