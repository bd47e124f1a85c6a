import CMosquitto
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Process-wide libmosquitto set-up and the few constants the client compares against.
enum MosquittoLibrary {
    /// `mosquitto_lib_init` is not thread-safe and must run once per process, before any
    /// `mosquitto_new`. A global `let` is initialised exactly once, on first use, under the
    /// runtime's once-guard, which is the guarantee needed. `mosquitto_lib_cleanup` is never
    /// called: clients may exist until the process ends, and the OS reclaims the rest.
    static let initialised: Bool = mosquitto_lib_init() == success

    static let success = Int32(MOSQ_ERR_SUCCESS.rawValue)
    static let noConnection = Int32(MOSQ_ERR_NO_CONN.rawValue)
    static let connectionLost = Int32(MOSQ_ERR_CONN_LOST.rawValue)
    static let connectionRefused = Int32(MOSQ_ERR_CONN_REFUSED.rawValue)
    static let protocolError = Int32(MOSQ_ERR_PROTOCOL.rawValue)
    static let keepalive = Int32(MOSQ_ERR_KEEPALIVE.rawValue)
    static let systemError = Int32(MOSQ_ERR_ERRNO.rawValue)
    static let lookupError = Int32(MOSQ_ERR_EAI.rawValue)
    static let tlsError = Int32(MOSQ_ERR_TLS.rawValue)
    static let tlsHandshakeError = Int32(MOSQ_ERR_TLS_HANDSHAKE.rawValue)

    /// libmosquitto's sentence for a `MOSQ_ERR_*` code. For `MOSQ_ERR_ERRNO` it reads `errno`,
    /// so callers that saved `errno` use `systemMessage` instead.
    static func message(for code: Int32) -> String {
        String(cString: mosquitto_strerror(code))
    }

    /// The C library's sentence for an `errno` value.
    static func systemMessage(_ number: Int32) -> String {
        String(cString: strerror(number))
    }

    /// The resolver's sentence for a `getaddrinfo` code (libmosquitto leaves it in `errno`).
    static func resolverMessage(_ code: Int32) -> String {
        String(cString: gai_strerror(code))
    }
}
