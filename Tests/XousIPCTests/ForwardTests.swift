import Testing
import XousIPC

extension XousIPCSpec {
    /// `MessageEnvelope::forward`: a server passes a message on to another server with a new
    /// opcode, keeping its kind; the original sender's obligation travels with it.
    @Suite("forward: passing a message on")
    struct ForwardSpec {
        /// A client of a front server that forwards to a back server, each in its own process.
        struct Relay {
            let kernel = Kernel()
            let front, back, client: XousProcess
            let frontSID, backSID: SID
            let clientCID, frontToBack: CID

            init() throws {
                front = try kernel.createProcess(name: "front")
                back = try kernel.createProcess(name: "back")
                client = try kernel.createProcess(name: "client")
                frontSID = try front.createServer()
                backSID = try back.createServer()
                clientCID = try client.tryConnect(frontSID)
                frontToBack = try front.tryConnect(backSID)
            }
        }

        @Test("a forwarded Move arrives at the second server with the new opcode and the same bytes")
        func forwardAMove() throws {
            let parts = try Relay()
            defer { parts.kernel.shutdown() }
            let (front, back, client) = (parts.front, parts.back, parts.client)
            let (frontSID, backSID, clientCID, frontToBack) = (parts.frontSID, parts.backSID, parts.clientCID, parts.frontToBack)
            try promptly { try client.move(clientCID, id: 1, Buffer(encoding: Reading.sample)) }

            var envelope = try nextMessage(for: front, on: frontSID)
            try envelope.forward(to: frontToBack, id: 99)
            _ = consume envelope

            let forwarded = try nextMessage(for: back, on: backSID)
            #expect(forwarded.id == 99)
            #expect(forwarded.kind == .move)
            #expect(forwarded.offset == Reading.sample.encoded().count)
            #expect(forwarded.valid == 4_096)
            #expect(forwarded.sender.pid == front.pid)
            let value = try forwarded.decode(Reading.self)
            #expect(value == Reading.sample)
        }

        @Test("a forwarded BlockingScalar is answered by the second server, and that answer reaches the original sender")
        func forwardABlockingScalar() throws {
            let parts = try Relay()
            defer { parts.kernel.shutdown() }
            let (front, back, client) = (parts.front, parts.back, parts.client)
            let (frontSID, backSID, clientCID, frontToBack) = (parts.frontSID, parts.backSID, parts.clientCID, parts.frontToBack)
            defer {
                // Wake anything a failure left parked.
                try? back.destroyServer(backSID)
                try? front.destroyServer(frontSID)
            }

            let asker = try Background("asker") { try client.send(clientCID, blockingScalar(1, 10, 20, 30, 40)) }
            let relay = try Background("relay") { () throws -> Void in
                var envelope = try front.receive(frontSID)
                try envelope.forward(to: frontToBack, id: 50)
            }
            let question = try nextMessage(for: back, on: backSID)
            #expect(question.id == 50)
            #expect(question.kind == .blockingScalar)
            #expect(question.scalar?.args == [10, 20, 30, 40])
            #expect(asker.isStillBlocked(afterMilliseconds: 50))
            try back.returnScalar2(question.sender, 5, 6)

            #expect(try asker.value() == .scalar2(5, 6))
            try relay.value()
            // The front server owes nothing any more: it can be destroyed.
            try front.destroyServer(frontSID)
        }

        @Test("a forward to a dead CID throws ServerNotFound and leaves the envelope to be answered")
        func forwardToADeadCID() throws {
            let parts = try Relay()
            defer { parts.kernel.shutdown() }
            let (front, back, client) = (parts.front, parts.back, parts.client)
            let (frontSID, backSID, clientCID, frontToBack) = (parts.frontSID, parts.backSID, parts.clientCID, parts.frontToBack)
            try back.destroyServer(backSID)

            let asker = try Background("asker") { try client.send(clientCID, blockingScalar(1)) }
            let received = try nextMessage(for: front, on: frontSID)
            let sender = received.sender
            defer { try? front.returnScalar(sender, 0) }  // wakes the asker if the test stops early

            // Forward on a thread of its own: a BlockingScalar that wrongly reached a dead server
            // would park the forwarder for good.
            let box = EnvelopeBox(received)
            let forwarding = try Background("forward") { () throws -> [XousError?] in
                guard var envelope = box.envelope.take() else { return [] }
                var errors: [XousError?] = []
                for cid in [frontToBack, 33] {
                    do throws(XousError) {
                        try envelope.forward(to: cid, id: 2)
                        errors.append(nil)
                    } catch {
                        errors.append(error)
                    }
                }
                box.envelope = consume envelope
                return errors
            }
            #expect(try forwarding.value() == [.serverNotFound, .serverNotFound])
            guard let envelope = box.envelope.take() else {
                Issue.record("the envelope was not handed back")
                return
            }
            #expect(envelope.id == 1)
            #expect(envelope.kind == .blockingScalar)
            #expect(asker.isStillBlocked(afterMilliseconds: 50))
            try front.returnScalar(envelope.sender, 77)
            #expect(try asker.value() == .scalar1(77))
        }

        @Test("a Move whose forward fails is still the receiver's to read")
        func failedForwardOfAMove() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let front = try kernel.createProcess(name: "front")
            let client = try kernel.createProcess(name: "client")
            let frontSID = try front.createServer()
            let clientCID = try client.tryConnect(frontSID)
            try promptly { try client.move(clientCID, id: 1, Buffer(encoding: Reading.sample)) }
            var envelope = try nextMessage(for: front, on: frontSID)
            #expect(throws: XousError.serverNotFound) { try envelope.forward(to: 30, id: 2) }
            let value = try envelope.decode(Reading.self)
            #expect(value == Reading.sample)
        }
        @Test("a forwarded BlockingScalar answered with Scalar5 is MemoryInUse, as in Xous, and the envelope is still the relay's to answer")
        func forwardedScalar5IsNotRelayed() throws {
            let parts = try Relay()
            defer { parts.kernel.shutdown() }
            let (front, back, client) = (parts.front, parts.back, parts.client)
            let (frontSID, backSID, clientCID, frontToBack) = (parts.frontSID, parts.backSID, parts.clientCID, parts.frontToBack)
            defer {
                try? back.destroyServer(backSID)
                try? front.destroyServer(frontSID)
            }
            let asker = try Background("asker") { try client.send(clientCID, blockingScalar(1)) }
            let relay = try Background("relay") { () throws -> XousError? in
                var envelope = try front.receive(frontSID)
                do throws(XousError) {
                    try envelope.forward(to: frontToBack, id: 2)
                    return nil
                } catch {
                    envelope.refuse()
                    return error
                }
            }
            let question = try nextMessage(for: back, on: backSID)
            try back.returnScalar5(question.sender, 1, 2, 3, 4, 5)
            #expect(try relay.value() == .memoryInUse)
            #expect(try asker.value() == .scalar1(0))
        }

        @Test("a forwarded MutableBorrow goes back to its lender with the offset and valid it sent, and the second server's bytes")
        func forwardedLendKeepsItsOffsetAndValid() throws {
            let parts = try Relay()
            defer { parts.kernel.shutdown() }
            let (front, back, client) = (parts.front, parts.back, parts.client)
            let (frontSID, backSID, clientCID, frontToBack) = (parts.frontSID, parts.backSID, parts.clientCID, parts.frontToBack)
            defer {
                try? back.destroyServer(backSID)
                try? front.destroyServer(frontSID)
            }
            let lender = try Background("lender") { () throws -> (XousResult, Reading?) in
                var buffer = Buffer(encoding: Reading.sample)
                let result = try client.lendMutable(clientCID, id: 1, &buffer)
                return (result, try? buffer.decode(Reading.self))
            }
            let relay = try Background("relay") { () throws -> Void in
                var envelope = try front.receive(frontSID)
                try envelope.forward(to: frontToBack, id: 2)
            }
            var loan = try nextMessage(for: back, on: backSID)
            let replacement = Reading(sensor: 1, unit: 0, flags: 0, value: 9, label: "short")
            try loan.reply(encoding: replacement)
            _ = consume loan
            try relay.value()
            let (result, value) = try lender.value()
            // Xous drops the forwarding envelope as it came: the lender's own offset and valid.
            #expect(result == .memoryReturned(offset: Reading.sample.encoded().count, valid: 4_096))
            // The bytes are the second server's; read with the old offset they are not a Reading.
            #expect(value != replacement)
        }
    }
}
