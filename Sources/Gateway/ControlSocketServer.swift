#if canImport(Glibc)
import Glibc
#endif
public import GatewayControl
import GatewayJSON
public import Logging
import Synchronization
import XousIPC
import SystemSupport

/// gatewayd's control socket: a Unix stream socket that speaks `ControlProtocol` to
/// `gatewayctl` and anything else local, also while the broker is down.
///
/// One thread polls the listening socket, the clients and the watch feed's pipe. Each request
/// reaches the main server as a message (a MutableBorrow it answers in place), like any other
/// of its inputs. Clients are non-blocking with bounded buffers and a deadline, so a slow or
/// silent client costs a slot and nothing else: it cannot stall the gateway or other clients.
public final class ControlSocketServer: @unchecked Sendable {
    /// At most this many clients at once. When full, the longest idle client that is not
    /// watching makes room; when all are watching, a newcomer is told so and closed.
    public static let maxClients = 16
    /// A client that sends no complete request for this long (and is not watching) is closed.
    public static let idleTimeoutMs: Int64 = 10_000
    /// A client whose unsent output grows past this is closed (a watcher that stopped reading).
    public static let maxPendingOutput = 256 * 1024

    /// The socket's path.
    public let path: String
    private let gateway: GatewayServer
    private let logger: Logger
    private let listenFD: Int32
    /// The socket file's identity, so that stop removes ours and not a successor's.
    private let identity: (device: UInt64, inode: UInt64)
    private let stopping = Atomic<Bool>(false)
    private var thread: OSThread?

    /// Creates the socket at `path` (mode `mode`, default 0660) and starts serving it.
    ///
    /// A missing parent directory is created (mode 0750). A socket file left by a process that
    /// died is replaced; a live one is refused, so two gateways never share a socket.
    /// - Throws: `ControlSocketError` saying what is wrong with `path` and what to do.
    public init(path: String, gateway: GatewayServer, logger: Logger, mode: UInt32 = 0o660) throws(ControlSocketError) {
        self.path = path
        self.gateway = gateway
        self.logger = logger
        try Self.prepareDirectory(of: path)
        try Self.clearStale(path, logger: logger)
        let fd = try UnixSocket.makeSocket()
        do throws(ControlSocketError) {
            try UnixSocket.bind(fd, path)
            // Before listen: until then a connect is refused, so nobody gets in under the
            // umask's wider mode.
            guard chmod(path, mode_t(mode)) == 0 else { throw ControlSocketError.system("cannot set the mode of '\(path)'") }
            guard listen(fd, 16) == 0 else { throw ControlSocketError.system("cannot listen on '\(path)'") }
            guard let info = UnixSocket.fileInfo(path) else { throw ControlSocketError.system("'\(path)' vanished") }
            identity = (info.device, info.inode)
        } catch {
            close(fd)
            throw error
        }
        UnixSocket.setNonBlocking(fd)
        listenFD = fd
        do {
            thread = try OSThread(name: "gw-control", stackSize: 256 * 1024) { [self] in serve() }
        } catch {
            close(fd)
            unlink(path)
            throw ControlSocketError("cannot start the control socket thread: \(error)")
        }
        logger.info("Control socket listening", metadata: ["path": "\(path)"])
    }

    /// Says goodbye to watchers, closes every client, removes the socket file and ends the thread.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        gateway.watchFeed.poke()
        thread.take()?.join()
        close(listenFD)
        removeSocketFile()
    }

    /// Removes the socket file if it is still the one this server created (not a successor's).
    /// `stop` does it; call it alone only on the way to a forced exit.
    public func removeSocketFile() {
        if let info = UnixSocket.fileInfo(path), info.device == identity.device, info.inode == identity.inode {
            unlink(path)
        }
    }

    deinit { stop() }

    // MARK: Setting up

    private static func prepareDirectory(of path: String) throws(ControlSocketError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        if UnixSocket.fileInfo(directory, follow: true) == nil {
            guard errno == ENOENT else { throw .system("cannot use the directory '\(directory)'") }
            guard mkdir(directory, 0o750) == 0 || errno == EEXIST else {
                throw .system("cannot create the control socket directory '\(directory)'")
            }
        }
        guard let info = UnixSocket.fileInfo(directory, follow: true) else {
            throw .system("cannot use the directory '\(directory)'")
        }
        guard info.isDirectory else {
            throw ControlSocketError("'\(directory)' is not a directory; choose another --control-socket")
        }
        // Someone else's directory (a planted /tmp/gatewayd-<uid>, say) could swap the socket.
        guard info.owner == UInt32(getuid()) || info.owner == 0 else {
            throw ControlSocketError(
                "'\(directory)' belongs to uid \(info.owner), not to this user; choose another --control-socket")
        }
    }

    private static func clearStale(_ path: String, logger: Logger) throws(ControlSocketError) {
        guard let info = UnixSocket.fileInfo(path) else { return }
        guard info.isSocket else {
            throw ControlSocketError("'\(path)' exists and is not a socket; remove it or choose another --control-socket")
        }
        do throws(ControlSocketError) {
            let fd = try UnixSocket.connect(path)
            close(fd)
            throw ControlSocketError(
                "another gatewayd is already serving the control socket '\(path)'; stop it first or choose another --control-socket",
                code: EADDRINUSE)
        } catch where error.code == ECONNREFUSED {
            // Nobody listens: the file is left over from a process that did not exit cleanly.
            guard unlink(path) == 0 else { throw .system("cannot remove the stale control socket '\(path)'") }
            logger.notice("Replaced a stale control socket left by an earlier run", metadata: ["path": "\(path)"])
        }
    }

    // MARK: Serving

    private final class Client {
        /// -1 once closed.
        var fd: Int32
        var input: [UInt8] = []
        var output: [UInt8] = []
        var sent = 0
        var watching = false
        var cursor = 0
        var lastSeq = 0
        var deadline: Int64?
        /// Close once the output is flushed.
        var closing = false

        init(fd: Int32, deadline: Int64) {
            self.fd = fd
            self.deadline = deadline
        }

        var hasOutput: Bool { sent < output.count }


        func queue(_ line: [UInt8]) {
            if sent > 0, sent == output.count {
                output.removeAll(keepingCapacity: true)
                sent = 0
            } else if sent >= 64 * 1024, sent * 2 >= output.count {
                // A watcher that keeps up but never quite catches up would otherwise keep
                // every event ever sent to it: drop the sent prefix once it is half the buffer.
                output.removeFirst(sent)
                sent = 0
            }
            output.append(contentsOf: line)
        }
    }

    private var clients: [Client] = []

    private func serve() {
        let feed = gateway.watchFeed
        var descriptors: [pollfd] = []
        while !stopping.load(ordering: .acquiring) {
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0))
            descriptors.append(pollfd(fd: feed.readFD, events: Int16(POLLIN), revents: 0))
            for client in clients {
                var events = Int16(POLLIN)
                if client.hasOutput { events |= Int16(POLLOUT) }
                descriptors.append(pollfd(fd: client.fd, events: events, revents: 0))
            }
            let result = poll(&descriptors, nfds_t(descriptors.count), pollTimeout())
            if result < 0 {
                if errno == EINTR { continue }
                logger.error("Control socket poll failed: \(String(cString: strerror(errno)))")
                break
            }
            if stopping.load(ordering: .acquiring) { break }
            if descriptors[1].revents != 0 {
                feed.acknowledge()
                deliverEvents()
            }
            // Clients first, by the snapshot the poll saw; accepting may append more.
            let polled = clients
            for (index, client) in polled.enumerated() {
                let revents = Int32(descriptors[index + 2].revents)
                if revents & Int32(POLLIN | POLLHUP | POLLERR) != 0 { read(client) }
                if revents & Int32(POLLOUT) != 0 { flush(client) }
            }
            if descriptors[0].revents != 0 { acceptClients() }
            expireIdleClients()
            clients.removeAll { client in
                let done = (client.closing && !client.hasOutput) || client.fd < 0
                if done { drop(client) }
                return done
            }
        }
        for client in clients {
            if client.watching { client.queue(SocketEvent("shutdown").line()) }
            flush(client)
            drop(client)
        }
        clients.removeAll()
    }

    private func pollTimeout() -> Int32 {
        // No deadline, no wake-up: an idle gateway's control thread sleeps until something happens.
        guard let next = clients.compactMap(\.deadline).min() else { return -1 }
        return Int32(clamping: max(0, next - LineReader.nowMs()))
    }

    private func acceptClients() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return  // EAGAIN: none left; anything else: the next poll tries again
            }
            UnixSocket.setCloseOnExec(fd)
            UnixSocket.setNonBlocking(fd)
            if clients.count >= Self.maxClients, let idle = clients.filter({ !$0.watching && !$0.closing && $0.deadline != nil })
                .min(by: { $0.deadline! < $1.deadline! }) {
                // Full: make room by closing the client that has been quiet longest, so a
                // handful of silent connections cannot lock operators out until they time out.
                idle.queue(Self.errorLine("too many control clients; closing the longest idle one"))
                idle.closing = true
                flush(idle)
                drop(idle)
                clients.removeAll { $0 === idle }
            }
            guard clients.count < Self.maxClients else {
                let line = Self.errorLine("too many control clients (at most \(Self.maxClients)); try again later")
                _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                logger.info("Control socket refused a client: \(Self.maxClients) already connected")
                continue
            }
            let client = Client(fd: fd, deadline: LineReader.nowMs() + Self.idleTimeoutMs)
            client.queue(SocketHello(gatewaydVersion: gateway.configuration.version).line)
            clients.append(client)
            flush(client)
        }
    }

    private func read(_ client: Client) {
        guard client.fd >= 0, !client.closing else { return }
        var chunk = [UInt8](repeating: 0, count: 8192)
        // Bounded per wake-up, so one chatty client cannot monopolise the thread.
        for _ in 0..<4 {
            let count = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { client.closing = true; client.output.removeAll(); client.sent = 0 }
                break
            }
            if count == 0 {
                // The client is done sending; answer what it asked, then close.
                handleLines(client, atEnd: true)
                client.closing = true
                return
            }
            client.input.append(contentsOf: chunk[..<count])
            handleLines(client, atEnd: false)
            if client.closing || count < chunk.count { break }
        }
    }

    private func handleLines(_ client: Client, atEnd: Bool) {
        while !client.closing, let newline = client.input.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(client.input[..<newline])
            client.input.removeSubrange(...newline)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            handle(line, from: client)
        }
        if client.closing { return }
        if client.input.count > ControlProtocol.maxRequestBytes {
            // No newline in sight: there is no way to find the next request, so say why and close.
            reject(client, Self.errorLine("request longer than \(ControlProtocol.maxRequestBytes) bytes without a newline; closing"))
            client.input.removeAll()
            client.closing = true
        } else if atEnd, !client.input.isEmpty {
            let line = client.input
            client.input.removeAll()
            handle(line, from: client)
        }
    }

    private func handle(_ line: [UInt8], from client: Client) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        client.deadline = client.watching ? nil : LineReader.nowMs() + Self.idleTimeoutMs
        let request: ControlRequest
        do {
            request = try ControlRequest.parse(line, on: .socket)
        } catch {
            reject(client, ControlProtocol.line(error.response(on: .socket)))
            return
        }
        switch request.command {
        case .status, .subscribe, .unsubscribe:
            client.queue(call(request.command).response(request))
        case .watch:
            watch(client, request)
        }
        flush(client)
    }

    private func watch(_ client: Client, _ request: ControlRequest) {
        let feed = gateway.watchFeed
        // Register before asking for the current status, so nothing falls between the two;
        // events the status already covers are skipped by their seq.
        if !client.watching {
            feed.addWatcher()
            client.cursor = feed.position
        }
        switch call(.status) {
        case .ok(let data):
            // The status's Wi-Fi member goes out as the main server wrote it; only its seq is read.
            let wlan = (try? JSONText(validating: data))?[raw: "wlan"] ?? Array("null".utf8)[...]
            let seq = (try? DocumentCoding.decode(WlanStateDocument?.self, from: wlan))??.seq
            client.lastSeq = max(client.lastSeq, seq ?? 0)
            client.watching = true
            client.deadline = nil
            let answer = JSONWriter.object { $0.member("wlan", raw: wlan) }
            client.queue(ControlProtocol.line(ControlResponse.ok(.watch, data: answer, echo: request.echo, on: .socket)))
        case .error(let message):
            if !client.watching { feed.removeWatcher() }
            client.queue(SocketOutcome.error(message).response(request))
        }
    }

    private func deliverEvents() {
        let feed = gateway.watchFeed
        for client in clients where client.watching && !client.closing {
            let (events, missed, next) = feed.events(from: client.cursor)
            client.cursor = next
            if missed > 0 { client.queue(SocketEvent("lagged", missed: missed).line()) }
            for event in events where event.seq > client.lastSeq {
                client.queue(event.line)
                client.lastSeq = event.seq
            }
            flush(client)
        }
    }

    /// An error line that answers no request in particular.
    private static func errorLine(_ message: String) -> [UInt8] {
        ControlProtocol.line(ControlResponse.error(command: nil, message: message, echo: nil, on: .socket))
    }

    private func reject(_ client: Client, _ response: [UInt8]) {
        client.queue(response)
        // Counted by the main server with the other control errors.
        _ = try? gateway.process.send(gateway.cid, .scalar(ScalarMessage(id: GatewayOpcode.controlSocketRejected.rawValue)))
    }

    private func flush(_ client: Client) {
        guard client.fd >= 0 else { return }
        while client.hasOutput {
            let count = client.output.withUnsafeBytes { raw in
                send(client.fd, raw.baseAddress! + client.sent, raw.count - client.sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                // The client is gone: nothing more to say to it.
                client.output.removeAll()
                client.sent = 0
                client.closing = true
                return
            }
            client.sent += count
        }
        if !client.hasOutput {
            client.output.removeAll(keepingCapacity: true)
            client.sent = 0
        } else if client.output.count - client.sent > Self.maxPendingOutput {
            logger.info("Control socket closed a client that stopped reading")
            client.output.removeAll()
            client.sent = 0
            client.closing = true
        }
    }

    private func expireIdleClients() {
        let now = LineReader.nowMs()
        for client in clients where !client.closing {
            guard let deadline = client.deadline, deadline <= now else { continue }
            client.deadline = nil
            client.queue(Self.errorLine("no complete request within \(Self.idleTimeoutMs / 1000) s; closing (end each request with a newline)"))
            client.closing = true
            flush(client)
        }
    }

    private func drop(_ client: Client) {
        guard client.fd >= 0 else { return }
        if client.watching {
            gateway.watchFeed.removeWatcher()
            client.watching = false
        }
        close(client.fd)
        client.fd = -1
    }

    // MARK: The main server

    /// Asks the main server and waits for its answer.
    private func call(_ command: ControlCommand) -> SocketOutcome {
        var buffer = Buffer(byteCount: ControlSocketReply.bufferBytes)
        do {
            try buffer.replace(encoding: ControlSocketCall(command))
        } catch {
            return .error("internal error: \(error)")
        }
        do {
            try gateway.process.lendMutable(gateway.cid, id: GatewayOpcode.controlSocketRequest.rawValue, &buffer)
        } catch {
            return .error("gatewayd is shutting down")
        }
        guard let reply = try? buffer.decode(ControlSocketReply.self) else {
            return .error("gatewayd is shutting down")
        }
        if reply.ok { return .ok(reply.body) }
        return .error(String(decoding: reply.body, as: UTF8.self))
    }
}

/// The main server's answer: the text of its `data`, or why not.
private enum SocketOutcome {
    case ok([UInt8])
    case error(String)

    func response(_ request: ControlRequest) -> [UInt8] {
        switch self {
        case .ok(let data): ControlProtocol.line(ControlResponse.ok(request.command, data: data, echo: request.echo, on: .socket))
        case .error(let message):
            ControlProtocol.line(ControlResponse.error(command: request.command.rawValue, message: message, echo: request.echo, on: .socket))
        }
    }
}
