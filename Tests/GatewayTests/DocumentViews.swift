import Gateway
import GatewayControl
import TestJSON

// Typed documents as plain JSON, for tests that look at them the way a consumer on the broker
// does: by member name, whatever Swift type wrote them.

extension Discovery.Entity {
    /// The entity's config as Home Assistant receives it.
    var json: JSONValue { try! JSONValue.parse(DocumentCoding.encode(document)) }
}

extension Discovery.Config {
    /// The retained payload as Home Assistant receives it.
    var json: JSONValue { try! JSONValue.parse(payload) }
}
