// libFuzzer target for the configuration loader: the bytes are a YAML file given with
// `--config`, loaded through the same path as gatewayd's (file read, UTF-8, YAML, keys, types,
// ranges). scripts/fuzz builds and runs it.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import GatewayConfig

/// A private directory for the file under test: the loader reads a path, not bytes, and
/// resolves relative paths in the file against the file's directory.
private let directory: String = {
    let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(base)/fuzz-config-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp in \(base): \(String(cString: strerror(errno)))") }
    atexit {
        unlink(configPath)
        rmdir(directory)
    }
    return String(cString: made)
}()

private let configPath = directory + "/gatewayd.yaml"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    writeConfig(UnsafeBufferPointer(start: data, count: size))
    do {
        let settings = try GatewaySettings.load(file: configPath, environment: [:])
        checkLoaded(settings)
        checkRoundTrip(settings)
    } catch {
        expect(!error.errors.isEmpty, "load failed with no error")
        for problem in error.errors {
            // With neither variables nor flags, every problem is the file's, and says where.
            expect(problem.origin == configPath || problem.origin.hasPrefix(configPath + ":"),
                   "error does not name the file: \(problem)")
            if !problem.key.isEmpty {
                let line = Int(problem.origin.dropFirst(configPath.count + 1))
                expect(line.map { $0 >= 1 } == true, "error about \(problem.key) has no line: \(problem)")
            }
            expect(!problem.message.isEmpty, "error without a message: \(problem)")
        }
    }
    return 0
}

/// Every value that loads is one its key accepts, and the password is never shown.
private func checkLoaded(_ settings: GatewaySettings) {
    for (path, entry) in settings.entries {
        guard let key = SettingKey.named(path) else {
            expect(false, "loaded a value for unknown key \(path)")
            continue
        }
        switch (key.type, entry.value) {
        case (.int(let range), .int(let number)):
            expect(range.contains(number), "\(path) = \(number), outside \(range)")
        case (.bool, .bool):
            break
        case (.choice(let words), .string(let word)):
            expect(words.contains(word), "\(path) = \(word.debugDescription), not a choice")
        case (.string, .string(let text)), (.file, .string(let text)):
            expect(!text.isEmpty && !text.utf8.contains(0), "\(path) = \(text.debugDescription)")
        default:
            expect(false, "\(path) holds \(entry.value), not a \(key.type)")
        }
        if case .file(let file, let line) = entry.origin {
            expect(file == configPath && line >= 1, "\(path) comes from \(entry.origin)")
        } else {
            expect(entry.origin == .defaultValue, "\(path) comes from \(entry.origin) with no variables or flags")
        }
    }
    for row in settings.report where SettingKey.named(row.key)?.secret == true {
        expect(row.value == "(set, hidden)" || row.value == "(not set)", "\(row.key) shown in the report")
    }
}

/// Settings written back as YAML load to the same values: nothing the loader accepts is lost or
/// changed by how it was spelled.
private func checkRoundTrip(_ settings: GatewaySettings) {
    let fromFile = settings.entries.filter { if case .file = $0.value.origin { true } else { false } }
    guard !fromFile.isEmpty else { return }
    var sections: [String: [String]] = [:]
    var topLevel: [String] = []
    for (path, entry) in fromFile.sorted(by: { $0.key < $1.key }) {
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            sections[parts[0], default: []].append("  \(parts[1]): \(yaml(entry.value))")
        } else {
            topLevel.append("\(path): \(yaml(entry.value))")
        }
    }
    var text = topLevel
    for (section, lines) in sections.sorted(by: { $0.key < $1.key }) { text += ["\(section):"] + lines }
    let rendered = Array((text.joined(separator: "\n") + "\n").utf8)
    rendered.withUnsafeBufferPointer { writeConfig($0) }
    let again: GatewaySettings
    do {
        again = try GatewaySettings.load(file: configPath, environment: [:])
    } catch {
        expect(false, "written back, the settings no longer load: \(error)\n\(String(decoding: rendered, as: UTF8.self))")
        return
    }
    for (path, entry) in fromFile {
        expect(again.entry(path)?.value == entry.value,
               "\(path): \(entry.value) written back loads as \(again.entry(path)?.value.description ?? "nothing")")
    }
}

/// `value` as a YAML scalar that reads back as exactly it.
private func yaml(_ value: SettingValue) -> String {
    switch value {
    case .int(let number): return String(number)
    case .bool(let flag): return flag ? "true" : "false"
    case .string(let text):
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case " "..."~": quoted.unicodeScalars.append(scalar)
            default:
                // Escaped, because YAML folds or refuses some raw characters (line breaks, BOM, C1).
                let hex = String(scalar.value, radix: 16, uppercase: true)
                quoted += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            }
        }
        return quoted + "\""
    }
}

private func writeConfig(_ bytes: UnsafeBufferPointer<UInt8>) {
    let descriptor = open(configPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { fatalError("\(configPath): \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    var done = 0
    while done < bytes.count {
        let wrote = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
        guard wrote > 0 else { fatalError("\(configPath): \(String(cString: strerror(errno)))") }
        done += wrote
    }
}

@main
enum Fuzz: FuzzMain {}
