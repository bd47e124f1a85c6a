import Testing
import XousIPC

extension XousIPCSpec {
    /// BlockingScalar: the sender parks until the server answers with `return_scalar`, exactly once.
    @Suite("BlockingScalar: one answer, from the owner")
    struct BlockingScalarSpec {
        @Test("the sender stays parked until the server calls returnScalar, then gets its value")
        func senderParksUntilAnswered() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let asker = try Background("asker") { try client.send(cid, blockingScalar(9, 1, 2, 3, 4)) }
            defer { try? owner.destroyServer(sid) }  // wakes it if the test stops early

            let question = try nextMessage(for: owner, on: sid)
            #expect(question.kind == .blockingScalar)
            #expect(question.isBlocking == true)
            #expect(question.scalar == ScalarMessage(id: 9, 1, 2, 3, 4))
            #expect(question.sender.pid == client.pid)
            // Received is not answered: still parked.
            #expect(asker.isStillBlocked())

            try owner.returnScalar(question.sender, 0xBEEF)
            #expect(try asker.value() == .scalar1(0xBEEF))
        }

        enum Answer: Sendable, CaseIterable, CustomTestStringConvertible {
            case one, two, five
            var expected: XousResult {
                switch self {
                case .one: .scalar1(UInt.max)
                case .two: .scalar2(0x0123_4567_89AB_CDEF, 0)
                case .five: .scalar5(1, UInt.max, 0x8000_0000_0000_0000, 42, 0xFFFF_FFFF)
                }
            }
            var testDescription: String { "\(expected)" }
        }

        @Test("returnScalar, returnScalar2 and returnScalar5 deliver every word intact", arguments: Answer.allCases)
        func answersArriveIntact(_ answer: Answer) throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let asker = try Background("asker") { try client.send(cid, blockingScalar(1)) }
            defer { try? owner.destroyServer(sid) }
            let question = try nextMessage(for: owner, on: sid)
            switch answer.expected {
            case .scalar1(let a): try owner.returnScalar(question.sender, a)
            case .scalar2(let a, let b): try owner.returnScalar2(question.sender, a, b)
            case .scalar5(let a, let b, let c, let d, let e): try owner.returnScalar5(question.sender, a, b, c, d, e)
            default: Issue.record("not a scalar answer")
            }
            #expect(try asker.value() == answer.expected)
        }

        @Test("answering a BlockingScalar twice is DoubleFree")
        func answerTwice() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let asker = try Background("asker") { try client.send(cid, blockingScalar(1)) }
            defer { try? owner.destroyServer(sid) }
            let question = try nextMessage(for: owner, on: sid)
            try owner.returnScalar(question.sender, 1)
            #expect(throws: XousError.doubleFree) { try owner.returnScalar(question.sender, 2) }
            #expect(throws: XousError.doubleFree) { try owner.returnScalar5(question.sender, 1, 2, 3, 4, 5) }
            #expect(try asker.value() == .scalar1(1))
        }

        @Test("a stale MessageSender is refused with DoubleFree even once its slot holds a new message")
        func staleSenderAfterSlotReuse() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let first = try Background("first") { try client.send(cid, blockingScalar(1)) }
            defer { try? owner.destroyServer(sid) }
            let firstQuestion = try nextMessage(for: owner, on: sid)
            let stale = firstQuestion.sender
            try owner.returnScalar(stale, 10)
            #expect(try first.value() == .scalar1(10))

            let second = try Background("second") { try client.send(cid, blockingScalar(2)) }
            let secondQuestion = try nextMessage(for: owner, on: sid)
            #expect(secondQuestion.id == 2)
            #expect(throws: XousError.doubleFree) { try owner.returnScalar(stale, 666) }
            #expect(second.isStillBlocked())
            try owner.returnScalar(secondQuestion.sender, 20)
            #expect(try second.value() == .scalar1(20))
        }

        @Test("answering a non-blocking Scalar is DoubleFree")
        func answerAScalar() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            try client.trySend(cid, scalar(1))
            let message = try nextMessage(for: owner, on: sid)
            #expect(throws: XousError.doubleFree) { try owner.returnScalar(message.sender, 1) }
            #expect(throws: XousError.doubleFree) { try owner.returnScalar2(message.sender, 1, 2) }
        }

        @Test("answering a Borrow's lender with returnScalar is DoubleFree; the lender still gets its memory back")
        func answerABorrowWithAScalar() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { try client.lend(cid, id: 4, Buffer(encoding: Reading.sample)) }
            defer { try? owner.destroyServer(sid) }
            let loan = try nextMessage(for: owner, on: sid)
            #expect(loan.kind == .borrow)
            #expect(throws: XousError.doubleFree) { try owner.returnScalar(loan.sender, 1) }
            #expect(throws: XousError.doubleFree) { try owner.returnScalar5(loan.sender, 1, 2, 3, 4, 5) }
            #expect(lender.isStillBlocked())
            _ = consume loan
            let length = Reading.sample.encoded().count
            #expect(try lender.value() == .memoryReturned(offset: length, valid: Buffer.pageSize))
        }

        @Test("answering from a process that does not own the server is ServerNotFound; the owner still can")
        func answerFromAStranger() throws {
            let kernel = Kernel()
            defer { kernel.shutdown() }
            let owner = try kernel.createProcess(name: "owner")
            let client = try kernel.createProcess(name: "client")
            let stranger = try kernel.createProcess(name: "stranger")
            let sid = try owner.createServer()
            let cid = try client.tryConnect(sid)
            let asker = try Background("asker") { try client.send(cid, blockingScalar(1)) }
            defer { try? owner.destroyServer(sid) }
            let question = try nextMessage(for: owner, on: sid)
            #expect(throws: XousError.serverNotFound) { try stranger.returnScalar(question.sender, 13) }
            #expect(throws: XousError.serverNotFound) { try client.returnScalar(question.sender, 13) }
            #expect(asker.isStillBlocked())
            try owner.returnScalar(question.sender, 14)
            #expect(try asker.value() == .scalar1(14))
        }
    }
}
