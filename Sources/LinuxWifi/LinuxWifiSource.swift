#if canImport(Glibc)
import Glibc
#endif
public import Logging
public import NetServer
import XousIPC
import SystemSupport

/// The Wi-Fi state of a Linux host's interface, pushed to the net server as it changes.
///
/// Push, not poll, where Linux pushes: the source listens to rtnetlink (link, IPv4 address and
/// IPv4 route changes) and re-reads the state at once on each notification. Linux does not
/// push signal strength, so while associated it samples the signal every `signalIntervalMs`
/// and pushes only a change of at least `signalThresholdDB`. While not associated it sleeps
/// in `poll` with no time-out: an idle host costs nothing.
///
/// A missing interface, or one that is not wireless, is reported as `unknown` (and logged);
/// when it appears later, the rtnetlink notification of its creation picks it up.
public final class LinuxWifiSource: WifiSource, @unchecked Sendable {
    /// What to watch and how often to sample the signal.
    public struct Options: Sendable, Hashable {
        /// The interface, e.g. `wlan0`.
        public var interface: String
        /// Milliseconds between signal samples while associated.
        public var signalIntervalMs: Int
        /// The smallest signal change, in dB, that is pushed on its own.
        public var signalThresholdDB: Int
        /// The directory that stands for `/` when reading sysfs, procfs and resolv.conf.
        public var root: String

        /// Options for `interface`: a sample every 10 s, pushed on a change of 3 dB or more.
        public init(interface: String, signalIntervalMs: Int = 10_000, signalThresholdDB: Int = 3, root: String = "/") {
            self.interface = interface
            self.signalIntervalMs = signalIntervalMs
            self.signalThresholdDB = signalThresholdDB
            self.root = root
        }
    }

    public let name = "linux"
    /// The options it runs with.
    public let options: Options
    private let logger: Logger
    private let files: SystemFiles
    private let lock = ConditionLock()
    private var thread: OSThread?
    private var stopFDs: (read: Int32, write: Int32) = (-1, -1)
    private var life = WifiSourceLife()

    /// A source for `options`; nothing happens until `start`.
    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        files = SystemFiles(root: options.root)
    }

    deinit { stop() }

    public func start(emit: @escaping @Sendable (WlanStatus) -> Void) throws {
        try lock.withLock { () throws(WifiSourceError) in try life.start(name) }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw NetlinkError("cannot create a pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        // Opened here, so that a host without netlink fails `start` with a clear error.
        let notifications: NetlinkSocket
        let requests: NetlinkSocket
        do {
            notifications = try NetlinkSocket(protocol: Netlink.routeProtocol, groups: Netlink.groupLink | Netlink.groupIPv4Address | Netlink.groupIPv4Route)
            requests = try NetlinkSocket(protocol: Netlink.routeProtocol)
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        lock.withLock { stopFDs = (fds[0], fds[1]) }
        let monitor = Monitor(options: options, files: files, requests: requests, logger: logger)
        do {
            thread = try OSThread(name: "wifi-linux", stackSize: 256 * 1024) { [stopRead = fds[0]] in
                monitor.run(notifications: notifications, stopFD: stopRead, emit: emit)
                monitor.close()
                notifications.close()
                requests.close()
            }
        } catch {
            notifications.close()
            requests.close()
            lock.withLock {
                close(stopFDs.read)
                close(stopFDs.write)
                stopFDs = (-1, -1)
            }
            throw error
        }
    }

    public func stop() {
        let write = lock.withLock { () -> Int32 in
            life.stop()
            return stopFDs.write
        }
        guard write >= 0 else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(write, &byte, 1)
        thread.take()?.join()
        lock.withLock {
            close(stopFDs.read)
            close(stopFDs.write)
            stopFDs = (-1, -1)
        }
    }
}

/// The source's thread: reads the state, waits for pushes, samples the signal.
private final class Monitor: @unchecked Sendable {
    let options: LinuxWifiSource.Options
    let files: SystemFiles
    let requests: NetlinkSocket
    let logger: Logger
    /// nl80211 over generic netlink; nil where there is no Wi-Fi driver (no SSID then).
    var wireless: (socket: NetlinkSocket, family: UInt16)?
    var presence: String?

    init(options: LinuxWifiSource.Options, files: SystemFiles, requests: NetlinkSocket, logger: Logger) {
        self.options = options
        self.files = files
        self.requests = requests
        self.logger = logger
    }

    func run(notifications: NetlinkSocket, stopFD: Int32, emit: @Sendable (WlanStatus) -> Void) {
        var facts = snapshot()
        var last = facts.status
        emit(last)
        var gate = SignalGate(threshold: options.signalThresholdDB, lastPushed: facts.signalDBm)
        while true {
            let sampling = facts.linkState == .connected
            var descriptors = [
                pollfd(fd: notifications.fileDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0),
            ]
            let result = poll(&descriptors, 2, sampling ? Int32(clamping: options.signalIntervalMs) : -1)
            if result < 0 {
                if errno == EINTR { continue }
                logger.error("Linux Wi-Fi source: poll failed: \(String(cString: strerror(errno)))")
                return
            }
            if descriptors[1].revents != 0 { return }
            if descriptors[0].revents != 0 {
                // Drain what is queued, then read the state once: a burst of notifications
                // (an address, its route, the link) becomes one fresh status.
                var relevant = false
                while true {
                    do {
                        let messages = try notifications.receive(timeoutMs: 0)
                        if messages.isEmpty { break }
                        relevant = relevant || messages.contains { isRelevant($0, index: facts.interface?.index) }
                    } catch {
                        // ENOBUFS: notifications were lost; read everything again.
                        relevant = true
                        if !error.isOverrun { logger.debug("Linux Wi-Fi source: \(error)") }
                        break
                    }
                }
                guard relevant else { continue }
                facts = snapshot()
                let status = facts.status
                if status != last {
                    last = status
                    gate.pushed(facts.signalDBm)
                    emit(status)
                }
            } else if sampling {
                guard let signal = signal(facts) else { continue }
                facts.signalDBm = signal
                guard gate.shouldPush(signal) else { continue }
                let status = facts.status
                gate.pushed(signal)
                if status != last {
                    last = status
                    emit(status)
                }
            }
        }
    }

    /// Whether a notification may concern the interface. Another interface's addresses and
    /// routes do not (a host running containers sees many); any link message does while the
    /// interface is missing, because it may be the one appearing under that name.
    private func isRelevant(_ message: NetlinkMessage, index: Int32?) -> Bool {
        guard let decoded = try? RouteMessage.decode(message) else { return false }
        switch decoded {
        case .link(let link): return index == nil || link.index == index || link.name == options.interface
        case .address(let address): return index == nil || address.index == index
        case .route(let route): return index == nil || route.outputIndex == nil || route.outputIndex == index
        default: return false
        }
    }

    func snapshot() -> WifiFacts {
        let name = options.interface
        var facts = WifiFacts(interface: files.interface(name))
        reportPresence(facts)
        guard let interface = facts.interface, let index = interface.index else { return facts }
        if let messages = try? requests.request(NetlinkRequest.dumpAddresses(sequence: requests.nextSequence())) {
            for message in messages {
                if case .address(let address)? = try? RouteMessage.decode(message), address.index == index,
                   address.family == Netlink.familyIPv4, !address.removed, let ip = IPv4Address(octets: address.address) {
                    facts.address = (ip, address.prefixLength)
                    break
                }
            }
        }
        facts.gateway = files.defaultGateway(name)
        facts.nameServers = files.nameServers()
        if interface.isWireless, let (socket, family) = nl80211() {
            if let reply = try? socket.request(NetlinkRequest.nl80211GetInterface(family: family, index: index, sequence: socket.nextSequence())) {
                facts.ssid = reply.lazy.compactMap { try? Nl80211Interface.decode($0) }.first?.ssid
            }
        }
        facts.signalDBm = signal(facts)
        return facts
    }

    private func signal(_ facts: WifiFacts) -> Int? {
        guard let interface = facts.interface, interface.isWireless, let index = interface.index else { return nil }
        if let (socket, family) = nl80211(),
           let reply = try? socket.request(NetlinkRequest.nl80211DumpStations(family: family, index: index, sequence: socket.nextSequence())),
           let signal = reply.lazy.compactMap({ try? Nl80211Station.decode($0) }).compactMap({ $0.signalAverageDBm ?? $0.signalDBm }).first {
            return signal
        }
        return files.wirelessSignal(options.interface)
    }

    private func nl80211() -> (NetlinkSocket, UInt16)? {
        if let wireless { return wireless }
        guard let socket = try? NetlinkSocket(protocol: Netlink.genericProtocol) else { return nil }
        guard let reply = try? socket.request(NetlinkRequest.getFamily(name: "nl80211", sequence: socket.nextSequence())),
              let family = reply.lazy.compactMap({ try? GenericNetlink.familyID(fromReply: $0) }).first else {
            socket.close()
            return nil
        }
        wireless = (socket, family)
        return wireless
    }

    /// Closes the generic netlink socket, if one was opened.
    func close() {
        wireless?.socket.close()
        wireless = nil
    }

    private func reportPresence(_ facts: WifiFacts) {
        let name = options.interface
        let now: String
        let message: String
        if facts.interface == nil {
            now = "absent"
            message = "Wi-Fi interface \(name) not found; reporting link state unknown until it appears"
        } else if facts.interface?.isWireless == false {
            now = "wired"
            message = "Interface \(name) is not a wireless interface; reporting link state unknown"
        } else {
            now = "wireless"
            message = "Watching Wi-Fi interface \(name)"
        }
        guard now != presence else { return }
        presence = now
        if now == "wireless" { logger.info("\(message)") } else { logger.warning("\(message)") }
    }
}

/// Decides whether a sampled signal is worth a push: only a change of at least `threshold` dB
/// from the last value pushed, so that drift of a dB or two does not flood the broker (it
/// still goes out with the next push for any other reason).
struct SignalGate: Sendable, Hashable {
    let threshold: Int
    private(set) var lastPushed: Int?

    init(threshold: Int, lastPushed: Int?) {
        self.threshold = max(1, threshold)
        self.lastPushed = lastPushed
    }

    /// Whether `signal` differs enough from the last pushed value (any signal after none).
    func shouldPush(_ signal: Int) -> Bool {
        guard let lastPushed else { return true }
        return abs(signal - lastPushed) >= threshold
    }

    /// Records what went out.
    mutating func pushed(_ signal: Int?) { lastPushed = signal }
}
