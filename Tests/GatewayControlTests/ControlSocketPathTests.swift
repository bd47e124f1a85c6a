#if canImport(Glibc)
import Glibc
#endif
import GatewayControl
import SystemSupport
import Testing

@Suite("Where the control socket is")
struct ControlSocketPathTests {
    @Test("--control-socket beats GATEWAY_CONTROL_SOCKET, which beats the default")
    func precedence() {
        let environment = ["GATEWAY_CONTROL_SOCKET": "/env/gw.sock", "XDG_RUNTIME_DIR": "/run/user/1000"]
        #expect(ControlSocketPath.resolve(option: "/flag.sock", environment: environment, uid: 1000) == ("/flag.sock", "--control-socket"))
        #expect(ControlSocketPath.resolve(option: nil, environment: environment, uid: 1000) == ("/env/gw.sock", "GATEWAY_CONTROL_SOCKET"))
        let fallback = ControlSocketPath.resolve(option: nil, environment: ["GATEWAY_CONTROL_SOCKET": ""], uid: 1000)
        #expect(fallback.path == "/tmp/gatewayd-1000/gatewayd.sock")
        #expect(fallback.source == "the default for this user")
    }

    @Test("defaults: /run for root, the runtime directory or /tmp for others")
    func defaults() {
        #expect(ControlSocketPath.defaultPath(environment: ["XDG_RUNTIME_DIR": "/run/user/0"], uid: 0) == "/run/gatewayd/gatewayd.sock")
        #expect(ControlSocketPath.defaultPath(environment: ["XDG_RUNTIME_DIR": "/run/user/1000/"], uid: 1000)
            == "/run/user/1000/gatewayd/gatewayd.sock")
        // A relative runtime directory is not trusted.
        #expect(ControlSocketPath.defaultPath(environment: ["XDG_RUNTIME_DIR": "relative"], uid: 1000) == "/tmp/gatewayd-1000/gatewayd.sock")
        #expect(ControlSocketPath.defaultPath(environment: [:], uid: 1000) == "/tmp/gatewayd-1000/gatewayd.sock")
    }

    @Test("the process environment is read")
    func processEnvironment() {
        setenv("GATEWAYCTL_TEST_VARIABLE", "a=b", 1)
        #expect(ProcessEnvironment.current()["GATEWAYCTL_TEST_VARIABLE"] == "a=b")
    }

    @Test("a path too long for a Unix socket is refused with its length")
    func longPath() {
        let path = "/tmp/" + String(repeating: "x", count: 120)
        #expect {
            _ = try UnixSocket.connect(path)
        } throws: { error in
            (error as? ControlSocketError)?.message.contains("at most 107") == true
        }
    }
}

@Suite("Reading lines from a socket")
struct LineReaderTests {
    func pair() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        return (fds[0], fds[1])
    }

    @Test("lines split across writes, several per write, and a last line without newline")
    func framing() throws {
        let (a, b) = pair()
        defer { close(a) }
        var reader = LineReader(fd: a, maxLineBytes: 100)
        try UnixSocket.writeAll(b, Array("one\ntw".utf8))
        #expect(try reader.next(timeoutMs: 1000) == Array("one".utf8))
        try UnixSocket.writeAll(b, Array("o\nthree\nfour".utf8))
        #expect(try reader.next(timeoutMs: 1000) == Array("two".utf8))
        #expect(try reader.next(timeoutMs: 1000) == Array("three".utf8))
        close(b)
        #expect(try reader.next(timeoutMs: 1000) == Array("four".utf8))
        #expect(try reader.next(timeoutMs: 1000) == nil)
    }

    @Test("a silent peer times out; an endless line is refused")
    func limits() throws {
        let (a, b) = pair()
        defer { close(a); close(b) }
        var reader = LineReader(fd: a, maxLineBytes: 10)
        #expect {
            _ = try reader.next(timeoutMs: 50)
        } throws: { error in
            (error as? ControlSocketError)?.code == ETIMEDOUT
        }
        try UnixSocket.writeAll(b, [UInt8](repeating: 0x61, count: 50))
        #expect {
            _ = try reader.next(timeoutMs: 500)
        } throws: { error in
            (error as? ControlSocketError)?.message.contains("longer than 10 bytes") == true
        }
    }
}
