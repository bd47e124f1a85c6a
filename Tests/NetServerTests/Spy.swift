import Logging
import NetServer
import Synchronization
import XousIPC
import SystemSupport

/// One message as the net server received it.
struct SpiedMessage: Sendable {
    let kind: MessageKind
    let id: MessageID
    let args: [UInt]
    /// Every byte of the pages of a memory message (not only the used part).
    let pages: [UInt8]
    let offset: Int
}

/// A proxy registered under the net server's name: it records every byte of every message sent
/// to the net server, then forwards it unchanged to the real one (registered under another name).
final class NetServerSpy: @unchecked Sendable {
    static let realName = "real net server"

    private let process: XousProcess
    private let sid: SID
    private let realCID: CID
    private let log = Mutex<[SpiedMessage]>([])
    private var thread: OSThread?

    init(kernel: Kernel) throws {
        process = try kernel.createProcess(name: "spy")
        sid = try process.registerName(serverNameNet)
        realCID = try process.requestConnectionBlocking(NetServerSpy.realName)
        thread = try OSThread(name: "spy") { [self] in run() }
    }

    private func run() {
        while var envelope = try? process.receive(sid) {
            let pages = envelope.withMemory { Array($0) } ?? []
            let scalar = envelope.scalar
            let record = SpiedMessage(
                kind: envelope.kind, id: envelope.id,
                args: scalar.map { [$0.arg1, $0.arg2, $0.arg3, $0.arg4] } ?? [],
                pages: pages, offset: envelope.offset)
            log.withLock { $0.append(record) }
            // A forwarded WatchWifiStats would park the proxy's only thread until the
            // subscription ends; it is answered 0 instead, which a manager takes as "no watch".
            if envelope.id == NetOpcode.watchWifiStats.rawValue {
                envelope.refuse()
                continue
            }
            try? envelope.forward(to: realCID, id: envelope.id)
        }
    }

    var messages: [SpiedMessage] { log.withLock { $0 } }

    /// The one-time SID the net server was given, read from the subscription it received.
    var subscribedSIDs: [SID] {
        messages.filter { $0.kind == .move && $0.id == NetOpcode.subscribeWifiStats.rawValue }
            .compactMap { message in try? WifiStateSubscription.decode(Array(message.pages.prefix(message.offset))).sid }
    }

    func stop() {
        try? process.destroyServer(sid)
        thread.take()?.join()
    }
}

/// A log handler that keeps every line, metadata included, at every level.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    private static let store = Mutex<[String: [String]]>([:])
    private let key: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(key: String) { self.key = key }

    subscript(metadataKey name: String) -> Logger.Metadata.Value? {
        get { metadata[name] }
        set { metadata[name] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let line = "\(event.level) \(event.message) \(all) \(event.source) \(event.file):\(event.line)"
        CapturingLogHandler.store.withLock { $0[key, default: []].append(line) }
    }

    static func lines(_ key: String) -> [String] { store.withLock { $0[key] ?? [] } }

    static func logger(_ key: String) -> Logger {
        Logger(label: key) { _ in CapturingLogHandler(key: key) }
    }
}

/// True if any of `words` appears in `messages`: as a scalar argument (either half of the
/// word), or as four little-endian bytes anywhere in a page.
func containsAnyWord(_ words: [UInt32], in messages: [SpiedMessage]) -> Bool {
    for message in messages {
        for arg in message.args {
            if words.contains(UInt32(truncatingIfNeeded: arg)) || words.contains(UInt32(truncatingIfNeeded: arg >> 32)) {
                return true
            }
        }
        let patterns = words.map { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        if message.pages.count >= 4 {
            for start in 0...(message.pages.count - 4) {
                for pattern in patterns where message.pages[start] == pattern[0]
                    && message.pages[start + 1] == pattern[1] && message.pages[start + 2] == pattern[2]
                    && message.pages[start + 3] == pattern[3] {
                    return true
                }
            }
        }
    }
    return false
}

/// Every printed form a SID word could take in a log line.
func printedForms(of words: [UInt32]) -> [String] {
    words.flatMap { word in
        [String(word), String(word, radix: 16), String(word, radix: 16, uppercase: true), String(Int32(bitPattern: word))]
    }
}
