#if canImport(Glibc)
import Glibc
#endif
import TestHarness
import Testing
import Yams

/// The deployment files: docker/Dockerfile, docker/docker-compose.yml, .dockerignore,
/// config/gatewayd.service, and the release build they share with CI (scripts/build-release).
/// Nothing here needs Docker: the files are read and cross-checked as text and YAML, and the
/// unit is checked by systemd's own `systemd-analyze`.
@Suite("Deployment files: Dockerfile, compose file, systemd unit")
struct DeploymentFilesTests {
    /// The socket path every deployment uses: the unit's RuntimeDirectory, the image's volume.
    static let socketPath = "/run/gatewayd/gatewayd.sock"

    // MARK: docker-compose.yml

    @Test("the compose file is YAML with the mosquitto and gatewayd services, wired together")
    func composeServices() throws {
        let compose = try Compose.load()
        let mosquitto = try #require(compose.service("mosquitto"))
        let gatewayd = try #require(compose.service("gatewayd"))
        #expect(mosquitto["image"]?.string?.hasPrefix("eclipse-mosquitto:2") == true)
        #expect(mosquitto["ports"]?.array().compactMap(\.string).contains { $0.hasSuffix(":1883") } == true,
                "mosquitto must publish port 1883")
        #expect(gatewayd["restart"]?.string == "unless-stopped")
        #expect(Compose.dependencies(of: gatewayd) == ["mosquitto"])
        #expect(gatewayd["build"]?["dockerfile"]?.string == "docker/Dockerfile")

        let environment = Compose.environment(of: gatewayd)
        #expect(environment["GATEWAY_MQTT_SERVER"] == "mqtt://mosquitto:1883")
        #expect(environment["GATEWAY_MQTT_USER"] == "gatewayd")
        // The password file is a secret this service mounts, at the path the variable names.
        let secretNames = gatewayd["secrets"]?.array().compactMap { $0.string ?? $0["source"]?.string } ?? []
        let passwordFile = try #require(environment["GATEWAY_MQTT_PASSWORD_FILE"])
        #expect(secretNames.map { "/run/secrets/" + $0 }.contains(passwordFile),
                "GATEWAY_MQTT_PASSWORD_FILE=\(passwordFile) is not one of the secrets \(secretNames)")
        for name in secretNames {
            #expect(compose.root["secrets"]?[name]?["file"]?.string != nil, "secret \(name) is not declared with a file")
        }

        // gatewayd reads /etc/gatewayd/gatewayd.yaml from the mounted config directory, and its
        // socket directory is a volume.
        let mounts = Compose.mounts(of: gatewayd)
        let config = try #require(mounts.first { $0.target == "/etc/gatewayd" }, "config directory not mounted")
        #expect(config.readOnly)
        #expect(config.kind == "bind" && fileExists(Compose.hostPath(config.source) + "/gatewayd.yaml"))
        #expect(mounts.contains { $0.target == parentDirectory(Self.socketPath) },
                "nothing is mounted at the socket's directory")
    }

    @Test("every host path the compose file uses exists, resolved from docker/; only git-ignored, documented secrets may not")
    func composeHostPaths() throws {
        let compose = try Compose.load()
        var paths: [String] = []
        for (name, service) in compose.services {
            if let build = service["build"] {
                let context = build.string ?? build["context"]?.string ?? ""
                #expect(!context.isEmpty, "\(name): build without a context")
                paths.append(context)
                if let dockerfile = build["dockerfile"]?.string {
                    // The dockerfile is relative to the context, not to docker/.
                    paths.append(context + "/" + dockerfile)
                }
            }
            for mount in Compose.mounts(of: service) {
                switch mount.kind {
                case "bind": paths.append(mount.source)
                case "volume":
                    #expect(compose.root["volumes"]?[mount.source] != nil,
                            "\(name): volume \(mount.source) is not declared under volumes:")
                default: Issue.record("\(name): unexpected mount type \(mount.kind) for \(mount.target)")
                }
            }
        }
        for secret in compose.root["secrets"]?.mapping?.values.map({ $0 }) ?? [] {
            if let file = secret["file"]?.string { paths.append(file) }
        }
        #expect(paths.count >= 8, "too few host paths found: \(paths)")

        // Every path exists, but for the secrets: those are git-ignored, and the comments say
        // how to make them.
        let gitignore = readTextFile(repositoryRoot + "/.gitignore")
        var ignored: [String] = []
        for path in paths {
            let relative = try #require(repositoryRelative(Compose.hostPath(path)), "\(path) is outside the repository")
            let isIgnored = gitignoreCovers(gitignore, relative)
            if isIgnored { ignored.append(relative) }
            #expect(fileExists(Compose.hostPath(path)) || isIgnored, "\(path) does not exist and .gitignore does not cover it")
            if isIgnored {
                #expect(compose.comments.contains(baseName(relative)), "\(path): the compose file's comments do not say how to make it")
            }
        }
        #expect(Set(ignored) == ["config/mosquitto.passwd", "config/mqtt_password"], "git-ignored host paths: \(ignored)")
        #expect(compose.comments.contains("mosquitto_passwd"))
        // A missing secret must stop `up`, not be replaced by a directory Docker creates.
        for service in compose.services.map(\.node) {
            for mount in Compose.mounts(of: service) where ignored.contains(repositoryRelative(Compose.hostPath(mount.source)) ?? "") {
                #expect(mount.node["bind"]?["create_host_path"]?.bool == false,
                        "\(mount.source) may be missing: set bind.create_host_path: false")
            }
        }
    }

    @Test("mosquitto's container gets every file and directory its mosquitto.conf names")
    func composeMatchesMosquittoConf() throws {
        let compose = try Compose.load()
        let mosquitto = try #require(compose.service("mosquitto"))
        let mounts = Compose.mounts(of: mosquitto)
        let configMount = try #require(mounts.first { $0.target == "/mosquitto/config/mosquitto.conf" },
                                       "config/mosquitto.conf is not mounted where the image reads it")
        #expect(configMount.readOnly)
        let conf = readTextFile(Compose.hostPath(configMount.source))
        var named: [String] = []
        for line in conf.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 2, !words[0].hasPrefix("#") else { continue }
            if ["password_file", "acl_file", "include_dir", "persistence_location"].contains(words[0]) {
                named.append(words[1])
            }
        }
        #expect(named.contains("/mosquitto/config/mosquitto.passwd") && named.contains("/mosquitto/config/mosquitto.acl"),
                "mosquitto.conf names \(named)")
        for path in named {
            let mount = mounts.first { path == $0.target || path.hasPrefix($0.target + "/") }
            #expect(mount != nil, "mosquitto.conf names \(path), which nothing is mounted at")
            if let mount, mount.target.hasPrefix("/mosquitto/config") { #expect(mount.readOnly, "\(mount.target)") }
        }
    }

    // MARK: Dockerfile

    @Test("the Dockerfile builds with scripts/build-release, exactly as .ci/run does")
    func dockerfileBuildsAsCI() throws {
        let dockerfile = try Dockerfile.load()
        let build = try #require(dockerfile.stages.first)
        #expect(build.from.hasPrefix("swift:6.3") && build.from.contains("bookworm"), "build stage FROM \(build.from)")
        #expect(build.aptPackages.contains("libmosquitto-dev"))
        let dockerCalls = build.runs.flatMap { buildReleaseCalls(in: $0) }
        #expect(dockerCalls.count == 1, "build-release calls in the Dockerfile: \(dockerCalls)")

        let ci = readTextFile(repositoryRoot + "/.ci/run")
        let ciLines = ci.split(separator: "\n").map(String.init).filter { !$0.trimmingLeadingSpaces.hasPrefix("#") }
        let ciCalls = ciLines.flatMap { buildReleaseCalls(in: $0) }
        #expect(ciCalls.count == 1, "build-release calls in .ci/run: \(ciCalls)")
        // .ci/run still installs what it builds with and still runs the tests.
        #expect(ciLines.contains { $0.contains("apt-get install") && $0.contains("libmosquitto-dev") })
        #expect(ciLines.contains { shellSegments($0).contains { $0.first == "scripts/test" } })

        let docker = try #require(dockerCalls.first), fromCI = try #require(ciCalls.first)
        // The same options, but for where the binaries go.
        #expect(docker.filter { $0.key != "--install-dir" } == fromCI.filter { $0.key != "--install-dir" })
        let installDirectory = try #require(docker["--install-dir"] ?? nil, "the Dockerfile's build-release installs nowhere")
        // The runtime stage takes both binaries from there.
        let runtime = try #require(dockerfile.stages.last)
        let fromBuild = runtime.instructions.filter { $0.keyword == "COPY" && $0.arguments.contains("--from=build") }
        let copied = fromBuild.flatMap { words($0.arguments).filter { !$0.hasPrefix("--") }.dropLast() }
        #expect(Set(copied) == [installDirectory + "/gatewayd", installDirectory + "/gatewayctl"], "\(copied)")
        #expect(fromBuild.allSatisfy { words($0.arguments).last == "/usr/local/bin/" })
    }

    @Test("the runtime stage: bookworm-slim, libmosquitto1 and no -dev package, not root, health, SIGTERM, --config")
    func dockerfileRuntimeStage() throws {
        let dockerfile = try Dockerfile.load()
        #expect(dockerfile.stages.count == 2)
        let runtime = try #require(dockerfile.stages.last)
        #expect(runtime.from == "debian:bookworm-slim")
        let packages = runtime.aptPackages
        #expect(packages.contains("libmosquitto1") && packages.contains("ca-certificates"), "\(packages)")
        #expect(!packages.contains { $0.hasSuffix("-dev") }, "\(packages)")
        let installs = runtime.runs.filter { $0.contains("apt-get install") }
        #expect(!installs.isEmpty && installs.allSatisfy { $0.contains("--no-install-recommends") && $0.contains("rm -rf /var/lib/apt/lists") })

        let user = try #require(runtime.last("USER"), "no USER: the container would run as root")
        #expect(!["root", "0", "0:0"].contains(user), "USER \(user)")
        #expect(runtime.runs.contains { $0.contains("useradd") && words($0).contains(user) }, "user \(user) is never created")

        let socket = try #require(runtime.environment["GATEWAY_CONTROL_SOCKET"])
        #expect(socket == Self.socketPath)
        #expect(runtime.volumes.contains(parentDirectory(socket)), "volumes \(runtime.volumes)")
        #expect(runtime.runs.contains { $0.contains("-o \(user)") && $0.contains(parentDirectory(socket)) },
                "the socket directory is not made \(user)'s")

        let health = try #require(runtime.last("HEALTHCHECK"))
        let probe = words(String(health.split(separator: "CMD ", maxSplits: 1).last ?? ""))
        #expect(probe.first.map(baseName) == "gatewayctl" && probe.last == "status", "HEALTHCHECK \(health)")
        #expect(option("--control-socket", in: probe) == socket, "HEALTHCHECK \(health)")
        #expect(runtime.last("STOPSIGNAL") == "SIGTERM")

        let command = words(runtime.last("ENTRYPOINT") ?? "") + words(runtime.last("CMD") ?? "")
        #expect(command.first.map(baseName) == "gatewayd", "\(command)")
        let configPath = try #require(option("--config", in: command), "gatewayd runs without --config")
        #expect(configPath == "/etc/gatewayd/gatewayd.yaml")
        #expect(runtime.instructions.contains { $0.keyword == "COPY" && words($0.arguments) == ["config/gatewayd.yaml", configPath] })
    }

    @Test("every file the Dockerfile copies from the context exists and .dockerignore keeps it")
    func dockerfileCopiesExist() throws {
        let dockerfile = try Dockerfile.load()
        let ignore = DockerIgnore(readTextFile(repositoryRoot + "/.dockerignore"))
        var sources: [String] = []
        for instruction in dockerfile.stages.flatMap(\.instructions) where ["COPY", "ADD"].contains(instruction.keyword) {
            let arguments = words(instruction.arguments)
            if arguments.contains(where: { $0.hasPrefix("--from=") }) { continue }
            sources += arguments.filter { !$0.hasPrefix("--") }.dropLast()
        }
        // SwiftPM wants every target's directory, the test targets' too.
        // SwiftPM checks that every target's directory exists: the top folders Package.swift
        // names in its `path:`s, besides Sources and Tests.
        let manifest = readTextFile(repositoryRoot + "/Package.swift")
        let targetFolders = manifest.split(separator: "path: \"").dropFirst().compactMap { $0.split(separator: "/").first.map(String.init) }
        #expect(Set(targetFolders).isSuperset(of: ["Tests", "Fuzz", "Benchmarks", "Examples"]), "\(targetFolders)")
        for needed in ["Package.swift", "Sources", "Tests", "scripts/build-release", "config/gatewayd.yaml"] + Set(targetFolders).sorted() {
            #expect(sources.contains(needed), "the Dockerfile does not copy \(needed)")
        }
        for source in sources {
            #expect(fileExists(repositoryRoot + "/" + source), "COPY \(source): not in the repository")
            #expect(!ignore.excludes(source), "COPY \(source): excluded by .dockerignore")
        }
        for excluded in [".build", ".build-deploy", ".git", "config/mosquitto.passwd", "config/mqtt_password"] {
            #expect(ignore.excludes(excluded), ".dockerignore lets \(excluded) into the build context")
        }
    }

    // MARK: systemd

    @Test("the unit has its user, runtime directory, ordering and hardening settings")
    func unitSettings() throws {
        let unit = SystemdUnit(readTextFile(repositoryRoot + "/config/gatewayd.service"))
        #expect(unit.last("Unit", "Description")?.isEmpty == false)
        for target in ["network-online.target", "mosquitto.service"] {
            #expect(unit.list("Unit", "After").contains(target), "After= lacks \(target)")
            #expect(unit.list("Unit", "Wants").contains(target), "Wants= lacks \(target)")
        }
        for strong in ["Requires", "Requisite", "BindsTo"] {
            #expect(!unit.list("Unit", strong).contains("mosquitto.service"), "\(strong)=mosquitto.service: use Wants=")
        }

        #expect(unit.last("Service", "ExecStart") == "/usr/local/bin/gatewayd --config /etc/gatewayd/gatewayd.yaml")
        #expect(unit.last("Service", "Restart") == "on-failure")
        let user = try #require(unit.last("Service", "User"))
        #expect(!user.isEmpty && user != "root" && user != "0")
        #expect(unit.last("Service", "RuntimeDirectory") == "gatewayd")
        #expect(unit.last("Service", "RuntimeDirectoryMode") == "0750")
        #expect(unit.values("Service", "Environment").contains("GATEWAY_CONTROL_SOCKET=" + Self.socketPath),
                "not root: gatewayd's default socket would not be in its RuntimeDirectory")
        #expect(unit.last("Service", "UMask") == "0027")

        for key in [
            "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
            "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "RestrictNamespaces",
            "LockPersonality", "MemoryDenyWriteExecute", "RestrictRealtime", "RestrictSUIDSGID",
        ] {
            let enabled = unit.isTrue("Service", key), value = unit.last("Service", key) ?? "(not set)"
            #expect(enabled, "\(key)=\(value), not yes")
        }
        #expect(unit.last("Service", "ProtectSystem") == "strict")
        #expect(unit.last("Service", "SystemCallArchitectures") == "native")
        #expect(unit.values("Service", "SystemCallFilter").first == "@system-service")
        #expect(unit.last("Service", "CapabilityBoundingSet") == "")
        #expect(Set(unit.list("Service", "RestrictAddressFamilies")) == ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"])
        // The Linux Wi-Fi source will read /sys/class/net and talk netlink to the host's interfaces.
        let privateNetwork = unit.isTrue("Service", "PrivateNetwork")
        #expect(!privateNetwork, "PrivateNetwork=yes: no netlink to the host's interfaces")
        for key in ["InaccessiblePaths", "TemporaryFileSystem"] {
            #expect(!unit.list("Service", key).contains { $0.trimmingPrefix("-") == "/sys" || "/sys/class/net".hasPrefix($0 + "/") },
                    "\(key)= hides /sys")
        }
        #expect(unit.list("Install", "WantedBy") == ["multi-user.target"])
    }

    @Test(
        "systemd-analyze verify finds nothing to say about the unit",
        .enabled(if: SystemdAnalyze.path != nil, "systemd-analyze is not installed (Debian: apt-get install systemd)"))
    func unitVerifies() throws {
        let result = try SystemdAnalyze.verify(unitText: readTextFile(repositoryRoot + "/config/gatewayd.service"))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.aboutUnit.isEmpty, "systemd-analyze verify:\n\(result.aboutUnit.joined(separator: "\n"))")
    }

    @Test(
        "systemd-analyze verify does flag a broken copy of the unit (so the check above can fail)",
        .enabled(if: SystemdAnalyze.path != nil, "systemd-analyze is not installed (Debian: apt-get install systemd)"))
    func unitVerifyCatchesMistakes() throws {
        let text = readTextFile(repositoryRoot + "/config/gatewayd.service")
        let broken = text.replacingOccurrences("ProtectSystem=strict", with: "ProtectSytem=strict")
        #expect(broken != text)
        let result = try SystemdAnalyze.verify(unitText: broken)
        #expect(result.aboutUnit.contains { $0.contains("ProtectSytem") }, "\(result.output)")
    }

    @Test(
        "systemd-analyze security rates the unit's exposure 2.0 or lower (of 10)",
        .enabled(if: SystemdAnalyze.path != nil, "systemd-analyze is not installed (Debian: apt-get install systemd)"))
    func unitExposure() throws {
        let result = try SystemdAnalyze.run(["security", "--offline=true"],
                                            unitText: readTextFile(repositoryRoot + "/config/gatewayd.service"))
        let marker = "Overall exposure level for gatewayd.service: "
        let line = try #require(result.output.split(separator: "\n").first { $0.contains(marker) }, "\(result.output)")
        let level = line.split(separator: marker).last.flatMap { Double($0.split(separator: " ").first ?? "") }
        #expect((level ?? 10) <= 2.0, "\(line)")
    }

    @Test("the socket path agrees everywhere: unit, image, health check, compose volume")
    func socketPathAgrees() throws {
        let unit = SystemdUnit(readTextFile(repositoryRoot + "/config/gatewayd.service"))
        let runtimeDirectory = "/run/" + (unit.last("Service", "RuntimeDirectory") ?? "")
        #expect(parentDirectory(Self.socketPath) == runtimeDirectory)
        let runtime = try #require(try Dockerfile.load().stages.last)
        #expect(runtime.volumes == [runtimeDirectory])
        let gatewayd = try #require(try Compose.load().service("gatewayd"))
        let socketMount = Compose.mounts(of: gatewayd).first { $0.target == runtimeDirectory }
        #expect(socketMount?.readOnly == false, "the socket directory must be mounted writable")
    }
}

// MARK: - Files and paths


private func fileExists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
}

private func parentDirectory(_ path: String) -> String {
    String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
}

private func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

/// `path` (absolute, normalised) relative to the repository root ("" for the root), or nil outside it.
private func repositoryRelative(_ path: String) -> String? {
    if path == repositoryRoot { return "" }
    return path.hasPrefix(repositoryRoot + "/") ? String(path.dropFirst(repositoryRoot.count + 1)) : nil
}

/// Removes "." and "dir/.." components.
private func normalised(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: false) {
        if part == "." || (part.isEmpty && !parts.isEmpty) { continue }
        if part == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast() } else { parts.append(part) }
    }
    return parts.joined(separator: "/")
}

/// Whether a .gitignore line ignores `relative` (a file at the repository root's level or below).
private func gitignoreCovers(_ gitignore: String, _ relative: String) -> Bool {
    gitignore.split(separator: "\n").contains { line in
        let pattern = line.trimmingCharacters(in: " ")
        guard !pattern.isEmpty, !pattern.hasPrefix("#"), !pattern.hasPrefix("!") else { return false }
        if pattern.hasPrefix("/") || pattern.dropLast().contains("/") {
            return fnmatch(String(pattern.trimmingPrefix("/")), relative, FNM_PATHNAME) == 0
        }
        return fnmatch(pattern, baseName(relative), 0) == 0
    }
}

/// Whitespace-separated words, quotes removed; a JSON array (exec form) gives its strings.
private func words(_ text: String) -> [String] {
    let trimmed = text.trimmingCharacters(in: " ")
    if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
        return trimmed.dropFirst().dropLast().split(separator: ",").map {
            String($0.trimmingCharacters(in: " ").trimmingCharacters(in: "\""))
        }
    }
    return trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String($0).trimmingCharacters(in: "\"'") }
}

/// The simple commands of a shell line (split at `&&`, `||`, `;` and `|`), as words.
private func shellSegments(_ line: String) -> [[String]] {
    var segments: [[String]] = [[]]
    for word in words(line) {
        if ["&&", "||", ";", "|"].contains(word) { segments.append([]) } else { segments[segments.count - 1].append(word) }
    }
    return segments.filter { !$0.isEmpty }
}

/// The options of each `scripts/build-release` call in a shell line: option -> value (nil for a flag).
private func buildReleaseCalls(in line: String) -> [[String: String?]] {
    shellSegments(line).filter { $0.first == "scripts/build-release" }.map { segment in
        var options: [String: String?] = [:]
        var rest = segment.dropFirst()
        while let word = rest.popFirst() {
            if let equals = word.firstIndex(of: "=") {
                options[String(word[..<equals])] = String(word[word.index(after: equals)...])
            } else if let next = rest.first, !next.hasPrefix("-") {
                options[word] = next
                rest = rest.dropFirst()
            } else {
                options[word] = .some(nil)
            }
        }
        return options
    }
}

/// The value after `name` in `words`.
private func option(_ name: String, in words: [String]) -> String? {
    guard let index = words.firstIndex(of: name), index + 1 < words.count else { return nil }
    return words[index + 1]
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }

    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}

private extension StringProtocol {
    var trimmingLeadingSpaces: SubSequence { drop { $0 == " " || $0 == "\t" } }
}

// MARK: - docker-compose.yml

/// docker/docker-compose.yml, parsed with Yams.
private struct Compose {
    static let directory = repositoryRoot + "/docker"

    let root: Node
    /// The text of every comment line.
    let comments: String

    static func load() throws -> Compose {
        let text = readTextFile(directory + "/docker-compose.yml")
        #expect(!text.isEmpty, "docker/docker-compose.yml is missing or empty")
        let node = try #require(try Yams.compose(yaml: text), "docker/docker-compose.yml holds no YAML document")
        let comments = text.split(separator: "\n").filter { $0.trimmingLeadingSpaces.hasPrefix("#") }.joined(separator: "\n")
        return Compose(root: node, comments: comments)
    }

    var services: [(name: String, node: Node)] {
        (root["services"]?.mapping ?? [:]).compactMap { key, value in key.string.map { ($0, value) } }
    }

    func service(_ name: String) -> Node? { root["services"]?[name] }

    /// A host path as written in the compose file, made absolute from docker/.
    static func hostPath(_ path: String) -> String {
        normalised(path.hasPrefix("/") ? path : directory + "/" + path)
    }

    static func environment(of service: Node) -> [String: String] {
        var result: [String: String] = [:]
        if let mapping = service["environment"]?.mapping {
            for (key, value) in mapping { if let key = key.string { result[key] = value.string ?? "" } }
        } else {
            for entry in service["environment"]?.array().compactMap(\.string) ?? [] {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                result[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
        }
        return result
    }

    static func dependencies(of service: Node) -> [String] {
        guard let dependsOn = service["depends_on"] else { return [] }
        if let mapping = dependsOn.mapping { return mapping.keys.compactMap(\.string) }
        return dependsOn.array().compactMap(\.string)
    }

    struct Mount: CustomStringConvertible {
        /// bind or volume.
        let kind: String
        let source: String
        let target: String
        let readOnly: Bool
        let node: Node

        var description: String { "\(kind) \(source) at \(target)\(readOnly ? " (read-only)" : "")" }
    }

    /// The service's volumes, in either syntax.
    static func mounts(of service: Node) -> [Mount] {
        (service["volumes"]?.array() ?? []).compactMap { entry in
            if let short = entry.string {
                let parts = short.split(separator: ":").map(String.init)
                guard parts.count >= 2 else { return nil }
                let isPath = parts[0].hasPrefix(".") || parts[0].hasPrefix("/") || parts[0].hasPrefix("~")
                return Mount(kind: isPath ? "bind" : "volume", source: parts[0], target: parts[1],
                             readOnly: parts.count > 2 && parts[2].split(separator: ",").contains("ro"), node: entry)
            }
            guard let target = entry["target"]?.string else { return nil }
            return Mount(kind: entry["type"]?.string ?? "volume", source: entry["source"]?.string ?? "", target: target,
                         readOnly: entry["read_only"]?.bool ?? false, node: entry)
        }
    }
}

// MARK: - Dockerfile

/// docker/Dockerfile as instructions, continuation lines joined and comments dropped.
private struct Dockerfile {
    struct Instruction {
        let keyword: String
        let arguments: String
    }

    struct Stage {
        let from: String
        var instructions: [Instruction] = []

        var runs: [String] { instructions.filter { $0.keyword == "RUN" }.map(\.arguments) }

        /// The arguments of the last `keyword` instruction.
        func last(_ keyword: String) -> String? { instructions.last { $0.keyword == keyword }?.arguments }

        /// The packages every `apt-get install` of the stage names.
        var aptPackages: [String] {
            runs.flatMap { shellSegments($0) }.flatMap { segment -> [String] in
                guard let install = segment.firstIndex(of: "install"), segment.prefix(install).contains("apt-get") else { return [] }
                return segment[(install + 1)...].filter { !$0.hasPrefix("-") }
            }
        }

        var environment: [String: String] {
            var result: [String: String] = [:]
            for instruction in instructions where instruction.keyword == "ENV" {
                for word in words(instruction.arguments) {
                    let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                    if parts.count == 2 { result[parts[0]] = parts[1] }
                }
            }
            return result
        }

        var volumes: [String] { instructions.filter { $0.keyword == "VOLUME" }.flatMap { words($0.arguments) } }
    }

    let stages: [Stage]

    static func load() throws -> Dockerfile {
        let text = readTextFile(repositoryRoot + "/docker/Dockerfile")
        #expect(!text.isEmpty, "docker/Dockerfile is missing or empty")
        var stages: [Stage] = []
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: " \t")
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let whole = (pending + line).trimmingCharacters(in: " ")
            pending = ""
            guard !whole.isEmpty else { continue }
            let keyword = String(whole.prefix { $0 != " " }).uppercased()
            let arguments = String(whole.drop { $0 != " " }).trimmingCharacters(in: " ")
            if keyword == "FROM" {
                stages.append(Stage(from: words(arguments).first ?? ""))
            } else {
                let index = try #require(stages.indices.last, "\(keyword) before FROM")
                stages[index].instructions.append(Instruction(keyword: keyword, arguments: arguments))
            }
        }
        return Dockerfile(stages: stages)
    }
}

/// .dockerignore's patterns, as Docker reads them: relative to the context, a path is excluded
/// when it or a directory above it matches; `**` matches any number of directories.
private struct DockerIgnore {
    let patterns: [String]

    init(_ text: String) {
        patterns = text.split(separator: "\n").map { $0.trimmingCharacters(in: " \t") }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { pattern in
                // Docker cleans each pattern: no leading or trailing slash.
                var cleaned = Substring(pattern)
                while cleaned.count > 1, cleaned.hasSuffix("/") { cleaned = cleaned.dropLast() }
                return String(cleaned.trimmingPrefix("/"))
            }
    }

    func excludes(_ path: String) -> Bool {
        var excluded = false
        let components = path.split(separator: "/")
        for pattern in patterns {
            let negated = pattern.hasPrefix("!")
            let body = negated ? String(pattern.dropFirst()) : pattern
            for length in 1...components.count {
                let prefix = components.prefix(length).joined(separator: "/")
                if matches(body, prefix) { excluded = !negated; break }
            }
        }
        return excluded
    }

    private func matches(_ pattern: String, _ path: String) -> Bool {
        if pattern.hasPrefix("**/") {
            let rest = String(pattern.dropFirst(3))
            let components = path.split(separator: "/")
            return components.indices.contains { matches(rest, components[$0...].joined(separator: "/")) }
        }
        return fnmatch(pattern, path, FNM_PATHNAME) == 0
    }
}

// MARK: - systemd

/// A unit file: (section, key, value) in order; a key may repeat.
private struct SystemdUnit: CustomStringConvertible {
    let entries: [(section: String, key: String, value: String)]

    var description: String { "a unit of \(entries.count) settings" }

    init(_ text: String) {
        var section = ""
        var entries: [(String, String, String)] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: " \t") }) {
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
            } else if let equals = line.firstIndex(of: "=") {
                entries.append((section, line[..<equals].trimmingCharacters(in: " "),
                                line[line.index(after: equals)...].trimmingCharacters(in: " ")))
            }
        }
        self.entries = entries
    }

    func values(_ section: String, _ key: String) -> [String] {
        entries.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    func last(_ section: String, _ key: String) -> String? { values(section, key).last }

    /// Space-separated values of every assignment (an empty one resets the list, as systemd does).
    func list(_ section: String, _ key: String) -> [String] {
        values(section, key).reduce(into: []) { list, value in
            if value.isEmpty { list = [] } else { list += value.split(separator: " ").map(String.init) }
        }
    }

    func isTrue(_ section: String, _ key: String) -> Bool {
        ["yes", "true", "1", "on"].contains(last(section, key)?.lowercased() ?? "")
    }
}

/// systemd-analyze, run on a copy of the unit in a temporary directory.
private enum SystemdAnalyze {
    static let path = MosquittoBroker.findExecutable("systemd-analyze", preferring: "/usr/bin/systemd-analyze")

    struct Result {
        let status: Int32?
        let output: String
        /// The lines that speak of gatewayd.service (its name or its file).
        var aboutUnit: [String] { output.split(separator: "\n").map(String.init).filter { $0.contains("gatewayd.service") } }
    }

    /// `systemd-analyze verify`, with ExecStart pointing at the gatewayd built beside the tests
    /// (verify insists that the binary exists).
    static func verify(unitText: String) throws -> Result {
        let binary = GatewayProcess.binary("gatewayd")
        try #require(access(binary, X_OK) == 0, "gatewayd is not built at \(binary): swift build --build-tests first")
        let text = unitText.replacingOccurrences("ExecStart=/usr/local/bin/gatewayd ", with: "ExecStart=\(binary) ")
        try #require(text != unitText, "the unit's ExecStart is not /usr/local/bin/gatewayd")
        return try run(["verify"], unitText: text)
    }

    static func run(_ arguments: [String], unitText: String) throws -> Result {
        let analyze = try #require(path)
        var template = Array("/tmp/gatewayd-unit.XXXXXX".utf8CString)
        let directory = try #require(mkdtemp(&template).map { String(cString: $0) }, "mkdtemp failed")
        let unitPath = directory + "/gatewayd.service", outputPath = directory + "/output"
        defer {
            unlink(unitPath)
            unlink(outputPath)
            rmdir(directory)
        }
        let file = try #require(fopen(unitPath, "w"), "cannot write \(unitPath)")
        fputs(unitText, file)
        fclose(file)
        let pid = try MosquittoBroker.spawn([analyze] + arguments + [unitPath], output: outputPath)
        let status = waitForChild(pid, timeout: 60)
        if status == nil { kill(pid, SIGKILL); _ = waitForChild(pid, timeout: 5) }
        return Result(status: status, output: readTextFile(outputPath))
    }
}
