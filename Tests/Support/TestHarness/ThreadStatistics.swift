/// Voluntary plus involuntary context switches of thread `id` of process `process` (this one by
/// default), from `/proc/<process>/task/<id>/status`: each is a time the thread was woken (or
/// preempted). Nil when the thread is gone.
public func contextSwitches(ofThread id: Int32, process: String = "self") -> Int? {
    let status = readTextFile("/proc/\(process)/task/\(id)/status")
    var total = 0
    var found = 0
    for line in status.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches:") || line.hasPrefix("nonvoluntary_ctxt_switches:") {
        guard let value = Int(line.split(separator: ":")[1].trimmingPrefix(while: { $0 == " " || $0 == "\t" })) else { return nil }
        total += value
        found += 1
    }
    return found == 2 ? total : nil
}
