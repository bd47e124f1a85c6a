// libFuzzer target for the IPC decoders: the bytes a peer put in a message page, decoded as each
// `WireCodable` the net server and its subscribers receive. scripts/fuzz builds and runs it.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import NetServer
import XousIPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    checkWlanStatusIpc(bytes)
    checkSubscription(bytes)
    checkIpv4ConfigReply(bytes)
    return 0
}

/// What the bouncer decodes from every push (`WifiStateCallback.update`).
private func checkWlanStatusIpc(_ bytes: UnsafeRawBufferPointer) {
    let size = WlanStatusIpc.encodedSize
    let direct: Result<WlanStatusIpc, WireError>
    do {
        let status = try WlanStatusIpc.decode(bytes)
        direct = .success(status)
        expect(bytes.count == size, "WlanStatusIpc decoded from \(bytes.count) bytes")
        // The type promises one encoding per value, so a decoded value must re-encode to the input.
        expect(status.encoded().elementsEqual(bytes), "WlanStatusIpc re-encodes differently: \(status)")
        expect(status.ipv4.count == Ipv4Conf.wordCount, "ipv4 has \(status.ipv4.count) words")
        if let ssid = status.ssid {
            expect(ssid.name.utf8.count <= SsidRecord.maxNameBytes, "SSID of \(ssid.name.utf8.count) bytes")
        }
        let typed = WlanStatus(status)
        expect(WlanStatus(WlanStatusIpc(typed)) == typed, "typed view does not survive a hop: \(typed)")
        expect((try? Ipv4Conf(words: typed.ipv4.encodeWords())) == typed.ipv4, "Ipv4Conf word round trip: \(typed.ipv4)")
    } catch {
        direct = .failure(error)
        checkLength(error, decoding: bytes.count, size: size, "WlanStatusIpc")
    }
    expect(decodedThroughPages(bytes, as: WlanStatusIpc.self) == direct, "a page decodes otherwise than its bytes")
}

/// What the connection manager decodes from `SubscribeWifiStats`.
private func checkSubscription(_ bytes: UnsafeRawBufferPointer) {
    let size = WifiStateSubscription.encodedSize
    let direct: Result<WifiStateSubscription, WireError>
    do {
        let subscription = try WifiStateSubscription.decode(bytes)
        direct = .success(subscription)
        expect(bytes.count == size, "WifiStateSubscription decoded from \(bytes.count) bytes")
        expect(subscription.encoded().elementsEqual(bytes), "WifiStateSubscription re-encodes differently")
        // The SID is a capability: its printed forms must never carry it.
        expect(subscription.description == "WifiStateSubscription(sid: SID(redacted), opcode: \(subscription.opcode))",
               "description reveals more than the opcode")
    } catch {
        direct = .failure(error)
        // Every 20 bytes are a subscription, so only the length can be wrong.
        expect(bytes.count != size, "20 bytes refused: \(error)")
        checkLength(error, decoding: bytes.count, size: size, "WifiStateSubscription")
    }
    expect(decodedThroughPages(bytes, as: WifiStateSubscription.self) == direct, "a page decodes otherwise than its bytes")
}

/// What `NetManager` decodes from the net server's `GetIpv4Config` answer.
private func checkIpv4ConfigReply(_ bytes: UnsafeRawBufferPointer) {
    let size = 30
    let direct: Result<Ipv4ConfigReply, WireError>
    do {
        let reply = try Ipv4ConfigReply.decode(bytes)
        direct = .success(reply)
        expect(bytes.count == size, "Ipv4ConfigReply decoded from \(bytes.count) bytes")
        let again = Result { () throws(WireError) in try Ipv4ConfigReply.decode(reply.encoded()) }
        expect(again == .success(reply), "Ipv4ConfigReply does not survive a round trip: \(again)")
        if let words = reply.words {
            // With a configuration every byte is meaningful; only "none" ignores the words after it.
            expect(reply.encoded().elementsEqual(bytes), "Ipv4ConfigReply re-encodes differently")
            expect(words.count == Ipv4Conf.wordCount, "reply of \(words.count) words")
            expect((try? Ipv4Conf(words: words)) != nil, "14 words refused by Ipv4Conf")
        }
    } catch {
        direct = .failure(error)
        checkLength(error, decoding: bytes.count, size: size, "Ipv4ConfigReply")
    }
    expect(decodedThroughPages(bytes, as: Ipv4ConfigReply.self) == direct, "a page decodes otherwise than its bytes")
}

/// A fixed-size layout is refused for its length exactly when the length is wrong, and never
/// with an error that only encoding can raise.
private func checkLength(_ error: WireError, decoding count: Int, size: Int, _ name: String) {
    switch error {
    case .truncated(_, let needed, let available):
        expect(count < size && needed > available && available >= 0, "\(name): \(error) for \(count) bytes")
    case .trailingBytes(let extra):
        expect(count > size && extra == count - size, "\(name): \(error) for \(count) bytes")
    case .doesNotFit:
        expect(false, "\(name): decoding raised an encoding error: \(error)")
    case .invalidValue, .invalidUTF8, .tooLong:
        break
    }
    expect(!error.description.isEmpty, "\(name): empty error description")
}

/// The same bytes as they arrive in a memory message: copied into whole pages with `used` set to
/// their length, then decoded from the page as a receiver does.
private func decodedThroughPages<T: WireCodable>(_ bytes: UnsafeRawBufferPointer, as type: T.Type) -> Result<T, WireError> {
    var buffer = Buffer(byteCount: bytes.count)
    buffer.withUnsafeMutableBytes { page in page.copyMemory(from: bytes) }
    buffer.used = bytes.count
    return Result { () throws(WireError) in try buffer.decode(T.self) }
}

#if FUZZING
@_cdecl("fuzz_ipc_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
#else
/// Without libFuzzer (the normal build) the target replays the files it is given.
@main
struct ReplayIPC {
    static func main() {
        exit(replay(Array(CommandLine.arguments.dropFirst()), fuzz))
    }
}
#endif
