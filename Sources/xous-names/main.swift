#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import XousIPC
import SystemSupport

// `xous-names`: the name server as a hosted-mode process, speaking xous-names' protocol. It
// joins the kernel named by XOUS_SERVER / XOUS_PID / XOUS_PROCESS_KEY (set by `xous-kernel`,
// ours or the real one), serves `xous-name-server` until its connection ends, and exits:
// 0 after SIGTERM or SIGINT, 1 when the kernel went away. Unlike the real xous-names it needs
// no log server.

func complain(_ text: String) {
    let bytes = Array(("xous-names: " + text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

if CommandLine.arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
    print("usage: xous-names   (a process of a Xous hosted-mode kernel: xous-kernel xous-names ...)")
    exit(0)
}
TerminationSignals.block()

let process: XousProcess
do {
    process = try XousProcess.joinHosted(try HostedEnvironment(environment: ProcessEnvironment.current()), name: "xous-names")
} catch {
    complain("\(error)")
    exit(2)
}

let stopping = Atomic<Bool>(false)
try TerminationSignals.onSignal { [process] _ in
    // A Xous process ends by closing its connection; the kernel tears it down.
    stopping.store(true, ordering: .sequentiallyConsistent)
    process.terminate()
}

do {
    try NameServer.serve(on: process)
} catch {
    complain("cannot serve xous-name-server: \(error)")
    exit(1)
}
if !stopping.load(ordering: .sequentiallyConsistent) {
    complain("the connection to the kernel ended")
    exit(1)
}
exit(0)
