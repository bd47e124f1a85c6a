import CMosquitto

/// Applies the configuration to a fresh `mosquitto *`; runs before every attempt, because each
/// attempt starts from a new handle.
extension ClientCore {
    /// Returns why the handle could not be configured, or nil.
    func configure(_ mosq: OpaquePointer) -> String? {
        // Our own thread calls mosquitto_loop; threaded mode makes publish from other threads
        // queue the packet and wake our select instead of writing to the socket itself.
        mosquitto_threaded_set(mosq, true)
        let version = configuration.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        if let problem = check(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, version), "protocol version") {
            return problem
        }
        if configuration.username != nil || configuration.password != nil {
            let code = mosquitto_username_pw_set(mosq, configuration.username, configuration.password)
            if let problem = check(code, "username/password") { return problem }
        }
        if let will = configuration.will {
            // Set before every connect: the will travels in the CONNECT packet.
            let code = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(mosq, will.topic, Int32(bytes.count), bytes.baseAddress, Int32(will.qos), will.retain)
            }
            if let problem = check(code, "last will") { return problem }
        }
        if let tls = configuration.tls, let problem = configureTLS(mosq, tls) { return problem }
        installCallbacks(on: mosq)
        return nil
    }

    private func configureTLS(_ mosq: OpaquePointer, _ tls: MQTTTLS) -> String? {
        if let caFile = tls.caFile {
            let code = mosquitto_tls_set(mosq, caFile, nil, tls.certFile, tls.keyFile, nil)
            if let problem = check(code, "TLS files (CA \(caFile))") { return problem }
        } else {
            // libmosquitto creates a TLS context only when it has a CA file, a CA directory or
            // this option, so even an unverified connection needs one of them.
            if let problem = check(mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "TLS system trust store") {
                return problem
            }
        }
        if !tls.verifyPeer {
            // In 2.0.11 "insecure" only skips the host-name check; the chain is still verified
            // unless cert_reqs is SSL_VERIFY_NONE (0). Both are needed to skip verification.
            if let problem = check(mosquitto_tls_opts_set(mosq, 0, nil, nil), "TLS options") { return problem }
            if let problem = check(mosquitto_tls_insecure_set(mosq, true), "TLS insecure mode") { return problem }
        }
        return nil
    }

    private func check(_ code: Int32, _ what: String) -> String? {
        code == MosquittoLibrary.success ? nil : "cannot set \(what): \(MosquittoLibrary.message(for: code))"
    }
}
