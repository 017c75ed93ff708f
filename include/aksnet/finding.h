/*
 * aksnet/finding.h - what the plan reader and the validator report.
 *
 * A finding is one problem with a plan: a stable code scripts can match on
 * (the table in docs/plan.md), a severity, the path of the field it is about
 * ("cluster.nodePools[0].maxPods") and a message that says what was found
 * and what would be valid.  All findings of a run are collected, never just
 * the first, so a user fixes a plan in one pass.
 */
#ifndef AKSNET_FINDING_H
#define AKSNET_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How bad a finding is: errors stop provisioning, warnings do not. */
typedef enum {
    AKSNET_SEVERITY_ERROR = 0,
    AKSNET_SEVERITY_WARNING
} aksnet_severity;

/** One finding.  code points at a static string; field and message are owned by the list. */
struct aksnet_finding {
    const char *code;         /**< stable code, e.g. "max-pods" */
    aksnet_severity severity; /**< error or warning */
    char *field;              /**< field path, e.g. "network.subnet.addressPrefix"; "" for the whole plan */
    char *message;            /**< what is wrong and what would be valid */
};

/** A growable list of findings.  Zero-initialise it or call aksnet_findings_init. */
struct aksnet_findings {
    struct aksnet_finding *items; /**< count findings, in the order they were added */
    size_t count;                 /**< number of findings */
    size_t capacity;              /**< allocated slots */
    bool out_of_memory;           /**< a finding was lost for want of memory */
};

/** Make an empty list. */
void aksnet_findings_init(struct aksnet_findings *list);

/** Release every finding; the list is empty and reusable afterwards. */
void aksnet_findings_free(struct aksnet_findings *list);

/**
 * Append a finding with a printf-style message.  code must be a string that
 * outlives the list (a literal).  On allocation failure the finding is
 * dropped, list->out_of_memory is set and AKSNET_ENOMEM returned.
 */
aksnet_code aksnet_findings_add(struct aksnet_findings *list, const char *code,
                                aksnet_severity severity, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/** How many findings have the given severity. */
size_t aksnet_findings_count(const struct aksnet_findings *list, aksnet_severity severity);

/** True if some finding has this code (any severity). */
bool aksnet_findings_has(const struct aksnet_findings *list, const char *code);

/** "error" or "warning". */
const char *aksnet_severity_name(aksnet_severity severity);

#ifdef __cplusplus
}
#endif
#endif
