/// The client side of the name server (Xous's `XousNames` in `api/xous-api-names/src/lib.rs`),
/// as calls of a process, sending exactly the bytes xous-api-names sends.
extension XousProcess {
    /// This process's connection to the name server (every process may reach it; the SID is
    /// well known). Connecting again returns the same CID.
    /// Waits for the name server to exist, as xous-api-names does, unless `waiting` is false: a
    /// call that only tidies up (unregister, a token disconnect) must not wait for ever on a
    /// name server that has gone (in hosted mode its process may end before ours).
    func nameServerCID(waiting: Bool = true) throws(XousError) -> CID {
        waiting ? try connect(nameServerSID) : try tryConnect(nameServerSID)
    }

    /// Registers `name` and creates its server, owned by this process (`register_name`: the name
    /// server answers a fresh SID and the registrant creates the server with it). Returns the
    /// SID, which only the registrant learns.
    ///
    /// - Parameter maxConnections: nil for any number of connections; otherwise only the first
    ///   `n` connection requests succeed (trust on first use, counted per request).
    /// - Throws: `InvalidString` for a name over 63 bytes of UTF-8 (which would make xous-names
    ///   panic, so it is never sent); `InternalError` if the name is taken; kernel errors if the
    ///   server cannot be created.
    public func registerName(_ name: String, maxConnections: UInt32? = nil) throws(XousError) -> SID {
        var buffer = Buffer(encoding: NameRegistration(name: try sendableName(name), connectionLimit: maxConnections))
        try lendMutable(try nameServerCID(), id: NameServerOpcode.register.rawValue, &buffer)
        guard case .sid(let sid)? = try? buffer.decode(NameServerReturn.self) else { throw .internalError }
        return try createServer(sid: sid)
    }

    /// Removes the name whose server is `sid` (`unregister_server`); the server stays until
    /// destroyed. Returns false if no name had that SID.
    @discardableResult
    public func unregisterName(_ sid: SID) throws(XousError) -> Bool {
        let result = try send(
            try nameServerCID(waiting: false), .blockingScalar(ScalarMessage(id: NameServerOpcode.unregister.rawValue, sid: sid)))
        return result != .scalar1(0)
    }

    /// Connects to the server registered as `name`, waiting until someone registers it
    /// (`request_connection_blocking`: a raw page with the name, `valid` its length). The caller
    /// gets a CID, never the SID.
    /// - Throws: `InvalidString` for a name over 63 bytes; `InternalError` if the name server
    ///   refuses (for example, the name's connection limit is used up).
    public func requestConnectionBlocking(_ name: String) throws(XousError) -> CID {
        var buffer = Buffer()
        let valid = try buffer.withUnsafeMutableBytes { page throws(XousError) in try ConnectPage.writeRequest(name, into: page) }
        try lendMutable(try nameServerCID(), id: NameServerOpcode.blockingConnect.rawValue, &buffer, offset: 0, valid: valid)
        guard case .success(let granted) = buffer.withUnsafeBytes({ ConnectPage.readReply(in: $0) }) else {
            throw .internalError
        }
        return granted.cid
    }

    /// Connects to the server registered as `name` if it is available now (`request_connection`,
    /// a Lookup).
    /// - Throws: `ServerNotFound` if the name is unknown or its limit is used up.
    public func requestConnection(_ name: String) throws(XousError) -> CID {
        try requestConnectionWithToken(name).cid
    }

    /// As `requestConnection`, also returning the name's disconnect token
    /// (`request_connection_with_token`).
    public func requestConnectionWithToken(_ name: String) throws(XousError) -> (cid: CID, token: DisconnectToken?) {
        var buffer = Buffer(encoding: NameLookup(name: try sendableName(name)))
        try lendMutable(try nameServerCID(), id: NameServerOpcode.lookup.rawValue, &buffer)
        guard case .cid(let cid, let token)? = try? buffer.decode(NameServerReturn.self) else { throw .serverNotFound }
        return (cid, token)
    }

    /// Gives a connection's count back to the name server with its token
    /// (`disconnect_with_token`), which resets the name's count and draws a new token. The
    /// kernel connection stays: `disconnect` it too.
    /// - Throws: `ServerNotFound` if the token is not the name's current one.
    public func disconnectWithToken(_ name: String, _ token: DisconnectToken) throws(XousError) {
        var buffer = Buffer(encoding: NameDisconnect(name: try sendableName(name), token: token))
        try lendMutable(try nameServerCID(waiting: false), id: NameServerOpcode.disconnect.rawValue, &buffer)
        guard case .success? = try? buffer.decode(NameServerReturn.self) else { throw .serverNotFound }
    }

    /// `name` if xous-names can take it: a longer one makes it panic, so it is never sent.
    /// - Throws: `InvalidString` for a name over `maxServerNameBytes` bytes of UTF-8.
    private func sendableName(_ name: String) throws(XousError) -> String {
        guard name.utf8.count <= maxServerNameBytes else { throw .invalidString }
        return name
    }

    /// True when every name registered with a connection limit has all its connections
    /// (`trusted_init_done`).
    public func trustedInitDone() throws(XousError) -> Bool {
        let result = try send(
            try nameServerCID(), .blockingScalar(ScalarMessage(id: NameServerOpcode.trustedInitDone.rawValue)))
        return result == .scalar1(1)
    }
}
