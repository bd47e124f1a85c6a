public import SystemSupport
/// The error numbers of `xous::Error` (`xous-rs/src/definitions.rs`), with Xous's own codes.
///
/// Every failing call of the model throws one of these, so a peer that only sees the number
/// (as a process would across Xous's hosted-mode socket) reads the same meaning as on Xous.
public enum XousError: Int, Error, CaseIterable, Sendable, CustomStringConvertible {
    case noError = 0
    case badAlignment = 1
    case badAddress = 2
    case outOfMemory = 3
    case memoryInUse = 4
    case interruptNotFound = 5
    case interruptInUse = 6
    case invalidString = 7
    case serverExists = 8
    case serverNotFound = 9
    case processNotFound = 10
    case processNotChild = 11
    case processTerminated = 12
    case timeout = 13
    case internalError = 14
    case serverQueueFull = 15
    case threadNotAvailable = 16
    case unhandledSyscall = 17
    case invalidSyscall = 18
    case shareViolation = 19
    case invalidThread = 20
    case invalidPID = 21
    /// Encoded as `usize::MAX` by Xous's `to_usize`; `code` gives that value.
    case unknownError = 22
    case accessDenied = 23
    case useBeforeInit = 24
    case doubleFree = 25
    case debugInProgress = 26
    case invalidLimit = 27
    case notFound = 28
    case invalidCoding = 29
    case hardwareError = 30
    case serializationError = 31
    case invalidArgument = 32
    case networkError = 33
    case storageError = 34
    case unavailable = 35
    case parseError = 36
    case invalidCore = 37
    case verificationError = 38
    case securityError = 39

    /// The number Xous puts on the wire for this error (`UnknownError` is `usize::MAX`).
    public var code: UInt {
        self == .unknownError ? UInt.max : UInt(rawValue)
    }

    /// Decodes a wire number; anything Xous does not define is `unknownError`, as in Xous.
    public init(code: UInt) {
        if code <= 39, let known = XousError(rawValue: Int(code)) {
            self = known
        } else {
            self = .unknownError
        }
    }

    public var description: String {
        let name: String
        switch self {
        case .noError: name = "NoError"
        case .badAlignment: name = "BadAlignment"
        case .badAddress: name = "BadAddress"
        case .outOfMemory: name = "OutOfMemory"
        case .memoryInUse: name = "MemoryInUse"
        case .interruptNotFound: name = "InterruptNotFound"
        case .interruptInUse: name = "InterruptInUse"
        case .invalidString: name = "InvalidString"
        case .serverExists: name = "ServerExists"
        case .serverNotFound: name = "ServerNotFound"
        case .processNotFound: name = "ProcessNotFound"
        case .processNotChild: name = "ProcessNotChild"
        case .processTerminated: name = "ProcessTerminated"
        case .timeout: name = "Timeout"
        case .internalError: name = "InternalError"
        case .serverQueueFull: name = "ServerQueueFull"
        case .threadNotAvailable: name = "ThreadNotAvailable"
        case .unhandledSyscall: name = "UnhandledSyscall"
        case .invalidSyscall: name = "InvalidSyscall"
        case .shareViolation: name = "ShareViolation"
        case .invalidThread: name = "InvalidThread"
        case .invalidPID: name = "InvalidPID"
        case .unknownError: name = "UnknownError"
        case .accessDenied: name = "AccessDenied"
        case .useBeforeInit: name = "UseBeforeInit"
        case .doubleFree: name = "DoubleFree"
        case .debugInProgress: name = "DebugInProgress"
        case .invalidLimit: name = "InvalidLimit"
        case .notFound: name = "NotFound"
        case .invalidCoding: name = "InvalidCoding"
        case .hardwareError: name = "HardwareError"
        case .serializationError: name = "SerializationError"
        case .invalidArgument: name = "InvalidArgument"
        case .networkError: name = "NetworkError"
        case .storageError: name = "StorageError"
        case .unavailable: name = "Unavailable"
        case .parseError: name = "ParseError"
        case .invalidCore: name = "InvalidCore"
        case .verificationError: name = "VerificationError"
        case .securityError: name = "SecurityError"
        }
        return "\(name) (\(rawValue))"
    }
}

extension OSThread {
    /// A thread for the Xous model, whose calls fail with Xous's own errors: a thread the system
    /// refuses is `ThreadNotAvailable`, as `create_thread` says on Xous.
    public init(xous name: String, stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) throws(XousError) {
        do {
            try self.init(name: name, stackSize: stackSize, body)
        } catch {
            throw .threadNotAvailable
        }
    }
}
