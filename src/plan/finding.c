/*
 * finding.c - the list that collects what is wrong with a plan.
 *
 * Messages are formatted once, into owned strings, so that a finding can
 * outlive the buffers and values it was built from.
 */
#include "aksnet/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aksnet_findings_init(struct aksnet_findings *list)
{
    memset(list, 0, sizeof(*list));
}

void aksnet_findings_free(struct aksnet_findings *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].field);
        free(list->items[i].message);
    }
    free(list->items);
    aksnet_findings_init(list);
}

/* Make room for one more finding, doubling so that appends stay cheap. */
static bool reserve_one(struct aksnet_findings *list)
{
    if (list->count < list->capacity)
        return true;
    size_t cap = list->capacity ? list->capacity * 2 : 8;
    struct aksnet_finding *items = realloc(list->items, cap * sizeof(*items));
    if (!items)
        return false;
    list->items = items;
    list->capacity = cap;
    return true;
}

/* vsnprintf into a fresh allocation of exactly the right size. */
static char *format_message(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *format_message(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

aksnet_code aksnet_findings_add(struct aksnet_findings *list, const char *code,
                                aksnet_severity severity, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = format_message(fmt, ap);
    va_end(ap);
    char *field_copy = strdup(field ? field : "");
    if (!message || !field_copy || !reserve_one(list)) {
        free(message);
        free(field_copy);
        list->out_of_memory = true;
        return AKSNET_ENOMEM;
    }
    list->items[list->count++] = (struct aksnet_finding){
        .code = code, .severity = severity, .field = field_copy, .message = message};
    return AKSNET_OK;
}

size_t aksnet_findings_count(const struct aksnet_findings *list, aksnet_severity severity)
{
    size_t n = 0;
    for (size_t i = 0; i < list->count; i++)
        n += list->items[i].severity == severity;
    return n;
}

bool aksnet_findings_has(const struct aksnet_findings *list, const char *code)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].code, code) == 0)
            return true;
    return false;
}

const char *aksnet_severity_name(aksnet_severity severity)
{
    return severity == AKSNET_SEVERITY_WARNING ? "warning" : "error";
}
