import GatewayControl

/// One retained discovery config, in either form.
public enum DiscoveryDocument: Encodable, Sendable, Hashable {
    /// An entity-form config: one entity, with its device and origin.
    case entity(DiscoveryEntity)
    /// A device-form config: the device, the origin and every entity as a component.
    case device(DiscoveryDevicePayload)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .entity(let entity): try entity.encode(to: encoder)
        case .device(let device): try device.encode(to: encoder)
        }
    }
}

/// A device-form config (`<prefix>/device/<id>/config`), as Home Assistant's device-based
/// discovery names its blocks.
public struct DiscoveryDevicePayload: Codable, Sendable, Hashable {
    /// The device, said once for every component.
    public var device: DiscoveryEntity.Device
    /// Who publishes the config.
    public var origin: DiscoveryEntity.Origin
    /// The entities, by object id; each names its platform.
    public var components: [String: DiscoveryEntity]

    enum CodingKeys: String, CodingKey {
        case device = "dev", origin = "o", components = "cmps"
    }
}

/// One entity's discovery config, with Home Assistant's MQTT option names. Options an entity
/// does not use are left out.
public struct DiscoveryEntity: Codable, Sendable, Hashable {
    /// The platform (`sensor`, `binary_sensor`, `switch`): only in a device config's component.
    public var platform: String?
    /// The entity's name, under the device's.
    public var name: String?
    /// `<device id>_<object id>`.
    public var uniqueID: String?
    /// Where a switch's commands go.
    public var commandTopic: String?
    /// A switch's on and off commands, or a binary sensor's on and off states.
    public var payloadOn: String?
    /// A switch's off command, or a binary sensor's off state.
    public var payloadOff: String?
    /// Where the state comes from.
    public var stateTopic: String?
    /// How the state is read from the state topic's payload.
    public var valueTemplate: String?
    /// A switch's state values.
    public var stateOn: String?
    /// A switch's off state value.
    public var stateOff: String?
    /// Home Assistant's device class, unit and state class.
    public var deviceClass: String?
    /// The unit of the state (`dBm`).
    public var unitOfMeasurement: String?
    /// `measurement` for a sensor Home Assistant keeps statistics of.
    public var stateClass: String?
    /// `diagnostic` or `config`.
    public var entityCategory: String?
    /// A Material Design icon.
    public var icon: String?
    /// An enum sensor's values.
    public var options: [String]?
    /// When the entity is available.
    public var availability: [Availability]?
    /// `all`: available only while every availability topic says so.
    public var availabilityMode: String?
    /// The device (entity form only).
    public var device: Device?
    /// Who publishes the config (entity form only).
    public var origin: Origin?

    /// One availability topic.
    public struct Availability: Codable, Sendable, Hashable {
        /// The topic that says whether the entity is available.
        public var topic: String
        /// How the availability is read from its payload.
        public var valueTemplate: String?
        /// The value meaning available (`online` when absent).
        public var payloadAvailable: String?
        /// The value meaning not available (`offline` when absent).
        public var payloadNotAvailable: String?

        /// An availability topic.
        public init(topic: String, valueTemplate: String? = nil, payloadAvailable: String? = nil, payloadNotAvailable: String? = nil) {
            self.topic = topic
            self.valueTemplate = valueTemplate
            self.payloadAvailable = payloadAvailable
            self.payloadNotAvailable = payloadNotAvailable
        }

        enum CodingKeys: String, CodingKey {
            case topic, valueTemplate = "value_template", payloadAvailable = "payload_available"
            case payloadNotAvailable = "payload_not_available"
        }
    }

    /// The device the entities belong to.
    public struct Device: Codable, Sendable, Hashable {
        /// The ids Home Assistant knows the device by.
        public var identifiers: [String]
        /// The name shown.
        public var name: String
        /// Who made it.
        public var manufacturer: String
        /// What it is.
        public var model: String
        /// gatewayd's version.
        public var swVersion: String
        /// `[["mac", "02:…"]]` once the Wi-Fi MAC is known.
        public var connections: [[String]]?

        enum CodingKeys: String, CodingKey {
            case identifiers, name, manufacturer, model, swVersion = "sw_version", connections
        }
    }

    /// The software that publishes the config.
    public struct Origin: Codable, Sendable, Hashable {
        /// The name shown.
        public var name: String
        /// gatewayd's version.
        public var swVersion: String

        enum CodingKeys: String, CodingKey {
            case name, swVersion = "sw_version"
        }
    }

    /// An entity with the options given; the rest are filled in by ``Discovery``.
    public init(
        commandTopic: String? = nil, payloadOn: String? = nil, payloadOff: String? = nil, stateTopic: String? = nil,
        valueTemplate: String? = nil, stateOn: String? = nil, stateOff: String? = nil, deviceClass: String? = nil,
        unitOfMeasurement: String? = nil, stateClass: String? = nil, entityCategory: String? = nil, icon: String? = nil,
        options: [String]? = nil
    ) {
        self.commandTopic = commandTopic
        self.payloadOn = payloadOn
        self.payloadOff = payloadOff
        self.stateTopic = stateTopic
        self.valueTemplate = valueTemplate
        self.stateOn = stateOn
        self.stateOff = stateOff
        self.deviceClass = deviceClass
        self.unitOfMeasurement = unitOfMeasurement
        self.stateClass = stateClass
        self.entityCategory = entityCategory
        self.icon = icon
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case platform = "p", name, uniqueID = "unique_id", commandTopic = "command_topic", payloadOn = "payload_on"
        case payloadOff = "payload_off", stateTopic = "state_topic", valueTemplate = "value_template", stateOn = "state_on"
        case stateOff = "state_off", deviceClass = "device_class", unitOfMeasurement = "unit_of_measurement"
        case stateClass = "state_class", entityCategory = "entity_category", icon, options, availability
        case availabilityMode = "availability_mode", device, origin
    }
}
