#if canImport(Glibc)
import Glibc
#endif
import LinuxWifi
import Testing

/// The bytes of a hex fixture; whitespace (the line breaks of the literals) is ignored.
func fixtureBytes(_ hex: String) -> [UInt8] {
    let digits = hex.unicodeScalars.filter { !$0.properties.isWhitespace }.map { Character($0) }
    precondition(digits.count.isMultiple(of: 2), "a hex fixture has an odd number of digits")
    return stride(from: 0, to: digits.count, by: 2).map { index in
        guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
            preconditionFailure("'\(digits[index])\(digits[index + 1])' in a hex fixture is not hex")
        }
        return byte
    }
}

/// The datagrams of a recorded reply.
func fixtureDatagrams(_ hex: [String]) -> [[UInt8]] { hex.map(fixtureBytes) }

/// Every datagram the fixture files hold, named, for the tests that run over all of them.
let allFixtureDatagrams: [(name: String, bytes: [UInt8])] =
    [("getLinkLo", RecordedReplies.getLinkLo), ("dumpAddresses", RecordedReplies.dumpAddresses),
     ("dumpRoutes", RecordedReplies.dumpRoutes), ("getFamilyNlctrl", RecordedReplies.getFamilyNlctrl),
     ("getFamilyNl80211", RecordedReplies.getFamilyNl80211)]
    .flatMap { name, hex in fixtureDatagrams(hex).enumerated().map { ("\(name)[\($0.offset)]", $0.element) } }
    + [("controllerNl80211", ConstructedReplies.controllerNl80211), ("newInterface", ConstructedReplies.newInterface),
       ("stationDump", ConstructedReplies.stationDump), ("wirelessEventLink", ConstructedReplies.wirelessEventLink)]

/// Runs every decoder this module has over `message`, keeping nothing: for the hostile-input
/// tests, where only "throws or returns, never traps" matters. Returns how many decoded.
@discardableResult
func decodeEverything(_ message: NetlinkMessage) -> Int {
    var decoded = 0
    if (try? RouteMessage.decode(message)) != nil { decoded += 1 }
    if let generic = try? GenericNetlink.decode(message) {
        decoded += 1
        for attribute in generic.attributes { decoded += decodeAttribute(attribute) }
    }
    if (try? GenericNetlink.familyID(fromReply: message)) != nil { decoded += 1 }
    if (try? Nl80211Interface.decode(message)) != nil { decoded += 1 }
    if (try? Nl80211Station.decode(message)) != nil { decoded += 1 }
    if (try? message.kernelError()) != nil { decoded += 1 }
    return decoded
}

/// Every accessor of `attribute`, and its nested attributes' (iteratively, to any depth).
func decodeAttribute(_ attribute: NetlinkAttribute) -> Int {
    var decoded = 0
    var pending = [attribute]
    while let next = pending.popLast() {
        for accessor in [{ _ = try next.u8() }, { _ = try next.i8() }, { _ = try next.u16() }, { _ = try next.u32() },
                         { _ = try next.i32() }, { _ = try next.u64() }, { _ = try next.string() }] as [() throws -> Void] {
            if (try? accessor()) != nil { decoded += 1 }
        }
        if let inner = try? next.nested() { pending += inner }
    }
    return decoded
}

/// Runs `command` with `/bin/sh -c`; its exit status and what it wrote to stdout and stderr.
@discardableResult
func shell(_ command: String) -> (status: Int32, output: String) {
    guard let pipe = popen("\(command) 2>&1", "r") else { return (-1, "popen failed: \(errno)") }
    let output = readAll(pipe)
    let status = pclose(pipe)
    return (status >= 0 && status & 0x7f == 0 ? (status >> 8) & 0xff : -1, String(decoding: output, as: UTF8.self))
}

/// The lines of the text file at `path`; [] when it cannot be read.
func lines(of path: String) -> [String] {
    guard let file = fopen(path, "r") else { return [] }
    defer { fclose(file) }
    return String(decoding: readAll(file), as: UTF8.self).split(separator: "\n").map(String.init)
}

/// Everything left to read from `file`.
private func readAll(_ file: UnsafeMutablePointer<FILE>) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { bytes += chunk[..<count] }
    return bytes
}

/// The first line of the file at `path`, or nil.
func firstLine(of path: String) -> String? { lines(of: path).first }

/// Deletes the interface `name` when it exists (left over from an earlier run that crashed).
func deleteInterface(_ name: String) {
    if access("/sys/class/net/\(name)", F_OK) == 0 { shell("ip link del \(name)") }
}

/// Whether this process can create network interfaces (it needs `ip` and `CAP_NET_ADMIN`), and
/// with which link type: `dummy` where the kernel has the driver, else `ifb`, which this
/// project's container kernel has built in (it has no module directory, so `dummy` is unknown).
enum InterfaceLab {
    /// The link type to create, or why none can be.
    static let linkType: Result<String, Unavailable> = probe()

    /// Why the tests that create interfaces are skipped.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// True when interfaces can be created; otherwise prints why, so that a skipped test says so.
    static func available(_ test: String) -> Bool {
        switch linkType {
        case .success: return true
        case .failure(let reason):
            print("skipping '\(test)': \(reason)")
            return false
        }
    }

    /// Creates the interface `name` of `linkType`, deleting first what a crashed run left.
    static func create(_ name: String) throws {
        let type = try linkType.get()
        deleteInterface(name)
        let created = shell("ip link add \(name) type \(type)")
        guard created.status == 0 else { throw Unavailable(description: "ip link add \(name): \(created.output)") }
    }

    private static func probe() -> Result<String, Unavailable> {
        guard shell("command -v ip").status == 0 else {
            return .failure(Unavailable(description: "`ip` is not installed (apt-get install iproute2)"))
        }
        var failures: [String] = []
        for type in ["dummy", "ifb"] {
            deleteInterface("gwprobe0")
            let result = shell("ip link add gwprobe0 type \(type)")
            if result.status == 0 {
                deleteInterface("gwprobe0")
                return .success(type)
            }
            failures.append("type \(type): \(result.output.split(separator: "\n").first ?? "exit \(result.status)")")
        }
        return .failure(Unavailable(description: "cannot create a network interface (needs CAP_NET_ADMIN): "
                                        + failures.joined(separator: "; ")))
    }
}

extension Trait where Self == ConditionTrait {
    /// Enabled where `InterfaceLab` can create interfaces; a skipped test prints why.
    static func needsInterfaceLab(_ test: String) -> Self {
        .enabled("creating interfaces needs `ip` and CAP_NET_ADMIN") { InterfaceLab.available(test) }
    }
}
