import CMosquitto

/// Human sentences for the ways a connection fails, as `mqttDidDisconnect` and
/// `MQTTStatus.lastError` show them.
extension ClientCore {
    /// `mosquitto_connect` failed: resolution, TCP connect, or TLS set-up.
    func describeConnectFailure(_ code: Int32, errno savedErrno: Int32) -> String {
        let endpoint = configuration.endpointDescription
        switch code {
        case MosquittoLibrary.systemError:
            return "connect to \(endpoint) failed: \(MosquittoLibrary.systemMessage(savedErrno))"
        case MosquittoLibrary.lookupError:
            return "cannot resolve \(configuration.host): \(MosquittoLibrary.resolverMessage(savedErrno))"
        case MosquittoLibrary.tlsError, MosquittoLibrary.tlsHandshakeError:
            return withComplaint("TLS set-up for \(endpoint) failed")
        default:
            return "connect to \(endpoint) failed: \(MosquittoLibrary.message(for: code))"
        }
    }

    /// `mosquitto_loop` returned an error: the connection ended or was refused.
    func describeSessionEnd(_ code: Int32, errno savedErrno: Int32) -> String {
        let endpoint = configuration.endpointDescription
        if let refusal = session.refusal { return refusal }
        switch code {
        case MosquittoLibrary.tlsError, MosquittoLibrary.tlsHandshakeError:
            return withComplaint(session.accepted ? "TLS error on the connection to \(endpoint)" : "TLS handshake with \(endpoint) failed")
        case MosquittoLibrary.keepalive:
            return session.accepted
                ? "keepalive timeout: \(endpoint) did not answer for \(configuration.keepAliveSeconds) s"
                : "no CONNACK from \(endpoint) within \(configuration.keepAliveSeconds) s"
        case MosquittoLibrary.connectionLost:
            return session.accepted ? "connection to \(endpoint) lost" : "\(endpoint) closed the connection before CONNACK"
        case MosquittoLibrary.systemError:
            return "connection to \(endpoint) failed: \(MosquittoLibrary.systemMessage(savedErrno))"
        case MosquittoLibrary.noConnection:
            // libmosquitto closed the socket inside a call that returned success: the broker
            // sent DISCONNECT (MQTT 5, with a reason code) or we did.
            if let reason = session.disconnectCode, reason != 0 {
                return "\(endpoint) closed the connection: \(reasonText(reason)) (reason 0x\(String(reason, radix: 16)))"
            }
            return "disconnected from \(endpoint)"
        default:
            return "connection to \(endpoint) failed: \(MosquittoLibrary.message(for: code))"
        }
    }

    /// CONNACK refused: 3.1.1 return codes 1…5, MQTT 5 reason codes from 0x80.
    func refusalReason(_ code: Int32) -> String {
        if configuration.protocolVersion == .v311 || code < 0x80 {
            let why = switch code {
            case 1: "unacceptable protocol version"
            case 2: "identifier rejected"
            case 3: "server unavailable"
            case 4: "bad user name or password"
            case 5: "not authorised"
            default: "unknown reason \(code)"
            }
            return "connection refused: \(why)"
        }
        return "connection refused: \(reasonText(code)) (reason 0x\(String(code, radix: 16)))"
    }

    /// libmosquitto's text for an MQTT 5 reason code, with a lower-case first letter to read
    /// well inside a sentence.
    private func reasonText(_ code: Int32) -> String {
        let text = String(cString: mosquitto_reason_string(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private func withComplaint(_ sentence: String) -> String {
        guard let complaint = session.libraryComplaint else { return sentence }
        return "\(sentence): \(complaint)"
    }
}
