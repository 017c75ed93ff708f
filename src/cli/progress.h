/*
 * progress.h - rendering the engine's events: on a terminal one live line
 * per step with its state and elapsed time; otherwise plain timestamped
 * lines; with --output json one JSON object per line and a final summary.
 */
#ifndef AKSNET_CLI_PROGRESS_H
#define AKSNET_CLI_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "aksnet/provision.h"
#include "args.h"

struct progress {
    FILE *out;
    enum output_format format;
    bool live;                                 /* a terminal: redraw the step lines in place */
    pthread_mutex_t lock;
    struct {
        aksnet_step_state state;
        double elapsed;
        char status[160];
        char resource[512];
    } steps[AKSNET_STEP_COUNT];
    size_t lines_drawn;
};

/* out is stderr for text, stdout for JSON (scripts read it). */
void progress_init(struct progress *p, FILE *out, enum output_format format);
void progress_free(struct progress *p);
/* The sink to hand the engine. */
struct aksnet_event_sink progress_sink(struct progress *p);
/*
 * A request about to be sent again after seconds (throttled, a server
 * error, a lost connection): a line of progress for a wait of 2 s or more,
 * "throttled by ARM (HTTP 429): retrying PUT /subscriptions/... in 40 s".
 * ctx is the struct progress (the client's on_retry).
 */
void progress_retry(void *ctx, const char *method, const char *url, double seconds, const char *why);
/*
 * An interrupted run (AKSNET_ECANCELED), before its summary: on err, which
 * signal stopped it and every operation that may still be running on ARM
 * (resource id, operation URL); with JSON output also an
 * {"event":"interrupted", ...} line on p->out with the same facts and the
 * advice that a re-run resumes (the tool's "next:" line says it on err).
 */
void progress_interrupted(struct progress *p, const struct aksnet_provision_result *r, const char *why,
                          const char *mode, FILE *err);
/* What the fleet's progress shares with one plan's (fleet_progress.c). */
/* Now as "2026-12-05T10:00:00Z". */
void progress_timestamp(char out[32]);
/* One event as a timestamped line (and its error's line), prefixed with the plan's name when plan is not NULL. */
void progress_event_line(FILE *out, const char *plan, const struct aksnet_event *e);
/* One event as a JSON line, with "plan" when plan is not NULL. */
void progress_event_json(FILE *out, const char *plan, const struct aksnet_event *e);
/* parent.resources = {resourceGroup, routeTable, identity, vnet, subnet, cluster} (the ids that are set). */
void progress_resources_json(cJSON *parent, const struct aksnet_resource_ids *ids);

/* The final summary: every resource id and how the run ended. */
void progress_summary(struct progress *p, const struct aksnet_provision_result *r, aksnet_code rc,
                      const struct aksnet_error *err, const char *mode);

#endif
