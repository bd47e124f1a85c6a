#if canImport(Glibc)
import Glibc
#endif
import Yams

/// Where a setting's value came from, for messages and `--check-config`.
public enum SettingOrigin: Sendable, Hashable, CustomStringConvertible {
    case defaultValue
    /// The configuration file, and the line of the value.
    case file(path: String, line: Int)
    case environment(String)
    case flag(String)

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case let .file(path, line): "\(path):\(line)"
        case .environment(let name): "environment \(name)"
        case .flag(let name): name
        }
    }
}

/// A setting that cannot be used, with the key and where the value came from.
public struct SettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The key (`mqtt.keepalive`), or empty for the file as a whole.
    public let key: String
    /// Where the bad value came from, or the file that could not be read.
    public let origin: String
    /// What is wrong and what is expected.
    public let message: String

    /// An error for `key` whose value came from `origin`.
    public init(key: String, origin: String, message: String) {
        self.key = key
        self.origin = origin
        self.message = message
    }

    public var description: String {
        key.isEmpty ? "\(origin): \(message)" : "\(origin): \(key): \(message)"
    }
}

/// All errors found at once, so one `--check-config` run shows everything to fix.
public struct SettingsErrors: Error, Sendable, CustomStringConvertible {
    /// Each problem, in file order, then environment, then flags.
    public let errors: [SettingsError]

    /// A collection of `errors`.
    public init(errors: [SettingsError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// gatewayd's settings: defaults, overridden by a YAML file, by `GATEWAY_*` variables and by
/// flags, in that order; every value checked against `SettingKey.all` and kept with its origin.
public struct GatewaySettings: Sendable {
    /// A value and where it came from.
    public struct Entry: Sendable, Hashable {
        public let value: SettingValue
        public let origin: SettingOrigin
    }

    /// The configuration file that was read, if any.
    public private(set) var file: String?
    /// Problems that do not stop gatewayd: `GATEWAY_*` variables that name no setting. The
    /// environment is shared with everything else a shell or container runs, so an unknown
    /// variable is pointed out (with the closest name, in case of a typo), not refused.
    public private(set) var warnings: [SettingsError] = []
    private var storage: [String: Entry] = [:]

    /// The defaults alone.
    public init() {
        for key in SettingKey.all {
            if let value = key.defaultValue { storage[key.path] = Entry(value: value, origin: .defaultValue) }
        }
    }

    /// Loads the layers in order: defaults, `file` (if given), the `GATEWAY_*` variables of
    /// `environment`, then `flags` (keyed by setting path, values as typed on the command
    /// line, each with the flag's name).
    /// - Throws: `SettingsErrors` with every problem found: an unreadable file or bad YAML, an
    ///   unknown key (with the closest valid one), a wrong type, a value out of range, an
    ///   unknown `GATEWAY_*` variable.
    public static func load(
        file: String?, environment: [String: String], flags: [String: (value: String, flag: String)] = [:]
    ) throws(SettingsErrors) -> GatewaySettings {
        var settings = GatewaySettings()
        var errors: [SettingsError] = []
        if let file {
            settings.file = file
            do {
                let text = try readFile(file)
                try settings.apply(yaml: text, path: file, errors: &errors)
            } catch {
                errors.append(error)
            }
        }
        var warnings: [SettingsError] = []
        settings.apply(environment: environment, errors: &errors, warnings: &warnings)
        settings.warnings = warnings
        for (path, given) in flags.sorted(by: { $0.key < $1.key }) {
            guard let key = SettingKey.named(path) else { continue }
            settings.set(key, text: given.value, origin: .flag(given.flag), errors: &errors)
        }
        guard errors.isEmpty else { throw SettingsErrors(errors: errors) }
        return settings
    }

    // MARK: Reading values

    /// Every key that has a value, with its entry (secrets included: handle with care).
    public var entries: [String: Entry] { storage }

    /// The entry for `path`, if it has a value.
    public func entry(_ path: String) -> Entry? { storage[path] }

    /// Puts `entry` in for `path` (nil: unset): a reload that applied some settings of a newer
    /// load keeps the rest as they run.
    public mutating func replace(_ path: String, with entry: Entry?) { storage[path] = entry }

    /// The value at `path` as text, if set.
    public func string(_ path: String) -> String? {
        guard let value = storage[path]?.value else { return nil }
        return value.description
    }

    /// The value at `path` as a number, if set and whole.
    public func int(_ path: String) -> Int? {
        if case .int(let value)? = storage[path]?.value { return value }
        return nil
    }

    /// The value at `path` as a Boolean, if set.
    public func bool(_ path: String) -> Bool? {
        if case .bool(let value)? = storage[path]?.value { return value }
        return nil
    }

    /// Where the value at `path` came from (`default` when it was never set).
    public func origin(_ path: String) -> SettingOrigin { storage[path]?.origin ?? .defaultValue }

    /// An error about the value at `path`, naming where it came from.
    public func error(_ path: String, _ message: String) -> SettingsError {
        SettingsError(key: path, origin: origin(path).description, message: message)
    }

    /// Each key with its effective value (secrets hidden) and origin, for `--check-config`.
    public var report: [(key: String, value: String, origin: String)] {
        SettingKey.all.map { key in
            guard let entry = storage[key.path] else {
                return (key.path, key.computedDefault.map { "(\($0))" } ?? "(not set)", "default")
            }
            return (key.path, key.secret ? "(set, hidden)" : entry.value.description, entry.origin.description)
        }
    }

    // MARK: Layers

    private mutating func apply(yaml text: String, path: String, errors: inout [SettingsError]) throws(SettingsError) {
        let root: Node?
        let aliasKeyLine: Int?
        do {
            aliasKeyLine = try Self.aliasKeyLine(in: text)
            root = aliasKeyLine == nil ? try Yams.compose(yaml: text) : nil
        } catch {
            throw SettingsError(key: "", origin: path, message: "not valid YAML: \(Self.yamlProblem(error))")
        }
        if let aliasKeyLine {
            throw SettingsError(key: "", origin: "\(path):\(aliasKeyLine)", message: "an alias (*name) is used as a key; write the key out")
        }
        guard let root else { return }  // an empty file (or only comments): all defaults
        guard let top = root.mapping else {
            throw SettingsError(key: "", origin: "\(path):\(root.mark?.line ?? 1)", message: "expected a mapping of keys (like mqtt: …)")
        }
        for (keyNode, valueNode) in top {
            let name = keyNode.string ?? ""
            let line = keyNode.mark?.line ?? 0
            if SettingKey.sections.contains(name) {
                if valueNode.scalar?.string == "" || valueNode.tag == .init(.null) { continue }  // `mqtt:` with nothing under it
                guard let section = valueNode.mapping else {
                    errors.append(SettingsError(key: name, origin: "\(path):\(line)", message: "expected a mapping of \(name) keys"))
                    continue
                }
                for (subKey, subValue) in section {
                    let full = "\(name).\(subKey.string ?? "")"
                    apply(path: full, node: subValue, file: path, line: subKey.mark?.line ?? line, errors: &errors)
                }
            } else {
                apply(path: name, node: valueNode, file: path, line: line, errors: &errors)
            }
        }
    }

    private mutating func apply(path: String, node: Node, file: String, line: Int, errors: inout [SettingsError]) {
        let origin = SettingOrigin.file(path: file, line: line)
        guard let key = SettingKey.named(path) else {
            errors.append(SettingsError(key: path, origin: origin.description, message: "unknown key" + Self.suggestion(for: path)))
            return
        }
        guard let scalar = node.scalar else {
            errors.append(SettingsError(key: path, origin: origin.description, message: "expected \(key.type.expectation), got a \(node.mapping != nil ? "mapping" : "list")"))
            return
        }
        // `key: ~` or `key: null` (unquoted) means "not set here".
        if scalar.style == .plain, node.tag == .init(.null) { return }
        switch key.type {
        case .int:
            guard let number = node.int, scalar.style == .plain else {
                errors.append(SettingsError(key: path, origin: origin.description, message: "expected \(key.type.expectation), got '\(scalar.string)'"))
                return
            }
            set(key, value: .int(number), origin: origin, errors: &errors)
        case .bool:
            guard let flag = node.bool, scalar.style == .plain else {
                errors.append(SettingsError(key: path, origin: origin.description, message: "expected \(key.type.expectation), got '\(scalar.string)'"))
                return
            }
            set(key, value: .bool(flag), origin: origin, errors: &errors)
        case .string, .choice, .file:
            set(key, text: scalar.string, origin: origin, errors: &errors)
        }
    }

    private mutating func apply(environment: [String: String], errors: inout [SettingsError], warnings: inout [SettingsError]) {
        let byVariable = Dictionary(uniqueKeysWithValues: SettingKey.all.map { ($0.environmentVariable, $0) })
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("GATEWAY_") {
            if Self.otherVariables.contains(name) { continue }
            guard let key = byVariable[name] else {
                let suggestion = Self.closest(to: name, among: byVariable.keys.sorted() + Self.otherVariables).map { "; did you mean \($0)?" } ?? ""
                warnings.append(SettingsError(key: "", origin: "environment \(name)", message: "not a gatewayd setting, ignored\(suggestion)"))
                continue
            }
            // An empty variable is the same as an unset one (as shells and compose files produce them).
            if text.isEmpty { continue }
            set(key, text: text, origin: .environment(name), errors: &errors)
        }
    }

    /// Variables that name no setting but are not typos either: gatewayd's own
    /// `GATEWAY_CONFIG`, and CGI's `GATEWAY_INTERFACE`, which a web server may pass down.
    static let otherVariables = ["GATEWAY_CONFIG", "GATEWAY_INTERFACE"]

    /// Converts `text` for `key` and stores it, or records why not.
    private mutating func set(_ key: SettingKey, text: String, origin: SettingOrigin, errors: inout [SettingsError]) {
        let trimmed = text.trimmingSpaces()
        switch key.type {
        case .int:
            guard let number = Int(trimmed) else {
                errors.append(SettingsError(key: key.path, origin: origin.description, message: "expected \(key.type.expectation), got '\(text)'"))
                return
            }
            set(key, value: .int(number), origin: origin, errors: &errors)
        case .bool:
            switch trimmed.lowercased() {
            case "true", "yes", "on", "1": set(key, value: .bool(true), origin: origin, errors: &errors)
            case "false", "no", "off", "0": set(key, value: .bool(false), origin: origin, errors: &errors)
            default:
                errors.append(SettingsError(key: key.path, origin: origin.description, message: "expected \(key.type.expectation), got '\(text)'"))
            }
        case .string, .choice:
            set(key, value: .string(text), origin: origin, errors: &errors)
        case .file:
            // A relative path in the file is relative to the file, so a configuration directory
            // can be moved as a whole; elsewhere it is relative to the working directory.
            var path = text
            if case .file(let configuration, _) = origin, !path.hasPrefix("/"), let slash = configuration.lastIndex(of: "/") {
                path = String(configuration[...slash]) + path
            }
            guard !path.isEmpty else {
                errors.append(SettingsError(key: key.path, origin: origin.description, message: "must not be empty (leave the key out for the default)"))
                return
            }
            if let problem = Self.unreadable(path) {
                errors.append(SettingsError(key: key.path, origin: origin.description, message: "cannot read '\(path)': \(problem)"))
                return
            }
            set(key, value: .string(path), origin: origin, errors: &errors)
        }
    }

    /// Why `path` cannot be read as a file, or nil when it can.
    static func unreadable(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            // A link whose target is missing says so, rather than "no such file" for a path that is there.
            var link = stat()
            if errno == ENOENT, lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK { return "a symbolic link to nothing" }
            return String(cString: strerror(errno))
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return "\(kind(of: info.st_mode)), not a regular file" }
        guard access(path, R_OK) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }

    private mutating func set(_ key: SettingKey, value: SettingValue, origin: SettingOrigin, errors: inout [SettingsError]) {
        let shown = key.secret ? "(hidden)" : "'\(value)'"
        switch (key.type, value) {
        case (.int(let range), .int(let number)) where !range.contains(number):
            errors.append(SettingsError(key: key.path, origin: origin.description, message: "expected \(key.type.expectation), got \(number)"))
            return
        case (.choice(let words), .string(let word)) where !words.contains(word):
            let hint = Self.closest(to: word, among: words).map { "; did you mean \($0)?" } ?? ""
            errors.append(SettingsError(key: key.path, origin: origin.description, message: "expected \(key.type.expectation), got \(shown)\(hint)"))
            return
        case (.string, .string(let text)), (.file, .string(let text)):
            if text.isEmpty {
                errors.append(SettingsError(key: key.path, origin: origin.description, message: "must not be empty (leave the key out for the default)"))
                return
            }
            if text.utf8.contains(0) {
                errors.append(SettingsError(key: key.path, origin: origin.description, message: "contains a NUL character"))
                return
            }
        default:
            break
        }
        storage[key.path] = Entry(value: value, origin: origin)
    }

    // MARK: Helpers

    static func readFile(_ path: String) throws(SettingsError) -> String {
        // Opened without blocking and looked at before reading: a FIFO would wait for a writer
        // for ever, and a directory or a device would read as an empty (valid) file.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let why = errno == ENOENT ? (unreadable(path) ?? String(cString: strerror(ENOENT))) : String(cString: strerror(errno))
            throw SettingsError(key: "", origin: path, message: "cannot read the configuration file: \(why)")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw SettingsError(key: "", origin: path, message: "cannot read the configuration file: \(Self.kind(of: info.st_mode)), not a regular file")
        }
        guard let file = fdopen(descriptor, "r") else {
            close(descriptor)
            throw SettingsError(key: "", origin: path, message: "cannot read the configuration file: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[..<count]) }
            if count < chunk.count { break }
            // A configuration file is small; anything this big is a mistake.
            if bytes.count > 1 << 20 { throw SettingsError(key: "", origin: path, message: "larger than 1 MB: not a configuration file") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SettingsError(key: "", origin: path, message: "not UTF-8 text")
        }
        return text
    }

    /// What a file type is, for an error message.
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "not a file"
        }
    }

    /// The line of the first mapping key that is, or contains, an alias; nil when there is none.
    ///
    /// Checked before Yams composes the real document, because Yams checks every mapping for
    /// duplicate keys by hashing them, and an alias key hashes everything it names with each
    /// alias inside expanded: nine anchors of nine aliases each, a 700-byte file, cost 9^8 node
    /// visits, a minute and a half of CPU. The check composes a copy of the text in which `*` is
    /// a character the text does not contain, so every alias reads as a plain scalar starting
    /// with that character (a plain scalar cannot start with `*`) and nothing expands. The copy
    /// has the same lines and columns, so its YAML errors are the original's.
    static func aliasKeyLine(in text: String) throws -> Int? {
        guard text.utf8.contains(UInt8(ascii: "*")) else { return nil }
        let privateUse: ClosedRange<UInt32> = 0xE000...0xF8FF
        var used = Set<UInt32>()
        for scalar in text.unicodeScalars where privateUse.contains(scalar.value) { used.insert(scalar.value) }
        // A file holding all 6,400 private-use characters is no configuration; calling it an
        // alias key keeps the check total.
        guard let free = privateUse.first(where: { !used.contains($0) }), let stand = Unicode.Scalar(free) else { return 1 }
        var copy = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { copy.append(scalar == "*" ? stand : scalar) }
        guard let root = try Yams.compose(yaml: String(copy)) else { return nil }

        func isOrHoldsAlias(_ node: Node) -> Bool {
            switch node {
            case .scalar(let scalar): scalar.style == .plain && scalar.string.unicodeScalars.first == stand
            case .sequence(let sequence): sequence.contains(where: isOrHoldsAlias)
            case .mapping(let mapping): mapping.contains { isOrHoldsAlias($0.key) || isOrHoldsAlias($0.value) }
            case .alias: true
            }
        }
        func firstAliasKey(_ node: Node) -> Int? {
            switch node {
            case .scalar, .alias: return nil
            case .sequence(let sequence): return sequence.lazy.compactMap(firstAliasKey).first
            case .mapping(let mapping):
                for (key, value) in mapping {
                    if isOrHoldsAlias(key) { return key.mark?.line ?? 1 }
                    if let line = firstAliasKey(value) { return line }
                }
                return nil
            }
        }
        return firstAliasKey(root)
    }

    static func yamlProblem(_ error: any Error) -> String {
        guard let yaml = error as? YamlError else { return "\(error)" }
        switch yaml {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)"
        case let .duplicatedKeysInMapping(duplicates, _):
            return "a key appears twice: \(duplicates.joined(separator: ", "))"
        default:
            return "\(yaml)".split(separator: "\n").first.map(String.init) ?? "\(yaml)"
        }
    }

    /// "; did you mean mqtt.keepalive?" for a near miss, including a key put in the wrong
    /// section (`base_topic` at the top level suggests `mqtt.base_topic`).
    static func suggestion(for path: String) -> String {
        let name = path.split(separator: ".").last.map(String.init) ?? path
        if let moved = SettingKey.all.first(where: { $0.name == name && $0.path != path }) {
            return "; did you mean \(moved.path)?"
        }
        let candidates = SettingKey.all.map(\.path) + SettingKey.sections
        return closest(to: path, among: candidates).map { "; did you mean \($0)?" } ?? ""
    }

    /// The candidate within a small edit distance of `word`, if any.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
