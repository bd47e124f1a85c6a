import Testing
import XousIPC

extension XousIPCSpec {
    /// `xous::Error` (`xous-rs/src/definitions.rs`): a peer that only sees the number must read
    /// the same meaning as on Xous.
    @Suite("XousError: Xous's error numbers")
    struct XousErrorSpec {
        struct Numbered: Sendable, CustomTestStringConvertible {
            let error: XousError
            let name: String
            let code: UInt
            var testDescription: String { "\(name) = \(code)" }
        }

        /// Xous's table, by hand: name and number of each error.
        static let xous: [Numbered] = [
            .init(error: .noError, name: "NoError", code: 0),
            .init(error: .badAlignment, name: "BadAlignment", code: 1),
            .init(error: .badAddress, name: "BadAddress", code: 2),
            .init(error: .outOfMemory, name: "OutOfMemory", code: 3),
            .init(error: .memoryInUse, name: "MemoryInUse", code: 4),
            .init(error: .interruptNotFound, name: "InterruptNotFound", code: 5),
            .init(error: .interruptInUse, name: "InterruptInUse", code: 6),
            .init(error: .invalidString, name: "InvalidString", code: 7),
            .init(error: .serverExists, name: "ServerExists", code: 8),
            .init(error: .serverNotFound, name: "ServerNotFound", code: 9),
            .init(error: .processNotFound, name: "ProcessNotFound", code: 10),
            .init(error: .processNotChild, name: "ProcessNotChild", code: 11),
            .init(error: .processTerminated, name: "ProcessTerminated", code: 12),
            .init(error: .timeout, name: "Timeout", code: 13),
            .init(error: .internalError, name: "InternalError", code: 14),
            .init(error: .serverQueueFull, name: "ServerQueueFull", code: 15),
            .init(error: .threadNotAvailable, name: "ThreadNotAvailable", code: 16),
            .init(error: .unhandledSyscall, name: "UnhandledSyscall", code: 17),
            .init(error: .invalidSyscall, name: "InvalidSyscall", code: 18),
            .init(error: .shareViolation, name: "ShareViolation", code: 19),
            .init(error: .invalidThread, name: "InvalidThread", code: 20),
            .init(error: .invalidPID, name: "InvalidPID", code: 21),
            .init(error: .unknownError, name: "UnknownError", code: UInt.max),
            .init(error: .accessDenied, name: "AccessDenied", code: 23),
            .init(error: .useBeforeInit, name: "UseBeforeInit", code: 24),
            .init(error: .doubleFree, name: "DoubleFree", code: 25),
            .init(error: .debugInProgress, name: "DebugInProgress", code: 26),
            .init(error: .invalidLimit, name: "InvalidLimit", code: 27),
            .init(error: .notFound, name: "NotFound", code: 28),
            .init(error: .invalidCoding, name: "InvalidCoding", code: 29),
            .init(error: .hardwareError, name: "HardwareError", code: 30),
            .init(error: .serializationError, name: "SerializationError", code: 31),
            .init(error: .invalidArgument, name: "InvalidArgument", code: 32),
            .init(error: .networkError, name: "NetworkError", code: 33),
            .init(error: .storageError, name: "StorageError", code: 34),
            .init(error: .unavailable, name: "Unavailable", code: 35),
            .init(error: .parseError, name: "ParseError", code: 36),
            .init(error: .invalidCore, name: "InvalidCore", code: 37),
            .init(error: .verificationError, name: "VerificationError", code: 38),
            .init(error: .securityError, name: "SecurityError", code: 39),
        ]

        @Test("each error has Xous's number on the wire and reads back from it", arguments: xous)
        func wireNumber(_ entry: Numbered) {
            #expect(entry.error.code == entry.code)
            #expect(XousError(code: entry.code) == entry.error)
            #expect(entry.error.description.hasPrefix(entry.name + " "))
        }

        @Test("the model has exactly Xous's forty errors, numbered 0 through 39")
        func exactlyXousErrors() {
            #expect(XousError.allCases.count == 40)
            #expect(XousError.allCases.map(\.rawValue) == Array(0...39))
            #expect(Set(Self.xous.map(\.error)) == Set(XousError.allCases))
        }

        @Test("UnknownError's wire code is UInt.max (usize::MAX), not 22")
        func unknownErrorIsMax() {
            #expect(XousError.unknownError.code == UInt.max)
            #expect(XousError(code: UInt.max) == .unknownError)
        }

        @Test("XousError(code:) reads any number Xous does not define as UnknownError",
              arguments: [22, 40, 41, 255, 1 << 32, UInt.max - 1] as [UInt])
        func undefinedNumbersAreUnknown(_ code: UInt) {
            #expect(XousError(code: code) == .unknownError)
        }
    }
}
