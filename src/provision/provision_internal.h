/*
 * provision_internal.h - what the files of the engine share (provision.c:
 * the run, events and the scheduler; provision_steps.c: reading and writing
 * each resource; provision_preflight.c: the checks before the first write;
 * provision_destroy.c: removing what aksnet made).  Not installed.
 *
 * Threads: one mutex (run->lock) guards every member that more than one
 * thread touches (step states and started_at, what is in flight, the
 * principal, the first error, the write count) and serialises events.
 * Each task of a phase runs on a thread of its own (provision.c); what a
 * read leaves (a step's existing, body and decision; the run's vnet,
 * subnet, route_table and clusters, each written by one task) is read only
 * by tasks that the graph starts after it, under the lock that orders them,
 * and by the write phase.
 */
#ifndef AKSNET_PROVISION_INTERNAL_H
#define AKSNET_PROVISION_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "aksnet/provision.h"
#include "arm.h"
#include "json.h"
#include "resources.h"
#include "client_internal.h"

/* Longest status text of an event (fields that differ, warnings). */
#define PV_STATUS_MAX 1024
/* A principal id (a GUID; room for anything ARM may answer). */
#define PV_PRINCIPAL_MAX 128


struct aksnet__provision_run;

/* One step of the graph. */
struct aksnet__provision_step {
    aksnet_step id;
    struct aksnet__provision_run *run;
    aksnet_step_state state;      /* the last state emitted (guarded by run->lock) */
    aksnet_step_state decision;   /* the read's verdict: CREATE, UPDATE, WAITING (still settling), NOOP, SKIPPED */
    double started_at;            /* on the run's clock, for elapsed (under the lock once threads run) */
    char resource[AKSNET_ID_MAX]; /* the id events carry (guarded by run->lock once threads run) */
    char fields[PV_STATUS_MAX];   /* UPDATE: what differs */
    cJSON *existing;              /* what ARM held at the read (owned) */
    cJSON *body;                  /* what to PUT (owned), NULL when built at write time */
    bool scope_absent;            /* role assignment: its scope does not exist yet */
    bool in_flight;               /* a write (or a wait on one) began and has not ended (under the lock) */
    char operation[AKSNET_OPERATION_URL_MAX]; /* the operation it follows, "" until ARM names one (lock) */
};

struct aksnet__provision_run {
    const struct aksnet_provision_options *o;
    const struct aksnet_plan *plan;
    struct aksnet_resource_ids ids;
    const struct aksnet__clock *clock;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct aksnet__provision_step steps[AKSNET_STEP_COUNT];

    bool system_assigned;   /* the cluster's identity is SystemAssigned: no identity step */
    bool user_identity;     /* identity.id: the user's identity, read and never written */
    bool vnet_existing;     /* the VNet is the user's: only its subnet is written */
    char role_scope[AKSNET_ID_MAX]; /* the VNet, or the subnet with roleAssignment.scope subnet */

    cJSON *vnet;            /* the VNet as read (owned), or NULL */
    cJSON *subnet;          /* the plan's subnet as read (owned copy), or NULL */
    cJSON *route_table;     /* the route table as read (owned), or NULL */
    cJSON *clusters;        /* the subscription's managed clusters (owned), or NULL when not read */

    char principal[PV_PRINCIPAL_MAX]; /* the identity's principal (the cluster's, SystemAssigned) */

    bool failed;
    bool interrupted;       /* the cancel stopped something: the run ends AKSNET_ECANCELED */
    aksnet_code first_rc;
    struct aksnet_error first_err;
    size_t writes;
    size_t running;
};

/* ---- provision.c ------------------------------------------------------------- */

/* Seconds on the run's clock. */
double aksnet__provision_now(struct aksnet__provision_run *run);

/* Set a step's state and tell it (status may be NULL, error NULL unless FAILED).  Takes the lock. */
void aksnet__provision_emit(struct aksnet__provision_run *run, aksnet_step step, aksnet_step_state state,
                            const char *status, const struct aksnet_error *error);
/* Tell a notice (AKSNET_STATE_WARNING) without changing the step's state.  Takes the lock. */
void aksnet__provision_warn(struct aksnet__provision_run *run, aksnet_step step, const char *status);
/*
 * A step failed: FAILED event, and the run's first error if it is the
 * first.  Returns rc.  Once the run is cancelled (AKSNET_ECANCELED, or any
 * failure after the cancel), the step is INTERRUPTED instead, its write
 * (if any) left in flight.
 */
aksnet_code aksnet__provision_fail(struct aksnet__provision_run *run, aksnet_step step, aksnet_code rc,
                                   const struct aksnet_error *err);
/* Whether the run's client was cancelled; when so, the run is marked interrupted.  Takes the lock. */
bool aksnet__provision_cancelled(struct aksnet__provision_run *run);
/* Fill result->in_flight from the steps and the final error of an interrupted run.  No other thread runs. */
void aksnet__provision_report_interrupted(struct aksnet__provision_run *run, struct aksnet_provision_result *result,
                                          struct aksnet_error *err);
/* Count one PUT/POST/DELETE.  Takes the lock. */
void aksnet__provision_count_write(struct aksnet__provision_run *run);
/* Set the id a step's events carry.  Takes the lock. */
void aksnet__provision_set_resource(struct aksnet__provision_run *run, aksnet_step step, const char *id);
/* Copy the principal (under the lock); "" when not known. */
void aksnet__provision_get_principal(struct aksnet__provision_run *run, char out[PV_PRINCIPAL_MAX]);
void aksnet__provision_set_principal(struct aksnet__provision_run *run, const char *principal);

/* Long-running operation options whose polls become WAITING events of step. */
struct aksnet__provision_lro {
    struct aksnet__lro_options lro;
    struct aksnet__provision_run *run;
    aksnet_step step;
};
void aksnet__provision_lro_init(struct aksnet__provision_lro *l, struct aksnet__provision_run *run, aksnet_step step);

/* A client of options->new_client; AKSNET_OK or the failure (err set). */
aksnet_code aksnet__provision_client(struct aksnet__provision_run *run, struct aksnet__arm_client **out,
                                     struct aksnet_error *err);
void aksnet__provision_release(struct aksnet__provision_run *run, struct aksnet__arm_client *client);

/* snprintf into a fixed buffer, cut when it does not fit: by design. */
void aksnet__provision_format(char *out, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Case-insensitive string equality; NULL equals nothing. */
bool aksnet__provision_same_id(const char *a, const char *b);
/* Does the resource carry createdBy: aksnet? */
bool aksnet__provision_created_by_aksnet(const cJSON *resource);

/* ---- provision_steps.c --------------------------------------------------------- */

/* The read phase of one step: GET, build the body, diff, decide.  Emits the decision. */
aksnet_code aksnet__provision_read_step(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                        aksnet_step step, struct aksnet_error *err);
/* The write phase of one step (decision CREATE or UPDATE): PUT and follow.  Emits DONE or FAILED. */
aksnet_code aksnet__provision_write_step(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                         aksnet_step step, struct aksnet_error *err);

/*
 * Send a role assignment PUT, retrying PrincipalNotFound within
 * options->principal_wait (each retry a RETRYING event).  RoleAssignmentExists
 * is success (*exists set).
 */
aksnet_code aksnet__provision_put_role(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                       aksnet_step step, const char *id, const cJSON *body, bool *exists,
                                       struct aksnet_error *err);

/* ---- provision_preflight.c ------------------------------------------------------- */

/* How many resource providers a run checks (some runs fewer: those without an identity to make). */
#define AKSNET__PROVISION_PROVIDERS 4
/* Provider i (< AKSNET__PROVISION_PROVIDERS) registered (registering it in APPLY mode), if the run needs it. */
aksnet_code aksnet__provision_preflight_provider(struct aksnet__provision_run *run,
                                                 const struct aksnet__arm_client *client, size_t i,
                                                 struct aksnet_error *err);
/* The subscription's managed clusters into run->clusters, once the subnet and route table are read (if either is). */
aksnet_code aksnet__provision_read_clusters(struct aksnet__provision_run *run, const struct aksnet__arm_client *client,
                                            struct aksnet_error *err);
/* After the reads: the user's subnet's route table, the service range, other clusters, the NSG warning. */
aksnet_code aksnet__provision_preflight_network(struct aksnet__provision_run *run, struct aksnet_error *err);

/* ---- provision_taken.c ------------------------------------------------------------------ */

/* The ranges in use around a plan's VNet, gathered from what ARM returns. */
struct aksnet__taken {
    struct aksnet_taken_list *list;   /* what is found (owned until aksnet__taken_release) */
    size_t cap;                       /* slots of list->items */
    char **peered;                    /* ids of the VNets the plan's is peered with (owned) */
    size_t npeered;
    const char *vnet_id, *own_subnet_id, *own_cluster_id;  /* the plan's (borrowed) */
};

aksnet_code aksnet__taken_init(struct aksnet__taken *t, const char *vnet_id, const char *own_subnet_id,
                               const char *own_cluster_id);
/* The VNet as read: its subnets other than the plan's, and every peering's remote address space. */
aksnet_code aksnet__taken_vnet(struct aksnet__taken *t, const cJSON *vnet);
/* One managed cluster as listed: its ranges when it is not the plan's and sits in the VNet or a peered one. */
aksnet_code aksnet__taken_cluster(struct aksnet__taken *t, const cJSON *cluster);
/* Hand the list over (the caller frees it with aksnet_provision_taken_free). */
struct aksnet_taken_list *aksnet__taken_release(struct aksnet__taken *t);
void aksnet__taken_done(struct aksnet__taken *t);

/* ---- provision_destroy.c ------------------------------------------------------------ */

aksnet_code aksnet__provision_destroy(struct aksnet__provision_run *run, struct aksnet_error *err);

#endif
