#ifndef C_EARLY_SIGNALS_H
#define C_EARLY_SIGNALS_H

// Linking this target blocks SIGTERM, SIGINT and SIGHUP in a constructor, before the Swift
// runtime starts and before any thread exists, so that gatewayd takes them on its signal
// thread from the first moment instead of dying by their default action. The call is only
// there to make the linker keep the object.
void gatewayd_early_signals_linked(void);

#endif
