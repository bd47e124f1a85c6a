#include "CEarlySignals.h"
#include <pthread.h>
#include <signal.h>

__attribute__((constructor)) static void gatewayd_block_signals_early(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, 0);
}

void gatewayd_early_signals_linked(void) {}
