/*
 * interrupt.c - SIGINT and SIGTERM during a run (interrupt.h).
 *
 * The handler does only what a handler may: an atomic exchange to tell a
 * first signal from a second, then aksnet_cancel_request (an atomic store
 * and a write to the cancel's self-pipe), or, the second time, write(2)
 * and _exit.  Everything else (stopping the engine's threads, the report)
 * happens in the library and the command once the run returns.  A signal
 * handler can reach nothing but globals: these two are the tool's only.
 */
#include "interrupt.h"

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

static struct aksnet_cancel *cancel;   /* set before the handlers are, cleared after they are gone */
static atomic_int signals_seen;

static void on_signal(int sig)
{
    if (atomic_fetch_add(&signals_seen, 1) > 0) {
        static const char msg[] = "\naksnet: interrupted again: quitting at once; operations may still be running "
                                  "on ARM; run the same command again to resume\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)w;
        _exit(128 + sig);
    }
    aksnet_cancel_request(cancel, sig);
}

static void set_action(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = handler == SIG_DFL ? 0 : SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool cli_interrupt_install(void)
{
    struct aksnet_error err;
    if (cancel || aksnet_cancel_new(&cancel, &err) != AKSNET_OK)
        return cancel != NULL;
    atomic_store(&signals_seen, 0);
    set_action(on_signal);
    return true;
}

struct aksnet_cancel *cli_interrupt_cancel(void)
{
    return cancel;
}

int cli_interrupt_exit_code(void)
{
    int sig = aksnet_cancel_reason(cancel);
    return sig > 0 && sig < 64 ? 128 + sig : 128 + SIGINT;
}

const char *cli_interrupt_name(void)
{
    int sig = aksnet_cancel_reason(cancel);
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a cancel";
}

void cli_interrupt_remove(void)
{
    if (!cancel)
        return;
    set_action(SIG_DFL);
    aksnet_cancel_free(cancel);
    cancel = NULL;
}
