/*
 * main.c - the aksnet tool: find the command, parse its flags, run it.
 */
#include <stdio.h>
#include <string.h>

#include "aksnet/aksnet.h"
#include "args.h"
#include "commands.h"

struct command {
    const char *name;
    unsigned accept;  /* flag groups */
    int (*run)(const struct cli_args *args, FILE *out, FILE *err);
    const char *synopsis;
};

static int cmd_version(const struct cli_args *args, FILE *out, FILE *err)
{
    (void)args;
    (void)err;
    fprintf(out, "aksnet %s\n", AKSNET_VERSION);
    return EXIT_DONE;
}

static const struct command commands[] = {
    {"validate", ARGS_PLAN, cmd_validate, "check a plan offline against every kubenet rule"},
    {"capacity", ARGS_CAPACITY, cmd_capacity, "nodes and pods a subnet holds (the seed's arithmetic)"},
    {"plan", ARGS_PLAN | ARGS_CONNECT | ARGS_DRY_RUN, cmd_plan,
     "validate, then read ARM: create / update / no-op per resource"},
    {"provision", ARGS_PLAN | ARGS_CONNECT | ARGS_DRY_RUN, cmd_provision,
     "validate, then create in order (--dry-run: against the built-in mock)"},
    {"destroy", ARGS_PLAN | ARGS_CONNECT | ARGS_YES | ARGS_DRY_RUN, cmd_destroy,
     "remove what aksnet created, in reverse order"},
    {"whoami", ARGS_CONNECT | ARGS_DRY_RUN, cmd_whoami, "which credential, tenant and client; can a token be had"},
    {"version", 0, cmd_version, "print the version"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: aksnet COMMAND [FLAGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].synopsis);
    fprintf(out, "\n'aksnet COMMAND --help' lists a command's flags.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_DONE;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(NULL, stdout, stderr);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *c = &commands[i];
        if (strcmp(argv[1], c->name) != 0)
            continue;
        struct cli_args args;
        if (!cli_args_parse(argc - 2, argv + 2, c->accept, &args, stderr))
            return EXIT_USAGE;
        if (args.help) {
            fprintf(stdout, "usage: aksnet %s [FLAGS]\n%s\n\nflags:\n", c->name, c->synopsis);
            cli_args_usage(c->accept, stdout);
            return EXIT_DONE;
        }
        return c->run(&args, stdout, stderr);
    }
    fprintf(stderr, "aksnet: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
