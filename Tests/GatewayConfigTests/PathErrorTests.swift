#if canImport(Glibc)
import Glibc
#endif
import GatewayConfig
import TestHarness
import Testing

/// Every path a user gives that is not a readable regular file (a directory, a FIFO, a device,
/// a link to nothing) is refused at once with the path and the setting named: never a hang on
/// a FIFO, never a directory or /dev/null read as an empty file.
@Suite("Settings: paths that are not files")
struct PathErrorTests {
    /// The not-files of a fresh directory, by what they are.
    static func notFiles(in directory: TemporaryDirectory) -> [(kind: String, path: String)] {
        let fifo = directory.path + "/a-fifo"
        mkfifo(fifo, 0o600)
        let dangling = directory.path + "/dangling"
        symlink(directory.path + "/nothing-here", dangling)
        let sub = directory.path + "/a-directory"
        mkdir(sub, 0o700)
        return [("a FIFO", fifo), ("a directory", sub), ("a character device", "/dev/null"), ("a symbolic link to nothing", dangling)]
    }

    /// Loads and returns the error messages and how long the load took.
    static func timedProblems(file: String?, flags: [String: (value: String, flag: String)] = [:]) -> ([String], Double) {
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_MONOTONIC, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        let start = now()
        var messages: [String] = []
        do {
            _ = try GatewaySettings.load(file: file, environment: [:], flags: flags)
        } catch {
            messages = error.errors.map(\.description)
        }
        return (messages, now() - start)
    }

    @Test("--config naming a FIFO, a directory, a device or a dangling link: a clear error at once")
    func configurationFile() {
        let directory = TemporaryDirectory()
        for (kind, path) in Self.notFiles(in: directory) {
            let (messages, seconds) = Self.timedProblems(file: path)
            #expect(seconds < 1, "\(kind): \(seconds) s")
            #expect(messages.count == 1 && messages[0].contains(path) && messages[0].contains(kind), "\(kind): \(messages)")
        }
    }

    @Test("a file setting (password, CA, certificate, key, scenario) naming one: the key, the flag and the path in the error",
          arguments: [("mqtt.password_file", "--mqtt-password-file"), ("mqtt.ca", "--mqtt-ca"), ("mqtt.cert", "--mqtt-cert"),
                      ("mqtt.key", "--mqtt-key"), ("source.scenario", "--scenario")])
    func fileSettings(key: String, flag: String) {
        let directory = TemporaryDirectory()
        for (kind, path) in Self.notFiles(in: directory) {
            let (messages, seconds) = Self.timedProblems(file: nil, flags: [key: (path, flag)])
            #expect(seconds < 1)
            #expect(messages.count == 1, "\(kind): \(messages)")
            let message = messages.first ?? ""
            #expect(message.contains(key) && message.contains(flag) && message.contains(path) && message.contains(kind), "\(message)")
        }
    }

    @Test("the same in the file: the error names the file and line as well")
    func fileSettingInTheFile() {
        let directory = TemporaryDirectory()
        let fifo = Self.notFiles(in: directory)[0].path
        let config = directory.write("gatewayd.yaml", "mqtt:\n  ca: \(fifo)\n")
        let (messages, seconds) = Self.timedProblems(file: config)
        #expect(seconds < 1)
        #expect(messages.count == 1 && messages[0].contains("\(config):2") && messages[0].contains("mqtt.ca") && messages[0].contains("a FIFO"), "\(messages)")
    }

    @Test("an unreadable file is refused with the system's reason", .enabled(if: geteuid() != 0, "root reads every file"))
    func unreadable() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("secret", "password")
        chmod(path, 0)
        let (messages, _) = Self.timedProblems(file: nil, flags: ["mqtt.password_file": (path, "--mqtt-password-file")])
        #expect(messages.count == 1 && messages[0].contains("Permission denied"), "\(messages)")
    }
}
