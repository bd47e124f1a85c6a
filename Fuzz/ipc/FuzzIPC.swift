// libFuzzer target for the IPC decoders: the bytes a peer put in a message page, decoded as each
// archive the net server, its subscribers and the name server receive, and as the raw pages of
// BlockingConnect and TryConnect. scripts/fuzz builds and runs it.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import NetServer
import XousIPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    check(bytes, as: WlanStatusIpc.self) { status in
        expect(status.ipv4.count == Ipv4Conf.wordCount, "ipv4 has \(status.ipv4.count) words")
        if let ssid = status.ssid {
            expect(ssid.name.utf8.count <= SsidRecord.maxNameBytes, "SSID of \(ssid.name.utf8.count) bytes")
        }
        let typed = WlanStatus(status)
        expect(WlanStatus(WlanStatusIpc(typed)) == typed, "typed view does not survive a hop: \(typed)")
        expect((try? Ipv4Conf(words: typed.ipv4.encodeWords())) == typed.ipv4, "Ipv4Conf word round trip: \(typed.ipv4)")
    }
    check(bytes, as: WifiStateSubscription.self) { subscription in
        // The SID is a capability: its printed forms must never carry it.
        expect(subscription.description == "WifiStateSubscription(sid: SID(redacted), opcode: \(subscription.opcode))",
               "description reveals more than the opcode")
    }
    check(bytes, as: Ipv4ConfigReply.self) { reply in
        if let words = reply.words { expect(words.count == Ipv4Conf.wordCount, "reply of \(words.count) words") }
    }
    check(bytes, as: NameRegistration.self) { expectName($0.name) }
    check(bytes, as: NameLookup.self) { expectName($0.name) }
    check(bytes, as: NameDisconnect.self) { expectName($0.name) }
    check(bytes, as: NameServerReturn.self) { reply in
        if case .authenticateRequest(let request) = reply {
            expectName(request.name)
            expect(request.publicKeyID.count == 20, "pubkey_id of \(request.publicKeyID.count) bytes")
        }
    }
    checkConnectPage(bytes)
    return 0
}

/// Decodes `bytes` as the archive of a `T`, directly and through a page as a receiver does, and
/// checks what a decoder promises: it never traps, it refuses with a decoding error, and what
/// it accepts survives a round trip through the encoder.
private func check<T: Archivable & Equatable>(
    _ bytes: UnsafeRawBufferPointer, as type: T.Type, _ invariants: (T) -> Void
) {
    let direct = Result { () throws(WireError) in try T.decode(bytes) }
    switch direct {
    case .success(let value):
        expect(bytes.count >= T.archivedLayout.size, "\(T.self) decoded from \(bytes.count) bytes")
        let again = Result { () throws(WireError) in try T.decode(value.encoded()) }
        expect(again == .success(value), "\(T.self) does not survive a round trip: \(again)")
        invariants(value)
    case .failure(let error):
        switch error {
        case .doesNotFit, .trailingBytes:
            expect(false, "\(T.self): decoding raised an error only encoding or streams raise: \(error)")
        case .truncated:
            expect(bytes.count < T.archivedLayout.size, "\(T.self): \(error) for \(bytes.count) bytes")
        case .invalidValue, .invalidUTF8, .tooLong, .outOfBounds, .misaligned:
            break
        }
        expect(!error.description.isEmpty, "\(T.self): empty error description")
    }
    expect(decodedThroughPages(bytes, as: T.self) == direct, "\(T.self): a page decodes otherwise than its bytes")
}

private func expectName(_ name: String) {
    expect(name.utf8.count <= maxServerNameBytes, "a name of \(name.utf8.count) bytes")
}

/// The name server reads a BlockingConnect's name from the first `valid` bytes of the page;
/// the requester reads the answer from its first words. Here the input's first byte plays `valid`.
private func checkConnectPage(_ bytes: UnsafeRawBufferPointer) {
    guard let first = bytes.first else { return }
    var page = [UInt8](repeating: 0, count: Buffer.pageSize)
    page.withUnsafeMutableBytes { $0.copyBytes(from: bytes.prefix(Buffer.pageSize)) }
    page.withUnsafeBytes { raw in
        if case .success(let name) = ConnectPage.readName(in: raw, valid: Int(first)) { expectName(name) }
        if case .success(let granted) = ConnectPage.readReply(in: raw) {
            expect(granted.token?.description ?? "DisconnectToken(redacted)" == "DisconnectToken(redacted)",
                   "a token's description reveals it")
        }
    }
}

/// The same bytes as they arrive in a memory message: copied into whole pages with `used` set to
/// their length, then decoded from the page as a receiver does.
private func decodedThroughPages<T: Archivable>(_ bytes: UnsafeRawBufferPointer, as type: T.Type) -> Result<T, WireError> {
    var buffer = Buffer(byteCount: bytes.count)
    buffer.withUnsafeMutableBytes { page in page.copyMemory(from: bytes) }
    buffer.used = bytes.count
    return Result { () throws(WireError) in try buffer.decode(T.self) }
}

@main
enum Fuzz: FuzzMain {}
