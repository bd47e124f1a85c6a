import SystemSupport
/// The name server (Xous's `xous-names`): maps names to SIDs and connects callers to the
/// servers behind them without ever telling them the SID.
///
/// It speaks xous-names' protocol byte for byte (see `NamesAPI.swift`): rkyv archives for
/// Register, Lookup and Disconnect, raw pages for BlockingConnect and TryConnect, scalars for
/// Unregister and TrustedInitDone. Register draws a SID and a disconnect token and answers the
/// SID; the registrant then creates its server with it, as `register_name` does. Connection
/// limits admit the first `n` brokered connections (requests, not processes: trust on first
/// use); a token Disconnect resets the count and draws a new token.
///
/// Where xous-names panics, parks a caller forever or stalls, this one does the robust thing
/// and says so below:
/// - a request of the wrong kind, an undecodable archive, a name over 63 bytes or an unknown
///   opcode is refused or answered `Failure` / an error code (xous-names panics or leaves its
///   loop, and in hosted mode its exit takes the kernel down);
/// - no deliberate delays (xous-names sleeps after a failed Register or Lookup to slow probing;
///   in a single-threaded server that delay stalls every other client too);
/// - a connection to a registered name whose server does not exist yet is waited for at most
///   `registrationGrace` (xous-names retries ConnectForProcess with no limit, stalling every
///   lookup behind a registrant that never creates its server);
/// - a name whose server has gone (its process ended) is stale: a new Register of it succeeds,
///   and a BlockingConnect for it waits for that (xous-names keeps the dead entry forever, so
///   a restarted server can never register its name again);
/// - a BlockingConnect for a name whose connection limit is used up is answered
///   `ServerNotFound` at once (xous-names parks it until the same name registers again, which
///   it never can), and at most `maxParkedPerProcess` (and `maxParked` in all) wait at a time,
///   since each holds one of the name server's 64 queue slots.
public final class NameServer: @unchecked Sendable {
    /// How long a connection waits for a just-registered name's server to be created.
    static let registrationGrace: UInt64 = 1_000
    /// Parked BlockingConnects at most, per requesting process and in all.
    static let maxParkedPerProcess = 8
    static let maxParked = 48

    private let process: XousProcess
    private let selfCID: CID
    private var thread: OSThread?

    private struct Entry {
        let sid: SID
        let limit: UInt32?
        var connections: UInt32 = 0
        var token = DisconnectToken.random()
        /// Its server was seen to exist (a connection was made to it).
        var established = false
        let registeredAt = MonotonicInstant.now

        init(sid: SID, limit: UInt32?) {
            self.sid = sid
            self.limit = limit
        }
    }

    /// A BlockingConnect waiting for its name; the envelope is the deferred answer.
    private final class Parked {
        var envelope: MessageEnvelope?
        let name: String
        let requester: PID
        init(_ envelope: consuming MessageEnvelope, name: String) {
            requester = envelope.sender.pid
            self.envelope = .some(envelope)
            self.name = name
        }
    }

    /// Why a connection could not be granted.
    private enum Refusal: Error {
        /// No such name, or no server behind it.
        case unavailable
        /// The name's connection limit is used up.
        case limitReached
        /// The kernel refused (the requester is gone or its table is full).
        case kernel
    }

    // Touched only by the server thread.
    private var entries: [String: Entry] = [:]
    private var parked: [Parked] = []

    private init(process: XousProcess, selfCID: CID) {
        self.process = process
        self.selfCID = selfCID
    }

    static func boot(in kernel: Kernel) throws(XousError) -> NameServer {
        let process = try kernel.createProcess(name: "xous-names")
        _ = try process.createServer(sid: nameServerSID)
        let server = NameServer(process: process, selfCID: try process.tryConnect(nameServerSID))
        server.thread = try OSThread(xous: "xous-names") { [server] in server.run() }
        return server
    }

    /// Serves the name server's protocol as `process` (a hosted-mode process, where the name
    /// server is a process of its own) on the calling thread, until the process's connection to
    /// its kernel ends.
    /// - Throws: `ServerExists` if another process already serves `xous-name-server`.
    public static func serve(on process: XousProcess) throws(XousError) {
        _ = try process.createServer(sid: nameServerSID)
        NameServer(process: process, selfCID: try process.tryConnect(nameServerSID)).run()
    }

    func stop() {
        _ = try? process.send(selfCID, .scalar(ScalarMessage(id: NameServerOpcode.quit.rawValue)))
        thread.take()?.join()
    }

    private func run() {
        while true {
            guard var envelope = try? process.receive(nameServerSID) else { return }
            switch NameServerOpcode(rawValue: envelope.id) {
            case .register:
                register(envelope)
            case .lookup:
                lookup(&envelope)
            case .authenticatedLookup where envelope.kind == .mutableBorrow:
                // xous-names panics (`unimplemented!`).
                answer(&envelope, .failure)
            case .unregister:
                unregister(envelope)
            case .disconnect:
                disconnect(&envelope)
            case .trustedInitDone:
                trustedInitDone(envelope)
            case .blockingConnect:
                connect(envelope, parkIfUnavailable: true)
            case .tryConnect:
                connect(envelope, parkIfUnavailable: false)
            case .quit where envelope.sender.pid == process.pid:
                shutDown()
                return
            case .authenticatedLookup, .quit, nil:
                // An unknown opcode makes xous-names leave its loop and terminate, taking its
                // name table with it.
                envelope.refuse()
            }
        }
    }

    // MARK: Opcodes

    private func register(_ envelope: consuming MessageEnvelope) {
        guard envelope.kind == .mutableBorrow else {
            envelope.refuse()
            return
        }
        guard let request = try? envelope.decode(NameRegistration.self) else {
            answer(&envelope, .failure)
            return
        }
        if let existing = entries[request.name], !isStale(existing) {
            answer(&envelope, .failure)
            return
        }
        let entry = Entry(sid: SID.random(), limit: request.connectionLimit)
        entries[request.name] = entry
        answer(&envelope, .sid(entry.sid))
        // The registrant gets its answer now and creates the server; the waiters are served
        // once it exists.
        _ = consume envelope
        let waiting = parked.filter { $0.name == request.name }
        parked.removeAll { $0.name == request.name }
        for request in waiting {
            guard let envelope = request.envelope.take() else { continue }
            answerConnect(envelope, name: request.name, parkIfUnavailable: false)
        }
    }

    private func lookup(_ envelope: inout MessageEnvelope) {
        guard envelope.kind == .mutableBorrow else {
            envelope.refuse()
            return
        }
        guard let name = (try? envelope.decode(NameLookup.self))?.name else {
            answer(&envelope, .failure)
            return
        }
        switch grant(name, to: envelope.sender.pid) {
        case .success(let granted):
            answer(&envelope, .cid(granted.cid, granted.token))
        case .failure(.unavailable), .failure(.limitReached):
            answer(&envelope, .authenticateRequest(NameAuthenticateRequest(name: name, challenge: .random())))
        case .failure(.kernel):
            answer(&envelope, .failure)
        }
    }

    private func disconnect(_ envelope: inout MessageEnvelope) {
        guard envelope.kind == .mutableBorrow else {
            envelope.refuse()
            return
        }
        guard let request = try? envelope.decode(NameDisconnect.self),
              var entry = entries[request.name], entry.token == request.token
        else {
            answer(&envelope, .failure)
            return
        }
        entry.connections = 0
        entry.token = .random()
        entries[request.name] = entry
        answer(&envelope, .success)
    }

    private func unregister(_ envelope: borrowing MessageEnvelope) {
        guard envelope.kind == .blockingScalar, let scalar = envelope.scalar else {
            // xous-names' msg_blocking_scalar_unpack! skips other kinds.
            envelope.refuse()
            return
        }
        let sid = scalar.sidArgument
        // As in xous-names, holding the SID is the permission: it is a 128-bit secret.
        if let name = entries.first(where: { $0.value.sid == sid })?.key {
            entries[name] = nil
            try? process.returnScalar(envelope.sender, 1)
        } else {
            try? process.returnScalar(envelope.sender, 0)
        }
    }

    private func trustedInitDone(_ envelope: borrowing MessageEnvelope) {
        guard envelope.kind == .blockingScalar else {
            // xous-names answers any kind and panics on the DoubleFree of a non-blocking one.
            envelope.refuse()
            return
        }
        let done = entries.values.allSatisfy { entry in entry.limit.map { $0 == entry.connections } ?? true }
        try? process.returnScalar(envelope.sender, done ? 1 : 0)
    }

    private func connect(_ envelope: consuming MessageEnvelope, parkIfUnavailable: Bool) {
        switch envelope.kind {
        case .mutableBorrow:
            break
        case .blockingScalar:
            try? process.returnScalar(envelope.sender, 0)
            return
        case .borrow:
            // Read-only: the answer cannot be written (xous-names panics).
            return
        case .scalar, .move:
            return  // ignored, as xous-names does
        }
        let valid = envelope.valid
        switch envelope.withMemory({ page in ConnectPage.readName(in: page, valid: valid) }) {
        case .success(let name):
            answerConnect(envelope, name: name, parkIfUnavailable: parkIfUnavailable)
        case .failure(let error):
            write(envelope, .failure(error))
        case nil:
            write(envelope, .failure(.invalidMessageType))
        }
    }

    // MARK: Connections

    private func answerConnect(_ envelope: consuming MessageEnvelope, name: String, parkIfUnavailable: Bool) {
        switch grant(name, to: envelope.sender.pid) {
        case .success(let granted):
            write(envelope, .success(granted))
        case .failure(.unavailable) where parkIfUnavailable:
            let requester = envelope.sender.pid
            guard parked.count < Self.maxParked,
                  parked.count(where: { $0.requester == requester }) < Self.maxParkedPerProcess
            else {
                write(envelope, .failure(.serverNotFound))
                return
            }
            parked.append(Parked(envelope, name: name))
        case .failure(.unavailable), .failure(.limitReached):
            write(envelope, .failure(.serverNotFound))
        case .failure(.kernel):
            write(envelope, .failure(.kernelConnectFailure))
        }
    }

    /// Connects `pid` to the server registered as `name`, counting the connection.
    private func grant(_ name: String, to pid: PID) -> Result<(cid: CID, token: DisconnectToken?), Refusal> {
        guard var entry = entries[name] else { return .failure(.unavailable) }
        if let limit = entry.limit, entry.connections >= limit { return .failure(.limitReached) }
        // A registrant creates its server right after its answer: give it a moment, but no
        // more, so one that never does cannot stall the name server.
        let deadline = entry.established ? nil : entry.registeredAt.adding(milliseconds: Self.registrationGrace)
        let cid: CID
        do throws(XousError) {
            cid = try process.connect(forProcess: pid, to: entry.sid, waitUntil: deadline)
        } catch .serverNotFound {
            return .failure(.unavailable)
        } catch {
            return .failure(.kernel)
        }
        entry.connections += 1
        entry.established = true
        entries[name] = entry
        return .success((cid, entry.token))
    }

    /// True when `entry`'s server is gone for good: it was there once, or its registrant had
    /// its grace period to create it, and it does not exist now.
    private func isStale(_ entry: Entry) -> Bool {
        do throws(XousError) {
            let probe = try process.tryConnect(entry.sid)
            if probe != selfCID { try? process.disconnect(probe) }
            return false
        } catch .serverNotFound {
            let graceOver = MonotonicInstant.now.nanoseconds(since: entry.registeredAt) > Self.registrationGrace * 1_000_000
            return entry.established || graceOver
        } catch {
            return false  // cannot tell (the name server's own table is full): keep the name
        }
    }

    // MARK: Answers

    private func answer(_ envelope: inout MessageEnvelope, _ reply: NameServerReturn) {
        _ = try? envelope.reply(encoding: reply)
    }

    /// Writes a BlockingConnect or TryConnect answer into the page and returns it (offset and
    /// valid 0, as xous-names sets them to None).
    private func write(
        _ envelope: consuming MessageEnvelope, _ reply: Result<(cid: CID, token: DisconnectToken?), ConnectError>
    ) {
        _ = envelope.withMutableMemory { page, offset, valid in
            ConnectPage.writeReply(reply, into: page)
            offset = 0
            valid = 0
        }
    }

    private func shutDown() {
        for request in parked {
            guard let envelope = request.envelope.take() else { continue }
            write(envelope, .failure(.serverNotFound))
        }
        parked.removeAll()
        try? process.destroyServer(nameServerSID)
    }
}
