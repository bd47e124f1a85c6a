#if canImport(Glibc)
import Glibc
#endif
import TestHarness
import Testing

/// scripts/install under a staging root (`--root`), with this build's programs: the layout it
/// makes, that it never overwrites a configuration, and that --uninstall takes it away again.
@Suite("scripts/install: installed like a daemon, and uninstalled")
struct InstallScriptTests {
    static let programs = ["gatewayd", "gatewayctl", "xous-kernel", "xous-names", "netserverd"]

    /// Runs scripts/install with `arguments`; its exit status and output.
    static func install(_ arguments: [String], log: String) throws -> Int32 {
        let script = repositoryRoot + "/scripts/install"
        let pid = try MosquittoBroker.spawn(["/bin/bash", script] + arguments, output: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }

    @Test("install puts the five programs, the example configuration and the unit in place; a second run keeps an edited configuration; --uninstall removes them")
    func installAndUninstall() throws {
        let directory = TemporaryDirectory()
        let root = directory.path + "/root"
        let binaries = GatewayProcess.binary("gatewayd").split(separator: "/").dropLast().joined(separator: "/")
        let log = directory.path + "/install.log"
        #expect(try Self.install(["--root", root, "--bin-dir", "/" + binaries], log: log) == 0, "\(readTextFile(log))")
        for program in Self.programs {
            #expect(Self.mode(root + "/usr/local/bin/" + program) == 0o755, "\(program)")
        }
        let config = root + "/etc/gatewayd/gatewayd.yaml"
        #expect(readTextFile(config) == readTextFile(repositoryRoot + "/config/gatewayd.yaml"))
        #expect(Self.mode(config) == 0o640)
        #expect(Self.mode(root + "/etc/gatewayd") == 0o750)
        #expect(readTextFile(root + "/etc/systemd/system/gatewayd.service") == readTextFile(repositoryRoot + "/config/gatewayd.service"))

        // An edited configuration survives a second install and an uninstall.
        try MosquittoBroker.writeFile(config, contents: "mqtt:\n  server: mqtt://broker.example:1883\n")
        #expect(try Self.install(["--root", root, "--bin-dir", "/" + binaries], log: log) == 0)
        #expect(readTextFile(config).contains("broker.example"))
        #expect(readTextFile(log).contains("kept \(config) as it is"))
        #expect(try Self.install(["--uninstall", "--root", root], log: log) == 0, "\(readTextFile(log))")
        for program in Self.programs { #expect(Self.mode(root + "/usr/local/bin/" + program) == nil) }
        #expect(Self.mode(root + "/etc/systemd/system/gatewayd.service") == nil)
        #expect(readTextFile(config).contains("broker.example"), "an edited configuration was removed")
        // --purge takes that too.
        #expect(try Self.install(["--uninstall", "--purge", "--root", root], log: log) == 0)
        #expect(Self.mode(root + "/etc/gatewayd") == nil)
    }

    @Test("an untouched example configuration goes with --uninstall")
    func uninstallRemovesTheExample() throws {
        let directory = TemporaryDirectory()
        let root = directory.path + "/root"
        let binaries = "/" + GatewayProcess.binary("gatewayd").split(separator: "/").dropLast().joined(separator: "/")
        let log = directory.path + "/install.log"
        #expect(try Self.install(["--root", root, "--bin-dir", binaries], log: log) == 0)
        #expect(try Self.install(["--uninstall", "--root", root], log: log) == 0)
        #expect(Self.mode(root + "/etc/gatewayd") == nil, "\(readTextFile(log))")
    }

    @Test("bad arguments and a missing program are refused with a message, nothing installed")
    func refusals() throws {
        let directory = TemporaryDirectory()
        let root = directory.path + "/root"
        let log = directory.path + "/install.log"
        #expect(try Self.install(["--purge", "--root", root], log: log) == 2)
        #expect(try Self.install(["--root", root, "--bin-dir", directory.path], log: log) == 1)
        #expect(readTextFile(log).contains("no gatewayd in \(directory.path)"))
        #expect(Self.mode(root + "/usr/local/bin/gatewayd") == nil)
    }
}
