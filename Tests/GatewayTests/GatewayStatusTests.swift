import Gateway
import GatewayControl
import NetServer
import Testing

/// The documents gatewayctl reads have optional fields, so that it can read an older or newer
/// gatewayd; these tests hold gatewayd to writing every one of them.
@Suite("What gatewayd writes in its status")
struct GatewayStatusTests {
    /// The paths of the optionals in `value` that are nil, at any depth.
    func nilPaths(_ value: Any, path: String = "") -> [String] {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return [path] }
            return nilPaths(wrapped, path: path)
        }
        return mirror.children.flatMap { child in nilPaths(child.value, path: path + "." + (child.label ?? "?")) }
    }

    @Test("every field of the status answer is filled, the Wi-Fi state's included")
    func everyFieldFilled() {
        var status = GatewayStatus()
        status.lastStatus = PayloadTests.connected
        status.updatesReceived = 3
        status.mqttLastError = "connection refused"
        let document = status.statusData(configuration: GatewayConfiguration())
        #expect(nilPaths(document) == [])
        // The check sees a nil it should: it is not vacuous.
        var missing = document
        missing.counters?.netServerLost = nil
        #expect(nilPaths(missing) == [".counters.netServerLost"])
    }

    @Test("before the first Wi-Fi status and error, wlan and last_error are written as null, not left out")
    func documentedNulls() {
        let text = String(decoding: DocumentCoding.encode(GatewayStatus().statusData(configuration: GatewayConfiguration())), as: UTF8.self)
        #expect(text.contains(#""wlan":null"#))
        #expect(text.contains(#""last_error":null"#))
        #expect(nilPaths(GatewayStatus().statusData(configuration: GatewayConfiguration())).sorted() == ["._wlan.wrappedValue", ".mqtt._lastError.wrappedValue"])
    }
}
