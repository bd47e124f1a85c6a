/// The syscall numbers of Xous's hosted mode (`SysCallNumber`, `xous-rs/src/syscall.rs`) that
/// this project sends or answers.
public enum SyscallNumber: UInt, Sendable, CaseIterable {
    case mapMemory = 2
    case yield = 3
    case waitEvent = 9
    case createServerWithAddress = 14
    case receiveMessage = 15
    case sendMessage = 16
    case connect = 17
    case createThread = 18
    case unmapMemory = 19
    case returnMemory = 20
    case createProcess = 21
    case terminateProcess = 22
    case shutdown = 23
    case trySendMessage = 24
    case tryConnect = 25
    case returnScalar1 = 26
    case returnScalar2 = 27
    case tryReceiveMessage = 28
    case createServer = 29
    case connectForProcess = 30
    case createServerID = 31
    case getThreadID = 32
    case getProcessID = 33
    case destroyServer = 34
    case disconnect = 35
    case joinThread = 36
    case returnScalar5 = 40
    case replyAndReceiveNext = 41
}

/// The tag word of a hosted-mode answer (`xous::Result::to_args`, word A1).
public enum ResultTag: UInt, Sendable {
    case ok = 0
    case error = 1
    case memoryRange = 3
    case resumeProcess = 5
    case serverID = 6
    case connectionID = 7
    case newServerID = 8
    case messageEnvelope = 9
    case threadID = 10
    case processID = 11
    case scalar1 = 14
    case scalar2 = 15
    case retryCall = 16
    case none = 17
    case memoryReturned = 18
    case newProcess = 19
    case scalar5 = 20
}

/// One 72-byte hosted-mode frame: the thread id word, then eight words (a request's syscall
/// number and seven arguments, or an answer's tag and seven result words), little-endian.
///
/// The same shape travels both ways, so one type serves the client and the kernel; which
/// bytes follow it is decided by `requestPayloadLength` and the answer rules of the reader.
public struct HostedFrame: Hashable, Sendable, CustomStringConvertible {
    /// Bytes on the wire: nine 8-byte words.
    public static let size = 72

    /// R0 / A0: the thread the request is from or the answer is for.
    public var tid: UInt
    /// R1…R8 / A1…A8.
    public var words: [UInt]

    /// A frame; `words` is padded with zeros (or cut) to eight.
    public init(tid: UInt, _ words: [UInt]) {
        self.tid = tid
        var padded = Array(words.prefix(8))
        while padded.count < 8 { padded.append(0) }
        self.words = padded
    }

    /// A request: `syscall` and up to seven arguments.
    public init(tid: UInt, syscall: SyscallNumber, _ arguments: [UInt] = []) {
        self.init(tid: tid, [syscall.rawValue] + arguments)
    }

    /// An answer: `tag` and up to seven result words.
    public init(tid: UInt, result tag: ResultTag, _ values: [UInt] = []) {
        self.init(tid: tid, [tag.rawValue] + values)
    }

    /// Reads a frame from exactly 72 bytes.
    public init(bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= HostedFrame.size else { throw .truncated(field: "frame", needed: HostedFrame.size, available: bytes.count) }
        func word(_ index: Int) -> UInt { UInt(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))) }
        tid = word(0)
        words = (1...8).map(word)
    }

    /// The 72 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: HostedFrame.size)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt64(tid).littleEndian, toByteOffset: 0, as: UInt64.self)
            for (index, word) in words.enumerated() {
                raw.storeBytes(of: UInt64(word).littleEndian, toByteOffset: (index + 1) * 8, as: UInt64.self)
            }
        }
        return out
    }

    /// Word 1 (a request's syscall number, an answer's tag).
    public var first: UInt { words[0] }

    /// `a1`…`a7` of a request, `A2`…`A8` of an answer: index 1 is the first argument.
    public subscript(argument index: Int) -> UInt { words[index] }

    /// How many raw bytes follow this frame when it is a request (§4.3 of the hosted-mode
    /// notes): decided from the syscall number and the raw words alone, never from a successful
    /// decode, so that a kernel skips the payload of a request it refuses and stays in step.
    public var requestPayloadLength: UInt {
        switch SyscallNumber(rawValue: first) {
        case .sendMessage?, .trySendMessage?:
            return (1...3).contains(self[argument: 2]) ? self[argument: 5] : 0
        case .returnMemory?:
            return self[argument: 3]
        case .replyAndReceiveNext?:
            return self[argument: 7] == UInt.max && self[argument: 3] != 0 && self[argument: 4] != 0 ? self[argument: 4] : 0
        default:
            return 0
        }
    }

    /// The thread id and the first word only: the other words may be a SID's (CreateServer's
    /// answer, Connect's arguments), and a SID is never printed.
    public var description: String {
        "HostedFrame(tid: \(tid), \(words[0]), …)"
    }
}

extension SID {
    /// The four words a SID occupies in a frame: each u32 zero-extended, s0 first.
    var frameWords: [UInt] { let w = words; return [UInt(w.0), UInt(w.1), UInt(w.2), UInt(w.3)] }

    /// A SID from four frame words; nil when a word does not fit in 32 bits.
    init?(frameWords words: ArraySlice<UInt>) {
        let values = Array(words)
        guard values.count == 4, values.allSatisfy({ $0 <= UInt(UInt32.max) }) else { return nil }
        self.init(words: (UInt32(values[0]), UInt32(values[1]), UInt32(values[2]), UInt32(values[3])))
    }
}
