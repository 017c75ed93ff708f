/*
 * main.c - the aksnet tool: find the command, parse its flags, run it.
 */
#include <stdio.h>
#include <string.h>

#include "aksnet/aksnet.h"
#include "args.h"
#include "commands.h"
#include "session.h"

struct command {
    const char *name;
    unsigned accept;  /* flag groups */
    int (*run)(const struct cli_args *args, FILE *out, FILE *err);
    const char *synopsis;
};

/* The version, the commit, and the libraries as they are at run time (what a bug report needs). */
static int cmd_version(const struct cli_args *args, FILE *out, FILE *err)
{
    (void)args;
    (void)err;
    struct aksnet_version_info v;
    aksnet_version_info(&v);
    fprintf(out, "aksnet %s (commit %s)\nlibcurl %s\n%s\ncJSON %s\n", v.version, v.commit, v.curl, v.openssl,
            v.cjson);
    return EXIT_DONE;
}

static const struct command commands[] = {
    {"validate", ARGS_PLAN | ARGS_PLANS, cmd_validate, "check a plan offline against every kubenet rule"},
    {"capacity", ARGS_CAPACITY, cmd_capacity, "nodes and pods a subnet holds (the seed's arithmetic)"},
    {"suggest", ARGS_PLAN | ARGS_SUGGEST | ARGS_CONNECT, cmd_suggest,
     "choose the subnet, pod and service ranges and DNS address a plan leaves out"},
    {"plan", ARGS_PLAN | ARGS_CONNECT | ARGS_DRY_RUN | ARGS_PLANS | ARGS_FLEET, cmd_plan,
     "validate, then read ARM: create / update / no-op per resource"},
    {"provision", ARGS_PLAN | ARGS_CONNECT | ARGS_DRY_RUN | ARGS_WAIT | ARGS_PLANS | ARGS_FLEET, cmd_provision,
     "validate, then create in order (--dry-run: against the built-in mock)"},
    {"destroy", ARGS_PLAN | ARGS_CONNECT | ARGS_YES | ARGS_DRY_RUN | ARGS_WAIT | ARGS_PLANS | ARGS_FLEET,
     cmd_destroy,
     "remove what aksnet created, in reverse order"},
    {"whoami", ARGS_CONNECT | ARGS_DRY_RUN, cmd_whoami, "which credential, tenant and client; can a token be had"},
    {"version", 0, cmd_version, "print the version, the commit and the libraries' versions"},
    {"help", 0, NULL, "help COMMAND: the flags of a command (as COMMAND --help)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: aksnet COMMAND [FLAGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].synopsis);
    fprintf(out, "\n'aksnet COMMAND --help' lists a command's flags.\n");
}

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (commands[i].run && strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static void command_usage(const struct command *c, FILE *out)
{
    fprintf(out, "usage: aksnet %s [FLAGS]\n%s\n\nflags:\n", c->name, c->synopsis);
    cli_args_usage(c->accept, out);
}

/* `aksnet help [COMMAND]`: the same text as `aksnet COMMAND --help`. */
static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return EXIT_DONE;
    }
    const struct command *c = find(argv[2]);
    if (!c) {
        fprintf(stderr, "aksnet help: unknown command '%s'\n", argv[2]);
        usage(stderr);
        return EXIT_USAGE;
    }
    command_usage(c, stdout);
    return EXIT_DONE;
}

/* Every failure ends with one line saying what to do next, by its exit code (README's table). */
static int finish(int code)
{
    const char *next = cli_next_step(code);
    if (next)
        fprintf(stderr, "next: %s\n", next);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_DONE;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(NULL, stdout, stderr);
    if (strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    const struct command *c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "aksnet: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return finish(EXIT_USAGE);
    }
    struct cli_args args;
    if (!cli_args_parse(argc - 2, argv + 2, c->accept, &args, stderr))
        return finish(EXIT_USAGE);
    if (args.help) {
        command_usage(c, stdout);
        return EXIT_DONE;
    }
    if (args.plan_file_count > 1 && !(c->accept & ARGS_PLANS)) {
        fprintf(stderr, "aksnet %s: one plan only: -f was given %zu times\n", c->name, args.plan_file_count);
        return finish(EXIT_USAGE);
    }
    return finish(c->run(&args, stdout, stderr));
}
