/// The MQTT protocol revision spoken to the broker.
///
/// 3.1.1 is what Home Assistant's own client uses and what every broker accepts; 5 adds reason
/// codes on refusal, which make an authentication failure easier to diagnose.
public enum MQTTProtocolVersion: Sendable, Hashable, CustomStringConvertible {
    /// MQTT 3.1.1 (protocol level 4).
    case v311
    /// MQTT 5 (protocol level 5).
    case v5

    /// "3.1.1" or "5", as users write it in configuration files.
    public var description: String {
        switch self {
        case .v311: "3.1.1"
        case .v5: "5"
        }
    }
}
