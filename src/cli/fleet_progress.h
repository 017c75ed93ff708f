/*
 * fleet_progress.h - a fleet's events for people and scripts: on a terminal
 * one live line per plan with its current step; otherwise timestamped
 * lines that start with the plan's file; with --output json one object per
 * line carrying "plan"; then a summary table (or object) of every plan.
 */
#ifndef AKSNET_CLI_FLEET_PROGRESS_H
#define AKSNET_CLI_FLEET_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "aksnet/client.h"
#include "aksnet/fleet.h"
#include "args.h"

/* What the live display keeps of one plan. */
struct fleet_line {
    aksnet_step step;
    aksnet_step_state state;
    double elapsed;
    char status[120];
    int phase;                 /* 0 waiting, 1 running, 2 done, 3 failed */
};

struct fleet_progress {
    FILE *out;
    enum output_format format;
    bool live;                 /* a terminal: redraw in place */
    size_t rows;               /* the terminal's height */
    pthread_mutex_t lock;      /* the fleet serialises its events; retries come from any thread */
    const char *const *names;  /* the plans' files */
    size_t count;
    int width;                 /* of the name column */
    struct fleet_line *lines;
    size_t lines_drawn;
};

/* out is stderr for text, stdout for JSON.  False when out of memory. */
bool fleet_progress_init(struct fleet_progress *p, FILE *out, enum output_format format, const char *const *names,
                         size_t count);
void fleet_progress_free(struct fleet_progress *p);

/* The sink to hand aksnet_fleet_run. */
struct aksnet_fleet_sink fleet_progress_sink(struct fleet_progress *p);

/* The client's on_retry: a wait of 2 s or more is a line (JSON: an event "retry"). */
void fleet_progress_retry(void *ctx, const char *method, const char *url, double seconds, const char *why);

/*
 * An interrupted fleet (some plan ended AKSNET_ECANCELED), before the
 * summary: on err, which signal stopped it and, per plan, every operation
 * that may still be running on ARM; with JSON output also one
 * {"event":"interrupted", ...} line on p->out with the same facts.
 */
void fleet_progress_interrupted(struct fleet_progress *p, const struct aksnet_fleet_result *results, const char *why,
                                const char *mode, FILE *err);

/*
 * The summary: a line with the counts and the client's requests, then one
 * row per plan (result, exit code, writes, time, the error or the
 * cluster's id); JSON: {"summary": {..., "results": [...]}}.  exit_code
 * maps a plan's result to its exit code.
 */
void fleet_progress_summary(struct fleet_progress *p, const char *mode, const struct aksnet_fleet_result *results,
                            const struct aksnet_client_stats *stats, double seconds, int (*exit_code)(aksnet_code));

#endif
