/// The name server (Xous's `xous-names`): maps names to servers and connects callers to them
/// without ever telling them the SID.
///
/// It is an ordinary server of the model, in a process of its own, reached through the
/// well-known `nameServerSID`; clients use the `XousProcess` calls in `XousNames.swift`.
final class NameServer: @unchecked Sendable {
    private let process: XousProcess
    private let selfCID: CID
    private var thread: XousThread?

    private struct Entry {
        let sid: SID
        let owner: PID
        let maxConnections: UInt32?
        var requests: UInt32 = 0
    }

    /// A blocking connect waiting for its name; the envelope is the deferred answer.
    private final class Parked {
        var envelope: MessageEnvelope?
        let name: String
        init(_ envelope: consuming MessageEnvelope, name: String) {
            self.envelope = .some(envelope)
            self.name = name
        }
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
        server.thread = try XousThread(name: "xous-names") { [server] in server.run() }
        return server
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
                register(&envelope)
            case .lookup, .tryConnect:
                if let name = connectRequestName(&envelope) { answerConnect(&envelope, name: name) }
            case .blockingConnect:
                guard let name = connectRequestName(&envelope) else { break }
                if entries[name] == nil {
                    parked.append(Parked(envelope, name: name))
                    continue
                }
                answerConnect(&envelope, name: name)
            case .unregister:
                unregister(envelope)
            case .disconnect:
                answerScalar(envelope, 0)
            case .trustedInitDone:
                let done = entries.values.allSatisfy { entry in
                    entry.maxConnections.map { entry.requests >= $0 } ?? true
                }
                answerScalar(envelope, done ? 1 : 0)
            case .quit where envelope.sender.pid == process.pid:
                shutDown()
                return
            case .authenticatedLookup, .quit, nil:
                envelope.refuse()
                _ = try? envelope.reply(encoding: ConnectReply(.failure(ConnectErrorBox(code: .invalidMessageType))))
            }
        }
    }

    private func register(_ envelope: inout MessageEnvelope) {
        guard envelope.kind == .mutableBorrow, let request = try? envelope.decode(NameRegistration.self) else {
            _ = try? envelope.reply(encoding: NameRegistrationReply(sid: nil))
            return
        }
        let name = request.name.name
        // A taken name fails, as in Xous (which also adds a delay to slow down name probing).
        guard entries[name] == nil,
              let sid = try? process.kernel.createServer(owner: envelope.sender.pid, sid: nil).0
        else {
            _ = try? envelope.reply(encoding: NameRegistrationReply(sid: nil))
            return
        }
        // Xous hands the SID back and the client then calls create_server_with_sid; creating the
        // server here, owned by the registrant, closes the window in which a parked connect
        // could find the name but not the server.
        entries[name] = Entry(sid: sid, owner: envelope.sender.pid, maxConnections: request.connectionLimit)
        _ = try? envelope.reply(encoding: NameRegistrationReply(sid: sid))
        let waiting = parked.filter { $0.name == name }
        parked.removeAll { $0.name == name }
        for request in waiting {
            guard var parkedEnvelope = request.envelope.take() else { continue }
            answerConnect(&parkedEnvelope, name: name)
        }
    }

    private func connectRequestName(_ envelope: inout MessageEnvelope) -> String? {
        guard envelope.kind == .mutableBorrow else {
            envelope.refuse()
            return nil
        }
        guard let request = try? envelope.decode(ConnectRequest.self) else {
            _ = try? envelope.reply(encoding: ConnectReply(.failure(ConnectErrorBox(code: .invalidString))))
            return nil
        }
        return request.name
    }

    private func answerConnect(_ envelope: inout MessageEnvelope, name: String) {
        let reply: ConnectReply
        if var entry = entries[name] {
            entry.requests += 1
            entries[name] = entry
            // Limits count requests, not processes: trust on first use, as in Xous.
            if let limit = entry.maxConnections, entry.requests > limit {
                reply = ConnectReply(.failure(ConnectErrorBox(code: .kernelConnectFailure)))
            } else if let cid = try? process.kernel.connect(forProcess: envelope.sender.pid, to: entry.sid) {
                reply = ConnectReply(.success(cid))
            } else {
                reply = ConnectReply(.failure(ConnectErrorBox(code: .kernelConnectFailure)))
            }
        } else {
            reply = ConnectReply(.failure(ConnectErrorBox(code: .serverNotFound)))
        }
        _ = try? envelope.reply(encoding: reply)
    }

    private func unregister(_ envelope: borrowing MessageEnvelope) {
        guard let scalar = envelope.scalar, envelope.kind == .blockingScalar else { return }
        let words = [scalar.arg1, scalar.arg2, scalar.arg3, scalar.arg4].map { UInt32(truncatingIfNeeded: $0) }
        let sid = SID(array: words)
        if let (name, _) = entries.first(where: { $0.value.sid == sid && $0.value.owner == envelope.sender.pid }) {
            entries[name] = nil
            answerScalar(envelope, 1)
        } else {
            answerScalar(envelope, 0)
        }
    }

    private func answerScalar(_ envelope: borrowing MessageEnvelope, _ value: UInt) {
        try? process.returnScalar(envelope.sender, value)
    }

    private func shutDown() {
        for request in parked {
            guard var envelope = request.envelope.take() else { continue }
            _ = try? envelope.reply(encoding: ConnectReply(.failure(ConnectErrorBox(code: .serverNotFound))))
        }
        parked.removeAll()
        try? process.destroyServer(nameServerSID)
    }
}
