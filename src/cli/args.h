/*
 * args.h - the command line of the aksnet tool.
 *
 * A small table-driven parser (long options with "--x v" or "--x=v", short
 * ones with "-x v") rather than getopt_long, whose global optind would make
 * parsing impossible to test twice in one process.  Flags that take a secret
 * do not exist: secrets come from the environment or files only.
 */
#ifndef AKSNET_CLI_ARGS_H
#define AKSNET_CLI_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "aksnet/plan.h"

/* Exit codes (README.md's table, aksnet(1) EXIT STATUS). */
enum {
    EXIT_DONE = 0,
    EXIT_PLAN = 1,
    EXIT_USAGE = 2,
    EXIT_AUTH = 3,
    EXIT_ARM = 4,
    EXIT_TIMEOUT = 5,
    EXIT_SIGINT = 130,     /* 128 + SIGINT: interrupted by Ctrl-C (cli_interrupt_exit_code) */
    EXIT_SIGTERM = 143     /* 128 + SIGTERM */
};

enum output_format { OUTPUT_TEXT = 0, OUTPUT_JSON };

/* The most --taken ranges one command line may give. */
#define CLI_MAX_TAKEN 256
/* The most -f flags one command takes (a fleet of more: --plans DIR). */
#define CLI_PLAN_FILES_MAX 256

/* Everything a command may be given. */
struct cli_args {
    const char *plan_file;                 /* -f/--file: the first one */
    const char *plan_files[CLI_PLAN_FILES_MAX]; /* every -f, in order (a fleet when more than one) */
    size_t plan_file_count;
    const char *plans_dir;                 /* --plans DIR: every *.json in DIR (a fleet) */
    long parallel;                         /* --parallel: plans at once, -1 when absent */
    struct aksnet_plan_overrides plan;     /* az-style overrides */
    enum output_format output;             /* -o/--output */
    bool verbose;                          /* --verbose */
    bool help;                             /* -h/--help */
    bool yes;                              /* --yes */
    bool dry_run;                          /* --dry-run */
    const char *arm_endpoint;              /* --arm-endpoint */
    const char *authority_host;            /* --authority-host */
    const char *cacert;                    /* --cacert */
    long request_timeout;                  /* --request-timeout, seconds; 0 when absent */
    /* plan, provision, destroy: how long an operation may run (seconds; 0 when absent) */
    long operation_timeout;                /* --operation-timeout */
    long cluster_timeout;                  /* --cluster-timeout */
    /* aksnet capacity */
    const char *subnet_prefix;             /* --subnet-prefix */
    long max_surge;                        /* --max-surge, -1 when absent */
    long nodes;                            /* --nodes, -1 when absent */
    /* aksnet suggest */
    const char *taken[CLI_MAX_TAKEN];      /* --taken, repeatable */
    size_t taken_count;
    const char *write_file;                /* --write */
    bool from_arm;                         /* --from-arm */
};

/* Which flags a command accepts (a bit set of the groups below). */
enum {
    ARGS_PLAN = 1 << 0,       /* -f and the az-style plan flags */
    ARGS_CONNECT = 1 << 1,    /* --arm-endpoint --authority-host --cacert --verbose */
    ARGS_CAPACITY = 1 << 2,   /* --subnet-prefix --nodes --network-plugin --max-pods --max-surge */
    ARGS_YES = 1 << 3,        /* --yes */
    ARGS_DRY_RUN = 1 << 4,    /* --dry-run */
    ARGS_SUGGEST = 1 << 5,    /* --taken --write --from-arm */
    ARGS_WAIT = 1 << 6,       /* --operation-timeout --cluster-timeout */
    ARGS_FLEET = 1 << 7,      /* --parallel */
    ARGS_PLANS = 1 << 8       /* --plans, and -f more than once: several plans, a fleet */
};

/*
 * Parse argv (the words after the command name) into out, accepting only the
 * flag groups in `accept` plus --output and --help.  On a bad flag, writes
 * one line naming it to err and returns false.
 */
bool cli_args_parse(int argc, char **argv, unsigned accept, struct cli_args *out, FILE *err);

/* Print the flags of the groups in `accept`, for --help. */
void cli_args_usage(unsigned accept, FILE *out);

#endif
