#if canImport(Glibc)
import Glibc
#endif
import PropertyBased
import TestHarness
import Testing
import XousIPC

/// A MutableBorrow whose server hands back offset -1, after which the lender decodes its buffer;
/// used by an exit test, since the bug it shows makes the process trap.
func lenderDecodesAfterANegativeReturnedOffset() throws {
    let kernel = Kernel()
    defer { kernel.shutdown() }
    let owner = try kernel.createProcess(name: "owner")
    let client = try kernel.createProcess(name: "client")
    let sid = try owner.createServer()
    let cid = try client.tryConnect(sid)
    let lender = try Background("lender") { () throws -> Bool in
        var buffer = Buffer(encoding: Reading.sample)
        // The lender refuses the server's out-of-range offset and keeps its own `used`.
        do {
            try client.lendMutable(cid, id: 1, &buffer)
            return false
        } catch XousError.badAddress {
            return (try? buffer.decode(Reading.self)) == Reading.sample
        }
    }
    var loan = try nextMessage(for: owner, on: sid)
    _ = loan.withMutableMemory { _, offset, _ in offset = -1 }
    _ = consume loan
    guard try lender.value() else { exit(1) }
}

extension XousIPCSpec {
    /// Move gives pages away; Borrow lends them read-only; MutableBorrow lends them for the
    /// server to change. The receiver validates whatever the sender put there.
    @Suite("Memory messages: Move, Borrow, MutableBorrow")
    struct MemoryMessageSpec {
        @Test("a Move hands the encoded value to the receiver, and the sender does not wait for it")
        func moveDelivers() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            // Nobody receives: the move must return anyway.
            try promptly { try client.move(cid, id: 21, Buffer(encoding: Reading.sample)) }

            let envelope = try nextMessage(for: owner, on: sid)
            let encoded = Reading.sample.encoded()
            #expect(envelope.kind == .move)
            #expect(envelope.isBlocking == false)
            #expect(envelope.id == 21)
            #expect(envelope.offset == encoded.count)
            #expect(envelope.valid == 4_096)
            #expect(envelope.scalar == nil)
            #expect(envelope.sender.pid == client.pid)
            let value = try envelope.decode(Reading.self)
            #expect(value == Reading.sample)
            let page = envelope.withMemory { Array($0) }
            #expect(page?.count == 4_096)
            #expect(page.map { Array($0.prefix(encoded.count)) } == encoded)
        }

        @Test("a Move of several pages arrives whole")
        func multiPageMove() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let blob = Blob(patternOf: 9_000)
            try promptly { try client.move(cid, id: 1, Buffer(encoding: blob)) }
            let envelope = try nextMessage(for: owner, on: sid)
            // 9,000 bytes out of line, then the 8-byte vector as the root.
            #expect(envelope.offset == 9_008)
            #expect(envelope.valid == 12_288)
            let value = try envelope.decode(Blob.self)
            #expect(value == blob)
        }

        @Test("the lender of a Borrow parks until the server drops the envelope, then gets its offset and valid back")
        func borrowParksUntilDropped() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { try client.lend(cid, id: 5, Buffer(encoding: Reading.sample)) }
            defer { try? owner.destroyServer(sid) }  // wakes it if the test stops early

            let loan = try nextMessage(for: owner, on: sid)
            #expect(loan.kind == .borrow)
            #expect(loan.isBlocking == true)
            #expect(loan.id == 5)
            let value = try loan.decode(Reading.self)
            #expect(value == Reading.sample)
            #expect(lender.isStillBlocked(), "the lender got its memory back while the server still held it")
            _ = consume loan
            let expected = XousResult.memoryReturned(offset: Reading.sample.encoded().count, valid: 4_096)
            #expect(try lender.value() == expected)
        }

        @Test("a Borrow is read-only to the server: no mutable access, no reply, and the lender's bytes are unchanged")
        func borrowIsReadOnly() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { () throws -> (Int, Reading?) in
                let buffer = Buffer(encoding: Reading.sample)
                try client.lend(cid, id: 5, buffer)
                return (buffer.used, try? buffer.decode(Reading.self))
            }
            defer { try? owner.destroyServer(sid) }

            var loan = try nextMessage(for: owner, on: sid)
            let touched: Bool? = loan.withMutableMemory { bytes, offset, _ in
                bytes[0] = 0xFF
                offset = 1
                return true
            }
            #expect(touched == nil)
            #expect(throws: EnvelopeDecodingError.notMemory(.borrow)) {
                try loan.reply(encoding: Reading(sensor: 0, unit: 0, flags: 0, value: 0, label: ""))
            }
            _ = consume loan
            let (used, value) = try lender.value()
            #expect(used == Reading.sample.encoded().count)
            #expect(value == Reading.sample)
        }

        @Test("the lender of a MutableBorrow sees the server's reply(encoding:), and its used follows the new length")
        func mutableBorrowReply() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { () throws -> (XousResult, Int, Reading?) in
                var buffer = Buffer(encoding: Reading.sample)
                let result = try client.lendMutable(cid, id: 6, &buffer)
                return (result, buffer.used, try? buffer.decode(Reading.self))
            }
            defer { try? owner.destroyServer(sid) }

            var loan = try nextMessage(for: owner, on: sid)
            #expect(loan.kind == .mutableBorrow)
            let request = try loan.decode(Reading.self)
            #expect(request == Reading.sample)
            let answer = Reading(sensor: 1, unit: 0, flags: 0xFFFF, value: 99, label: "a much longer label, ok")
            try loan.reply(encoding: answer)
            #expect(lender.isStillBlocked(), "the lender got its memory back before the server dropped it")
            _ = consume loan

            let (result, used, value) = try lender.value()
            let length = answer.encoded().count
            #expect(length != Reading.sample.encoded().count)
            #expect(result == .memoryReturned(offset: length, valid: 4_096))
            #expect(used == length)
            #expect(value == answer)
        }

        @Test("withMutableMemory writes land in the lender's pages, and the offset it sets becomes the lender's used")
        func mutableBorrowRawWrites() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { () throws -> (XousResult, Int, [UInt8]) in
                var buffer = Buffer(byteCount: 100)
                let result = try client.lendMutable(cid, id: 7, &buffer)
                return (result, buffer.used, buffer.withUnsafeBytes { Array($0.prefix(5)) })
            }
            defer { try? owner.destroyServer(sid) }

            var loan = try nextMessage(for: owner, on: sid)
            #expect(loan.offset == 0)
            #expect(loan.valid == 4_096)
            let wrote: Bool? = loan.withMutableMemory { bytes, offset, _ in
                bytes[0] = 0xAB
                bytes[1] = 0xCD
                bytes[2] = 0xEF
                offset = 3
                return true
            }
            #expect(wrote == true)
            _ = consume loan
            let (result, used, prefix) = try lender.value()
            #expect(result == .memoryReturned(offset: 3, valid: 4_096))
            #expect(used == 3)
            #expect(prefix == [0xAB, 0xCD, 0xEF, 0, 0])
        }

        @Test("a reply too large for the lent pages is refused with doesNotFit, and the lender gets its own value back")
        func replyTooLarge() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            let lender = try Background("lender") { () throws -> (XousResult, Reading?) in
                var buffer = Buffer(encoding: Reading.sample)
                let result = try client.lendMutable(cid, id: 8, &buffer)
                return (result, try? buffer.decode(Reading.self))
            }
            defer { try? owner.destroyServer(sid) }

            var loan = try nextMessage(for: owner, on: sid)
            #expect(throws: EnvelopeDecodingError.wire(.doesNotFit(needed: 5_008, capacity: 4_096))) {
                try loan.reply(encoding: Blob(patternOf: 5_000))
            }
            _ = consume loan
            let (result, value) = try lender.value()
            #expect(result == .memoryReturned(offset: Reading.sample.encoded().count, valid: 4_096))
            #expect(value == Reading.sample)
        }

        @Test("decoding a Scalar or BlockingScalar envelope is notMemory")
        func decodingAScalarIsNotMemory() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            try client.trySend(cid, scalar(1, 2, 3))
            var message = try nextMessage(for: owner, on: sid)
            #expect(throws: EnvelopeDecodingError.notMemory(.scalar)) { _ = try message.decode(Reading.self) }
            #expect(throws: EnvelopeDecodingError.notMemory(.scalar)) { try message.reply(encoding: Reading.sample) }
            #expect(message.withMemory { $0.count } == nil)

            let asker = try Background("asker") { try client.send(cid, blockingScalar(2)) }
            defer { try? owner.destroyServer(sid) }
            let question = try nextMessage(for: owner, on: sid)
            #expect(throws: EnvelopeDecodingError.notMemory(.blockingScalar)) { _ = try question.decode(Reading.self) }
            try owner.returnScalar(question.sender, 0)
            #expect(try asker.value() == .scalar1(0))
        }

        @Test("a sender-chosen used beyond its pages is refused by decode with offsetOutOfRange, never a crash",
              arguments: [4_097, 8_192, 1 << 40, Int.max, -1, Int.min])
        func usedBeyondThePages(_ used: Int) throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            try promptly {
                var buffer = Buffer(encoding: Reading.sample)
                buffer.used = used
                try client.move(cid, id: 1, buffer)
            }
            let envelope = try nextMessage(for: owner, on: sid)
            #expect(envelope.offset == used)
            #expect(throws: EnvelopeDecodingError.offsetOutOfRange(offset: used, capacity: 4_096)) {
                _ = try envelope.decode(Reading.self)
            }
        }

        @Test("a used of exactly the page size is in range: the root is read from the page's last bytes")
        func usedOfExactlyOnePage() throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            try promptly {
                var buffer = Buffer(encoding: Reading.sample)
                buffer.withUnsafeMutableBytes { page in
                    // A Reading root at 4080: sensor 9, unit 1, flags 0, value 0, inline label "end".
                    let root: [UInt8] = [9, 1, 0, 0, 0, 0, 0, 0] + Array("end".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
                    page.baseAddress!.advanced(by: 4_080).copyMemory(from: root, byteCount: root.count)
                }
                buffer.used = 4_096
                try client.move(cid, id: 1, buffer)
            }
            let envelope = try nextMessage(for: owner, on: sid)
            #expect(try envelope.decode(Reading.self) == Reading(sensor: 9, unit: 1, flags: 0, value: 0, label: "end"))
        }

        @Test("a decoding failure maps to Xous's error: notMemory InvalidCoding, offsetOutOfRange BadAddress, wire SerializationError")
        func decodingErrorsMapToXousErrors() {
            #expect(EnvelopeDecodingError.notMemory(.scalar).xousError == .invalidCoding)
            #expect(EnvelopeDecodingError.offsetOutOfRange(offset: 5_000, capacity: 4_096).xousError == .badAddress)
            #expect(EnvelopeDecodingError.wire(.trailingBytes(count: 1)).xousError == .serializationError)
        }

        @Test("random bytes moved in a page decode to a Reading that survives a round trip, or fail with a WireError")
        func randomPagesNeverCrash() async throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            await checkProperty(count: 2_000, input: Gen<UInt8>.value().array(of: 0...300)) { bytes in
                var buffer = Buffer(byteCount: bytes.count)
                buffer.withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
                buffer.used = bytes.count
                try client.tryMove(cid, id: 1, buffer)
                guard let envelope = try owner.tryReceive(sid) else {
                    Issue.record("the moved page did not arrive")
                    return
                }
                do throws(EnvelopeDecodingError) {
                    let value = try envelope.decode(Reading.self)
                    #expect((try? Reading.decode(value.encoded())) == value)
                } catch {
                    guard case .wire = error else {
                        Issue.record("refused as \(error), not as malformed bytes")
                        return
                    }
                }
            }
        }

        @Test("random bytes of about a Reading's length decode faithfully or fail with a WireError")
        func nearlyValidBytes() async {
            await checkProperty(count: 3_000, input: Gen<UInt8>.value().array(of: 0...40)) { bytes in
                do throws(WireError) {
                    let value = try Reading.decode(bytes)
                    #expect((try? Reading.decode(value.encoded())) == value)
                } catch {
                    #expect(error.description.isEmpty == false)
                }
            }
            // A valid root with random inline label bytes: the label is what comes before the
            // first 0xFF, and only its UTF-8 decides.
            await checkProperty(count: 3_000, input: Gen<UInt8>.value().array(of: 8)) { label in
                let bytes: [UInt8] = [1, 2, 0, 0, 0, 0, 0, 0] + label
                let text = label.prefix { $0 != 0xFF }
                let expected = String(validating: text, as: UTF8.self)
                // A first byte of 0b10xxxxxx marks the out-of-line form instead.
                guard label[0] & 0xC0 != 0x80 else { return }
                #expect((try? Reading.decode(bytes))?.label == expected)
            }
        }

        @Test("any Reading survives a Move unchanged")
        func readingsSurviveAMove() async throws {
            let (kernel, owner, client, sid, cid) = try ownerAndClient()
            defer { kernel.shutdown() }
            await checkProperty(count: 1_000, input: TestGen.reading) { reading in
                try client.tryMove(cid, id: 2, Buffer(encoding: reading))
                guard let envelope = try owner.tryReceive(sid) else {
                    Issue.record("the moved page did not arrive")
                    return
                }
                let value = try envelope.decode(Reading.self)
                #expect(value == reading)
            }
        }

        @Test("a negative offset returned by a MutableBorrow's server never makes the lender's decode trap")
        func negativeReturnedOffsetDoesNotTrap() async {
            await #expect(processExitsWith: .success) {
                try lenderDecodesAfterANegativeReturnedOffset()
            }
        }
    }
}
