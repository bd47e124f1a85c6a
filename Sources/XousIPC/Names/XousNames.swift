/// The client side of the name server (Xous's `XousNames`), as calls of a process.
extension XousProcess {
    /// This process's connection to the name server (every process may reach it; the SID is
    /// well known). Connecting again returns the same CID.
    func nameServerCID() throws(XousError) -> CID {
        try connect(nameServerSID)
    }

    /// Registers `name` and creates its server, owned by this process (`register_name` followed
    /// by `create_server_with_sid`). Returns the SID, which only the owner learns.
    ///
    /// - Parameter maxConnections: nil for any number of connections; otherwise only the first
    ///   `n` connection requests succeed (trust on first use, counted per request).
    /// - Throws: `InvalidString` for a name over 63 bytes of UTF-8; `InternalError` if the name
    ///   is taken or the kernel has no room for the server.
    public func registerName(_ name: String, maxConnections: UInt32? = nil) throws(XousError) -> SID {
        let field = try ServerNameField(name)
        var buffer = Buffer(encoding: NameRegistration(name: field, connectionLimit: maxConnections))
        try lendMutable(try nameServerCID(), id: NameServerOpcode.register.rawValue, &buffer)
        guard let reply = try? buffer.decode(NameRegistrationReply.self), let sid = reply.sid else {
            throw .internalError
        }
        return sid
    }

    /// Removes a name this process registered; its server stays until destroyed.
    /// Returns false if the name was not this process's.
    @discardableResult
    public func unregisterName(_ sid: SID) throws(XousError) -> Bool {
        let (a, b, c, d) = sid.words
        let result = try send(
            try nameServerCID(),
            .blockingScalar(ScalarMessage(
                id: NameServerOpcode.unregister.rawValue, UInt(a), UInt(b), UInt(c), UInt(d))))
        return result == .scalar1(1)
    }

    /// Connects to the server registered as `name`, waiting until someone registers it
    /// (`request_connection_blocking`). The caller gets a CID, never the SID.
    /// - Throws: `InternalError` if the name server refuses (for example, its connection limit
    ///   is used up).
    public func requestConnectionBlocking(_ name: String) throws(XousError) -> CID {
        try requestConnection(name, opcode: .blockingConnect)
    }

    /// Connects to the server registered as `name` if there is one now (`request_connection`).
    /// - Throws: `ServerNotFound` if no such name is registered; `InternalError` if refused.
    public func requestConnection(_ name: String) throws(XousError) -> CID {
        try requestConnection(name, opcode: .tryConnect)
    }

    private func requestConnection(_ name: String, opcode: NameServerOpcode) throws(XousError) -> CID {
        var buffer = Buffer(encoding: try ConnectRequest(name))
        try lendMutable(try nameServerCID(), id: opcode.rawValue, &buffer)
        guard let reply = try? buffer.decode(ConnectReply.self) else { throw .internalError }
        switch reply.result {
        case .success(let cid): return cid
        case .failure(let error) where error.code == .serverNotFound && opcode == .tryConnect: throw .serverNotFound
        case .failure: throw .internalError
        }
    }
}
