/// Reads back what the broker keeps of this gateway's discovery: the retained configs of its
/// device id and prefix in either form, and its record (`DiscoveryRecord`).
///
/// The broker sends a subscriber the retained messages of a filter when it subscribes. So the
/// scan subscribes to its `filters`, then sends itself the `marker` on a topic it also
/// subscribed to: the broker handles a client's packets in order, so once the marker comes
/// back, every retained message those subscriptions brought has arrived before it.
public struct DiscoveryScan: Sendable {
    /// The topics looked at: `Discovery.candidateTopics` of the configuration's id and prefix.
    public let candidates: Set<String>
    /// Where the record is.
    public let recordTopic: String
    /// Where the marker goes.
    public let markerTopic: String
    /// The marker's payload, different for every scan, so that a stale marker of an earlier
    /// scan never ends this one.
    public let marker: [UInt8]

    /// The candidate topics that hold a config (or a migration mark) now.
    public private(set) var found: Set<String> = []
    /// The record, when the broker has one that reads as gatewayd's.
    public private(set) var record: DiscoveryRecord?
    /// Whether anything is retained on the record topic (a record, or something unreadable).
    public private(set) var recordPresent = false
    /// True once the marker came back.
    public private(set) var isComplete = false

    /// A scan for `configuration`'s device id, prefix and base topic; `token` tells this scan's
    /// marker from any other.
    public init(_ configuration: GatewayConfiguration, token: String) {
        let topics = Topics(configuration)
        candidates = Set(Discovery.candidateTopics(prefix: configuration.discoveryPrefix, id: configuration.deviceID))
        recordTopic = topics.discoveryRecord
        markerTopic = topics.discoveryScan
        marker = Array(#"{"scan":"\#(token)"}"#.utf8)
    }

    /// The filters to subscribe to before sending the marker (and to unsubscribe from after).
    public var filters: [String] { candidates.sorted() + [recordTopic, markerTopic] }

    /// Takes a message that arrived; false when it is none of the scan's business.
    public mutating func take(topic: String, payload: [UInt8]) -> Bool {
        if topic == markerTopic {
            if payload == marker { isComplete = true }
            return true
        }
        if topic == recordTopic {
            recordPresent = !payload.isEmpty
            record = payload.isEmpty ? nil : DiscoveryRecord(parsing: payload)
            return true
        }
        guard candidates.contains(topic) else { return false }
        // A retained config, or one published (or cleared) while the scan runs.
        if payload.isEmpty { found.remove(topic) } else { found.insert(topic) }
        return true
    }

    /// The topics the record names that the scan did not look at itself.
    public var recordedElsewhere: Set<String> { Set(record?.topics ?? []).subtracting(candidates) }
}
