import Testing

/// The specification of the XousIPC model, one nested suite per topic (one file each).
///
/// The suites run one test at a time: several tests measure process-wide quantities (the
/// thread count, a thread's CPU time, "still parked after 150 ms") that a test running
/// alongside on this two-core machine would disturb.
@Suite("XousIPC: the Xous IPC model", .serialized)
enum XousIPCSpec {}
