import enum TestHarness.ProcessWide
import Testing
import XousIPC
import SystemSupport

extension XousIPCSpec {
    @Suite("Kernel shutdown joins its threads")
    struct KernelThreadSpec {
        @Test("a kernel's name server thread ends with shutdown()")
        func shutdownJoinsTheNameServer() throws {
        try ProcessWide.isolated {
                guard let start = OSThread.liveThreadCount() else {
                    Issue.record("no /proc/self/status")
                    return
                }
                let kernel = Kernel()
                #expect((OSThread.liveThreadCount() ?? 0) >= start + 1)
                kernel.shutdown()
                kernel.shutdown()
                let settled = eventually { (OSThread.liveThreadCount() ?? .max) <= start }
                #expect(settled, "\(OSThread.liveThreadCount() ?? -1) threads after shutdown, from \(start)")
        }
    }
    }
}
