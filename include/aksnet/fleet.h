/*
 * aksnet/fleet.h - many plans in one run: `aksnet provision -f a.json -f
 * b.json ...` or `--plans DIR`.
 *
 * One client serves every plan: one credential and token, one connection
 * pool, and one pacer that keeps the fleet within ARM's throttle
 * (aksnet/client.h).  Up to `parallel` plans run at once, each as
 * aksnet_provision_run runs one plan; a plan that fails does not stop the
 * others, unless its credential failed (AKSNET_EAUTH: the credential is
 * every plan's) or the client was cancelled (AKSNET_ECANCELED, Ctrl-C:
 * aksnet/cancel.h): then no plan starts after it, and those not started
 * end with the same code ("not started").  A cancelled plan's result says
 * what may still run on ARM (aksnet_provision_result.in_flight).  Plans
 * that share a VNet run one after another: a VNet PUT carries its whole
 * list of subnets, so two at once would race.
 *
 * Before any plan starts, the plans are checked against each other where
 * only ARM knows the answer: pod ranges that overlap between plans whose
 * VNets are peered (the VNets are read once each, and only for plans whose
 * pod ranges overlap).  The offline checks (aksnet_validate_fleet in
 * aksnet/validate.h) are the caller's, before this.
 */
#ifndef AKSNET_FLEET_H
#define AKSNET_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "finding.h"
#include "plan.h"
#include "provision.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Plans run at once unless told otherwise, and the most that may be. */
#define AKSNET_FLEET_PARALLEL_DEFAULT 10
#define AKSNET_FLEET_PARALLEL_MAX 256

/** How one plan of a fleet went. */
struct aksnet_fleet_result {
    bool started;                        /**< its run began (false: a cross-plan finding, a failed credential
                                              or a cancel stopped the fleet first) */
    bool finished;
    aksnet_code rc;                      /**< as aksnet_provision_run returned it */
    struct aksnet_error error;           /**< when rc is not AKSNET_OK */
    struct aksnet_provision_result run;  /**< states, ids, writes */
    double seconds;                      /**< from its start to its end, on the client's clock */
};

/** Where a fleet's events go.  Calls are serialised across every plan and thread. */
struct aksnet_fleet_sink {
    /** An event of plans[plan]'s run, as aksnet_event_sink has them. */
    void (*emit)(void *ctx, size_t plan, const struct aksnet_event *event);
    /** plans[plan] has started (result->started) or ended (result->finished, the rest filled).  May be NULL. */
    void (*plan)(void *ctx, size_t plan, const struct aksnet_fleet_result *result);
    void *ctx;
};

struct aksnet_fleet_options {
    const struct aksnet_plan *const *plans;   /**< each validated, defaults applied */
    size_t count;
    /**
     * What every plan's run gets: mode, client, deadlines, parallel steps.
     * plan and events are set per plan, and principal_wait from each plan's
     * roleAssignment.waitSeconds.
     */
    struct aksnet_provision_options run;
    size_t parallel;                          /**< plans at once, 1..AKSNET_FLEET_PARALLEL_MAX; 0 = the default */
    struct aksnet_fleet_sink events;
};

/** Defaults: aksnet_provision_options_init's run, parallel AKSNET_FLEET_PARALLEL_DEFAULT, no plans. */
void aksnet_fleet_options_init(struct aksnet_fleet_options *options);

/**
 * Run every plan in options->run.mode; results has options->count entries.
 * AKSNET_OK when every plan ended AKSNET_OK.  AKSNET_EPLAN, with the
 * fleet-pod-overlap findings appended to findings and no plan started,
 * when plans in peered VNets have overlapping pod ranges (PLAN and APPLY;
 * a VNet that cannot be read is not checked: its plan's own run reports
 * why).  Otherwise the code of the first plan (in the fleet's order) that
 * failed, err saying how many failed and that plan's error; the results
 * say how each ended.  AKSNET_EINVAL for options that cannot run.
 */
aksnet_code aksnet_fleet_run(const struct aksnet_fleet_options *options, struct aksnet_fleet_result *results,
                             struct aksnet_findings *findings, struct aksnet_error *err);

#ifdef __cplusplus
}
#endif
#endif
