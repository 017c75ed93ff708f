/*
 * interrupt.h - Ctrl-C and SIGTERM while a command talks to Azure: the
 * first asks the library to stop (aksnet/cancel.h) and the command reports
 * what may still be running on ARM; a second quits at once.
 */
#ifndef AKSNET_CLI_INTERRUPT_H
#define AKSNET_CLI_INTERRUPT_H

#include <stdbool.h>

#include "aksnet/cancel.h"

/*
 * Catch SIGINT and SIGTERM until cli_interrupt_remove: the first requests
 * the cancel that cli_interrupt_cancel returns, with the signal as its
 * reason; a second one (either) writes one line to stderr and _exits
 * 128 + its number.  False when no cancel can be made (the signals then
 * keep their default action).
 */
bool cli_interrupt_install(void);

/* The cancel to give the client (aksnet_client_options.cancel), or NULL when none is installed. */
struct aksnet_cancel *cli_interrupt_cancel(void);

/* The exit code of an interrupted command: 128 + the signal (130 for SIGINT, 143 for SIGTERM). */
int cli_interrupt_exit_code(void);

/* "SIGINT", "SIGTERM", or "a cancel" (no signal). */
const char *cli_interrupt_name(void);

/* Default actions back, the cancel freed (after the client that held it). */
void cli_interrupt_remove(void);

#endif
