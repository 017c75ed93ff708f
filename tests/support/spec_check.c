/*
 * spec_check.c - request bodies against the specs' models (see spec_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "json_support.h"
#include "spec_check.h"
#include "tmpfiles.h"

/* Whether v has the JSON type an OpenAPI "type" names (an integer must have no fraction). */
static bool type_ok(const cJSON *v, const char *type)
{
    if (strcmp(type, "object") == 0)
        return cJSON_IsObject(v);
    if (strcmp(type, "array") == 0)
        return cJSON_IsArray(v);
    if (strcmp(type, "string") == 0)
        return cJSON_IsString(v);
    if (strcmp(type, "boolean") == 0)
        return cJSON_IsBool(v);
    if (strcmp(type, "integer") == 0)
        return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
    if (strcmp(type, "number") == 0)
        return cJSON_IsNumber(v);
    return false;
}

/* The check's running state: what it found, and whether to print as it goes. */
struct spec_walk {
    struct mt_spec_result *out;
    bool report;
};

/* One violation: counted, kept while there is room, printed when asked. */
static void violation(struct spec_walk *c, const char *path, const char *what)
{
    const char *shown = path[0] ? path : "(body)";
    if (c->report)
        print_error("  spec: %s: %s\n", shown, what);
    if (c->out->kept < MT_SPEC_KEPT) {
        struct mt_spec_violation *v = &c->out->items[c->out->kept++];
        snprintf(v->path, sizeof(v->path), "%s", shown);
        snprintf(v->what, sizeof(v->what), "%s", what);
    }
    c->out->errors++;
}

/* ARM compares enum values case-insensitively, so the check does too. */
static bool in_enum(const cJSON *v, const cJSON *choices)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, choices)
    {
        if (cJSON_IsString(c) && cJSON_IsString(v) && strcasecmp(c->valuestring, v->valuestring) == 0)
            return true;
    }
    return false;
}

/*
 * An extensible enum (x-ms-enum modelAsString true, kept by
 * scripts/extract-spec-models.py): its enum lists the values known when the
 * spec was written, and any string is valid (AutoRest's "modelAsString").
 */
static bool extensible(const cJSON *schema)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(schema, "x-ms-enum"),
                                                         "modelAsString"));
}

static void check_node(const cJSON *v, const cJSON *schema, const char *path, struct spec_walk *c);

/* Every member declared (or allowed by additionalProperties), every required one present. */
static void check_members(const cJSON *v, const cJSON *schema, const char *path, struct spec_walk *c)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    const cJSON *m;
    cJSON_ArrayForEach(m, v)
    {
        char sub[512];
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", m->string);
        const cJSON *decl = cJSON_GetObjectItemCaseSensitive(props, m->string);
        if (decl)
            check_node(m, decl, sub, c);
        else if (extra)
            check_node(m, extra, sub, c);
        else
            violation(c, sub, "not declared by the model");
    }
    const cJSON *req;
    cJSON_ArrayForEach(req, cJSON_GetObjectItemCaseSensitive(schema, "required"))
    {
        if (cJSON_IsString(req) && !cJSON_GetObjectItemCaseSensitive(v, req->valuestring)) {
            char sub[512];
            snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", req->valuestring);
            violation(c, sub, "required but missing");
        }
    }
}

/* One value against its schema, and what it holds against theirs. */
static void check_node(const cJSON *v, const cJSON *schema, const char *path, struct spec_walk *c)
{
    if (cJSON_GetObjectItemCaseSensitive(schema, "x-unresolved") ||
        cJSON_GetObjectItemCaseSensitive(schema, "x-recursive")) {
        violation(c, path, "enters a part of the model that was not extracted");
        return;
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(schema, "readOnly"))) {
        violation(c, path, "read-only");
        return;
    }
    const char *type = mt_json_str(schema, "type");
    if (type && !type_ok(v, type)) {
        violation(c, path, "wrong type");
        return;
    }
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(schema, "enum");
    if (choices && !extensible(schema) && !in_enum(v, choices))
        violation(c, path, "not one of the enum values");
    if (cJSON_IsObject(v)) {
        check_members(v, schema, path, c);
    } else if (cJSON_IsArray(v)) {
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
        const cJSON *e;
        int i = 0;
        cJSON_ArrayForEach(e, v)
        {
            char sub[512];
            snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
            if (items)
                check_node(e, items, sub, c);
        }
    }
}

/* The model file names where it came from, so a failure can be traced to the spec. */
cJSON *mt_spec_load(const char *model)
{
    char rel[256], path[MT_PATH_MAX];
    snprintf(rel, sizeof(rel), "tests/data/specs/%s.json", model);
    assert_non_null(mt_source_path(rel, path, sizeof(path)));
    char *text = mt_read_file(path, NULL);
    if (!text)
        print_error("cannot open %s (set AKSNET_SRCDIR to the repository root)\n", path);
    assert_non_null(text);
    cJSON *spec = mt_json_parse(text);
    free(text);
    const char *source = mt_json_str(spec, "source");
    assert_non_null(source);
    static const char prefix[] = "Azure/azure-rest-api-specs specification/";
    assert_int_equal(strncmp(source, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(source, " (read "));
    return spec;
}

/* The whole walk from the model's root; the caller decides what a violation means. */
void mt_spec_check(const cJSON *body, const char *model, bool report, struct mt_spec_result *out)
{
    memset(out, 0, sizeof(*out));
    cJSON *spec = mt_spec_load(model);
    struct spec_walk c = {.out = out, .report = report};
    check_node(body, cJSON_GetObjectItemCaseSensitive(spec, "schema"), "", &c);
    cJSON_Delete(spec);
}

/* Most callers only need to know whether a body conforms. */
int mt_spec_violations(const cJSON *body, const char *model, bool report)
{
    struct mt_spec_result r;
    mt_spec_check(body, model, report, &r);
    return r.errors;
}

/* A failure shows the body too: the violations alone rarely say which builder went wrong. */
void mt_spec_assert_conforms(const cJSON *body, const char *model)
{
    assert_non_null(body);
    int errors = mt_spec_violations(body, model, true);
    if (errors) {
        char *text = cJSON_Print(body);
        print_error("%s body:\n%s\n", model, text ? text : "?");
        free(text);
    }
    assert_int_equal(errors, 0);
}

static void strip_read_only(cJSON *v, const cJSON *schema);

/* The members of an object: read-only ones removed, the others stripped in turn. */
static void strip_members(cJSON *v, const cJSON *schema)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    cJSON *m = v->child;
    while (m) {
        cJSON *next = m->next;
        const cJSON *decl = cJSON_GetObjectItemCaseSensitive(props, m->string);
        if (!decl)
            decl = extra;
        if (decl && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(decl, "readOnly")))
            cJSON_Delete(cJSON_DetachItemViaPointer(v, m));
        else if (decl)
            strip_read_only(m, decl);
        m = next;
    }
}

/* Read-only members go wherever the model is known; parts not extracted are left as they are. */
static void strip_read_only(cJSON *v, const cJSON *schema)
{
    if (cJSON_GetObjectItemCaseSensitive(schema, "x-unresolved") ||
        cJSON_GetObjectItemCaseSensitive(schema, "x-recursive"))
        return;
    if (cJSON_IsObject(v)) {
        strip_members(v, schema);
    } else if (cJSON_IsArray(v)) {
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
        cJSON *e;
        cJSON_ArrayForEach(e, v)
        {
            if (items)
                strip_read_only(e, items);
        }
    }
}

/* What a client sends back of what it read: the model decides what ARM computes. */
cJSON *mt_spec_writable(const cJSON *body, const char *model)
{
    cJSON *spec = mt_spec_load(model);
    cJSON *copy = cJSON_Duplicate(body, 1);
    assert_non_null(copy);
    strip_read_only(copy, cJSON_GetObjectItemCaseSensitive(spec, "schema"));
    cJSON_Delete(spec);
    return copy;
}
