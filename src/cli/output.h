/*
 * output.h - how the tool prints: findings, numbers, notices.  Text for
 * people, JSON for scripts; both carry the same facts.
 */
#ifndef AKSNET_CLI_OUTPUT_H
#define AKSNET_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aksnet/finding.h"
#include "args.h"

/* Said once per run of a command that takes a plan. */
#define KUBENET_RETIREMENT_NOTICE \
    "Azure retires kubenet on 31 March 2028; plan new clusters' move to Azure CNI Overlay"

/* Longest text of output_thousands, with the NUL. */
#define THOUSANDS_STRLEN 32

/* 27610 -> "27,610". */
const char *output_thousands(uint64_t value, char buf[THOUSANDS_STRLEN]);

struct cJSON;

/*
 * Print o as one line of JSON and delete it.  ok says whether building o
 * went well; when it did not, or printing runs out of memory, says so on err
 * and returns false.
 */
bool output_json_line(struct cJSON *o, bool ok, FILE *out, FILE *err);
/** An event as one flushed line of JSON; takes o; dropped if it cannot be printed. */
void output_event_line(struct cJSON *o, FILE *out);

/*
 * Print the findings of a plan: text lines and a count line, or one JSON
 * object {"source", "findings": [...], "errors", "warnings", "notices"}.
 * Returns EXIT_PLAN if any finding is an error, EXIT_DONE otherwise.
 */
int output_findings(const struct aksnet_findings *findings, const char *source,
                    enum output_format format, FILE *out, FILE *err);

/* The same; with notice false, text output leaves out the kubenet notice (a fleet says it once). */
int output_findings_of(const struct aksnet_findings *findings, const char *source, enum output_format format,
                       bool notice, FILE *out, FILE *err);

#endif
