extension MQTTConfiguration {
    /// The broker as a URL, `mqtt://host:port` or `mqtts://host:port` (IPv6 in brackets), for
    /// logs and status. It never carries the user name or password.
    public var serverURL: String {
        "\(tls == nil ? "mqtt" : "mqtts")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// The server URL forms accepted, for error messages.
    static let acceptedServerURLs =
        "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (default ports 1883 and 8883; an IPv6 address in brackets, e.g. mqtt://[::1]:1883)"

    /// Parses `mqtt://host[:port]` or `mqtts://host[:port]` into a configuration with default
    /// settings.
    ///
    /// The default ports are 1883 and 8883; an IPv6 address is written in brackets
    /// (`mqtt://[fd00::1]:1883`); a single trailing `/` is tolerated. `mqtts` switches TLS on
    /// with `MQTTTLS()` (system trust store). User info, paths, queries and other schemes
    /// (`tcp://`, `ws://`) are refused rather than guessed at.
    /// - Throws: `MQTTError.invalidServerURL`, saying what was wrong and what is accepted.
    public static func server(_ url: String, clientID: String) throws(MQTTError) -> MQTTConfiguration {
        func refuse(_ why: String) -> MQTTError {
            .invalidServerURL("\(why) in \"\(url)\"; \(acceptedServerURLs)")
        }
        guard let schemeEnd = url.firstRange(of: "://") else { throw refuse("no scheme") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let secure: Bool
        switch scheme {
        case "mqtt": secure = false
        case "mqtts": secure = true
        default: throw refuse("unsupported scheme \"\(scheme)\"")
        }
        var authority = url[schemeEnd.upperBound...]
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        if let bad = authority.first(where: { "/?#@".contains($0) }) {
            throw refuse(bad == "@" ? "user info is not accepted (set username and password instead)" : "a path or query is not accepted")
        }

        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("unclosed IPv6 bracket") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if rest.isEmpty {
                portText = nil
            } else if rest.hasPrefix(":") {
                portText = rest.dropFirst()
            } else {
                throw refuse("unexpected text after the IPv6 address")
            }
            guard host.contains(":") else { throw refuse("brackets are only for IPv6 addresses") }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            if portText?.contains(":") == true { throw refuse("an IPv6 address must be in brackets") }
        } else {
            host = authority
            portText = nil
        }
        guard !host.isEmpty else { throw refuse("no host") }
        guard !host.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) else {
            throw refuse("white space in the host")
        }

        var port = secure ? 8883 : 1883
        if let portText {
            guard !portText.isEmpty, portText.utf8.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(portText), (1...65535).contains(value)
            else { throw refuse("port must be a number from 1 to 65535") }
            port = value
        }

        var configuration = MQTTConfiguration(host: String(host), port: port, clientID: clientID)
        if secure { configuration.tls = MQTTTLS() }
        return configuration
    }
}
