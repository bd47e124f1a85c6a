import Testing

/// The specification of GatewayJSON, one nested suite per topic (one file each).
///
/// Everything here is pure computation on values, so the suites may run in parallel.
@Suite("GatewayJSON: compact JSON for MQTT payloads and untrusted control requests")
enum GatewayJSONSpec {}
